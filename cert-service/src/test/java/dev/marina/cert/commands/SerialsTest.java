package dev.marina.cert.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.marina.cert.CertFailure;
import org.junit.jupiter.api.Test;

class SerialsTest {

    @Test
    void serials_in_commands_are_read_as_lowercase_hex_without_leading_zeros() throws CertFailure {
        assertEquals("1a2b", CertCommandHandler.normalizeSerial("1A2B"));
        assertEquals("1a2b", CertCommandHandler.normalizeSerial("00:1a:2b"));
        assertEquals("1a2b", CertCommandHandler.normalizeSerial("0x001A2B"));
    }

    @Test
    void a_serial_that_is_not_hex_fails_for_good() {
        CertFailure failure = assertThrows(CertFailure.class, () -> CertCommandHandler.normalizeSerial("xyz"));
        assertEquals(CertFailure.BAD_SERIAL, failure.code());
        assertEquals(false, failure.isRetryable());
    }
}
