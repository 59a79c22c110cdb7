package dev.marina.cert.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalTest {

    @TempDir
    Path dir;

    @Test
    void an_unknown_command_has_no_entry() {
        assertEquals(Optional.empty(), new Journal(dir).entry("acme/db1/cert-1"));
    }

    @Test
    void keeps_an_order_then_the_issued_event_across_instances() {
        Journal journal = new Journal(dir);
        journal.ordered("acme/db1/cert-1", "https://127.0.0.1:14000/my-order/abc", 1);

        Journal.Entry ordered = new Journal(dir).entry("acme/db1/cert-1").orElseThrow();
        assertEquals(Journal.Stage.ORDERED, ordered.stage());
        assertEquals(Optional.of("https://127.0.0.1:14000/my-order/abc"), ordered.orderUrl());
        assertEquals(1, ordered.orders());

        journal.issued("acme/db1/cert-1", new Journal.Issued("1f2e", "acme", "acme/db1", "-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----\n"),
                "{\"commandId\":\"acme/db1/cert-1\",\"serial\":\"1f2e\"}");

        Journal reopened = new Journal(dir);
        Journal.Entry issued = reopened.entry("acme/db1/cert-1").orElseThrow();
        assertEquals(Journal.Stage.ISSUED, issued.stage());
        assertEquals(Optional.of("{\"commandId\":\"acme/db1/cert-1\",\"serial\":\"1f2e\"}"), issued.event());
        assertEquals(Optional.of("https://127.0.0.1:14000/my-order/abc"), issued.orderUrl(), "the order stays on record");
        Journal.Issued cert = reopened.certificate("1f2e").orElseThrow();
        assertEquals("acme", cert.mode());
        assertTrue(cert.chainPem().startsWith("-----BEGIN CERTIFICATE-----"));
    }

    @Test
    void records_revocations_by_serial() {
        Journal journal = new Journal(dir);
        journal.revoked("acme/db1/revoke-1", "abc1", "{}");
        journal.markRevoked("0f");

        assertTrue(journal.isRevoked("abc1"));
        assertFalse(journal.isRevoked("abc2"));
        assertEquals(List.of("0f", "abc1"), journal.revokedSerials());
        assertEquals(Journal.Stage.REVOKED, journal.entry("acme/db1/revoke-1").orElseThrow().stage());
    }

    @Test
    void any_command_id_makes_a_safe_file_name_and_no_temporary_files_remain() throws Exception {
        Journal journal = new Journal(dir);
        journal.ordered("../../etc/passwd \u00e9/\n", "https://x/order/1", 1);

        assertEquals(Optional.of("https://x/order/1"), journal.entry("../../etc/passwd \u00e9/\n").orElseThrow().orderUrl());
        try (Stream<Path> files = Files.list(dir.resolve("journal"))) {
            List<String> names = files.map(f -> f.getFileName().toString()).toList();
            assertEquals(1, names.size(), names.toString());
            assertTrue(names.get(0).matches("[0-9a-f]{64}\\.properties"), names.get(0));
        }
    }
}
