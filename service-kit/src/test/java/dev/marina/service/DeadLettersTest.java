package dev.marina.service;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.v1.DeadLetter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class DeadLettersTest {
    private static final Instant NOW = Instant.parse("2026-12-02T12:00:00Z");

    @Test
    void a_small_record_is_kept_byte_for_byte() {
        byte[] value = "{not json".getBytes(StandardCharsets.UTF_8);
        DeadLetter letter = DeadLetters.of("svc", "intent-events", 3, 42, "acme/orders".getBytes(StandardCharsets.UTF_8),
                value, "not an IntentEvent", NOW);
        assertArrayEquals(value, letter.getValue().toByteArray());
        assertEquals(value.length, letter.getValueSize());
        assertFalse(letter.getValueTruncated());
        assertEquals("acme/orders", letter.getKey().toStringUtf8());
        assertEquals(64, letter.getValueSha256().length());
    }

    @Test
    void a_letter_for_a_record_near_the_broker_limit_still_fits_it() {
        byte[] value = new byte[900 * 1024];
        Arrays.fill(value, (byte) 'x');
        byte[] key = new byte[200 * 1024];
        Arrays.fill(key, (byte) 'k');
        String reason = "not a marina.v1.IntentEvent: " + "y".repeat(100_000);
        DeadLetter letter = DeadLetters.of("svc", "intent-events", 0, 1, key, value, reason, NOW);
        int encoded = ProtoJsonSerde.toJson(letter).getBytes(StandardCharsets.UTF_8).length;
        assertTrue(encoded < 64 * 1024, "the letter is " + encoded + " bytes");
        assertEquals(900 * 1024, letter.getValueSize());
        assertTrue(letter.getValueTruncated());
        assertEquals(DeadLetters.KEPT_VALUE_BYTES, letter.getValue().size());
        assertEquals(200 * 1024, letter.getKeySize());
        assertTrue(letter.getKeyTruncated());
        assertTrue(letter.getReasonTruncated());
        assertEquals(DeadLetters.KEPT_KEY_BYTES, DeadLetters.recordKey(key).length);
        assertEquals(DeadLetters.KEPT_KEY_BYTES,
                DeadLetters.recordKey(new String(key, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8).length);
    }

    @Test
    void the_hash_names_the_whole_record_not_the_prefix() {
        byte[] a = new byte[DeadLetters.KEPT_VALUE_BYTES + 10];
        byte[] b = a.clone();
        b[b.length - 1] = 1;
        assertFalse(DeadLetters.of("s", "t", 0, 0, null, a, "r", NOW).getValueSha256()
                .equals(DeadLetters.of("s", "t", 0, 0, null, b, "r", NOW).getValueSha256()));
    }
}
