package dev.marina.healthmonitor.metrics;

import static dev.marina.healthmonitor.metrics.MetricsFixtures.instance;
import static dev.marina.healthmonitor.metrics.MetricsFixtures.status;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.schemas.v1.Health;
import dev.marina.schemas.v1.Phase;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class RosterTest {

    @Test
    void a_status_lists_the_instances_a_deployment_owns_and_their_health() {
        Roster roster = Roster.of(status(Phase.PHASE_READY,
                instance("i1", Health.HEALTH_UP), instance("i2", Health.HEALTH_SUSPECT),
                instance("i3", Health.HEALTH_DOWN), instance("i4", Health.HEALTH_UNSPECIFIED),
                instance("i5", Health.HEALTH_PAUSED))).orElseThrow();
        assertEquals(List.of("i1", "i2", "i3", "i4", "i5"), List.copyOf(roster.instances()));
        assertEquals(1, roster.up());
        assertEquals(1, roster.suspect());
        assertEquals(1, roster.down());
        assertEquals(1, roster.paused());
        assertTrue(roster.owns("i4"), "listed before its first health report: owned");
        assertFalse(roster.owns("i6"));
    }

    @Test
    void a_new_deployment_owns_its_instances_before_they_are_judged() {
        Roster roster = Roster.of(status(Phase.PHASE_PROVISIONING, instance("i1", Health.HEALTH_UNSPECIFIED)))
                .orElseThrow();
        assertTrue(roster.owns("i1"));
    }

    @Test
    void a_deleted_deployment_owns_nothing() {
        assertEquals(Optional.empty(), Roster.of(status(Phase.PHASE_DELETED)));
    }

    @Test
    void the_store_format_reads_back_as_written() {
        RosterSerde serde = new RosterSerde();
        Roster roster = new Roster(new TreeSet<>(Set.of("acme-orders-1", "acme-orders-✓")), 1, 0, 1, 1);
        assertEquals(roster, serde.deserializer().deserialize("s", serde.serializer().serialize("s", roster)));
    }

    @Test
    void a_roster_stored_before_instances_could_be_paused_reads_with_none_paused() throws Exception {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(bytes)) {
            out.writeByte(1);
            out.writeInt(1);
            byte[] id = "acme-orders-1".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            out.writeInt(id.length);
            out.write(id);
            out.writeInt(1);
            out.writeInt(0);
            out.writeInt(0);
        }
        assertEquals(new Roster(new TreeSet<>(Set.of("acme-orders-1")), 1, 0, 0, 0),
                new RosterSerde().deserializer().deserialize("s", bytes.toByteArray()));
    }
}
