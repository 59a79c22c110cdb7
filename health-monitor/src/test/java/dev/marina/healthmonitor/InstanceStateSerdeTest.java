package dev.marina.healthmonitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.marina.schemas.v1.Health;
import dev.marina.schemas.v1.Heartbeat;
import dev.marina.schemas.v1.ReplicationFault;
import dev.marina.schemas.v1.Role;
import dev.marina.service.Timestamps;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class InstanceStateSerdeTest {

    private final InstanceStateSerde serde = new InstanceStateSerde();

    @Test
    void a_state_reads_back_as_written_to_the_nanosecond() {
        Heartbeat latest = Fixtures.replica("acme-orders-2", Instant.parse("2026-11-02T10:00:00.987654321Z"),
                        "acme-orders-1", false).toBuilder()
                .setDatabaseReachable(false)
                .setDatabaseError("Can't connect ✗ " + "x".repeat(70_000))
                .setReplicationError("Error 1236: could not find GTID state requested by slave in any binlog files")
                .setReplicationFault(ReplicationFault.REPLICATION_FAULT_CANNOT_CATCH_UP)
                .setEpoch(7)
                .build();
        InstanceState state = new InstanceState("acme/orders", "acme-orders-2", latest,
                Instant.parse("2026-11-02T10:00:01.123456789Z"), Health.HEALTH_SUSPECT, "database unreachable",
                Instant.parse("2026-11-02T10:00:02Z"), true);
        byte[] bytes = serde.serializer().serialize("store", state);
        assertEquals(state, serde.deserializer().deserialize("store", bytes));
    }

    @Test
    void a_state_of_the_first_format_still_reads_with_its_heartbeat_rebuilt() throws IOException {
        Instant heard = Instant.parse("2026-11-02T10:00:01.5Z");
        Instant sent = Instant.parse("2026-11-02T10:00:01.25Z");
        Instant since = Instant.parse("2026-11-02T09:00:00Z");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(1);
            string(out, "acme/orders");
            string(out, "acme-orders-1");
            out.writeInt(Role.ROLE_PRIMARY.getNumber());
            string(out, "0-1-42");
            out.writeBoolean(true);
            string(out, "");
            instant(out, heard);
            instant(out, sent);
            out.writeInt(Health.HEALTH_UP.getNumber());
            string(out, "heartbeat received, database reachable");
            instant(out, since);
        }

        InstanceState read = serde.deserializer().deserialize("store", bytes.toByteArray());

        assertEquals("acme-orders-1", read.instanceId());
        assertEquals(Role.ROLE_PRIMARY, read.role());
        assertEquals("0-1-42", read.latest().getGtidPosition());
        assertEquals(sent, read.lastSentAt());
        assertEquals(Timestamps.of(sent), read.latest().getSentAt());
        assertEquals(-1, read.latest().getPrimaryLastSeenMs(), "not known");
        assertEquals(heard, read.lastHeardAt());
        assertEquals(Health.HEALTH_UP, read.health());
        assertEquals(since, read.lastTransitionAt());
        assertFalse(read.heldByReplicas());
    }

    @Test
    void null_stays_null_and_an_unknown_format_is_refused() {
        assertNull(serde.serializer().serialize("store", null));
        assertNull(serde.deserializer().deserialize("store", null));
        assertThrows(SerializationException.class, () -> serde.deserializer().deserialize("store", new byte[] {9}));
    }

    private static void string(DataOutputStream out, String value) throws IOException {
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    private static void instant(DataOutputStream out, Instant value) throws IOException {
        out.writeLong(value.getEpochSecond());
        out.writeInt(value.getNano());
    }
}
