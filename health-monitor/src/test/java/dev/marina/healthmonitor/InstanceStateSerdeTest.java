package dev.marina.healthmonitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.marina.schemas.v1.Health;
import dev.marina.schemas.v1.Role;
import java.time.Instant;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class InstanceStateSerdeTest {

    private final InstanceStateSerde serde = new InstanceStateSerde();

    @Test
    void a_state_reads_back_as_written_to_the_nanosecond() {
        InstanceState state = new InstanceState("acme/orders", "acme-orders-2", Role.ROLE_REPLICA, "0-1-99", false,
                "Can't connect ✗ " + "x".repeat(70_000), Instant.parse("2026-11-02T10:00:01.123456789Z"),
                Instant.parse("2026-11-02T10:00:00.987654321Z"), Health.HEALTH_SUSPECT, "database unreachable",
                Instant.parse("2026-11-02T10:00:02Z"));
        byte[] bytes = serde.serializer().serialize("store", state);
        assertEquals(state, serde.deserializer().deserialize("store", bytes));
    }

    @Test
    void null_stays_null_and_an_unknown_format_is_refused() {
        assertNull(serde.serializer().serialize("store", null));
        assertNull(serde.deserializer().deserialize("store", null));
        assertThrows(SerializationException.class, () -> serde.deserializer().deserialize("store", new byte[] {9}));
    }
}
