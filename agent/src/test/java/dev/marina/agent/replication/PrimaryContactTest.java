package dev.marina.agent.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.marina.agent.replication.PrimaryContact.Progress;
import org.junit.jupiter.api.Test;

class PrimaryContactTest {

    private static final long MS = 1_000_000L;
    private final PrimaryContact contact = new PrimaryContact();

    private static Progress at(long heartbeats, long position) {
        return new Progress("127.10.250.7", heartbeats, "0-1-5", "mariadb-bin.000001", position);
    }

    @Test
    void unknown_until_something_arrives_while_watched() {
        assertEquals(-1, contact.observe(at(3, 100), 0));
        assertEquals(-1, contact.observe(at(3, 100), 200 * MS));
        assertEquals(0, contact.observe(at(4, 100), 400 * MS), "a primary heartbeat arrived");
        assertEquals(300, contact.observe(at(4, 100), 700 * MS));
    }

    @Test
    void an_event_counts_like_a_heartbeat() {
        contact.observe(at(3, 100), 0);
        contact.observe(at(4, 100), 100 * MS);
        assertEquals(0, contact.observe(at(4, 900), 500 * MS));
        assertEquals(2_500, contact.observe(at(4, 900), 3_000 * MS), "silence grows");
    }

    @Test
    void starts_over_for_another_primary_or_without_replication() {
        contact.observe(at(3, 100), 0);
        contact.observe(at(4, 100), 100 * MS);
        assertEquals(-1, contact.observe(new Progress("127.10.250.9", 0, "", "", 4), 200 * MS));
        assertEquals(-1, contact.observe(null, 300 * MS));
    }
}
