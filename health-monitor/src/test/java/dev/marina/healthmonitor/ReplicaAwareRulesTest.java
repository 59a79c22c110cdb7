package dev.marina.healthmonitor;

import static dev.marina.healthmonitor.Fixtures.DEPLOYMENT;
import static dev.marina.healthmonitor.Fixtures.INSTANCE;
import static dev.marina.healthmonitor.Fixtures.REPLICA_2;
import static dev.marina.healthmonitor.Fixtures.REPLICA_3;
import static dev.marina.healthmonitor.Fixtures.T0;
import static dev.marina.healthmonitor.Fixtures.heartbeat;
import static dev.marina.healthmonitor.Fixtures.replica;
import static dev.marina.healthmonitor.Fixtures.stored;
import static dev.marina.schemas.v1.Health.HEALTH_DOWN;
import static dev.marina.schemas.v1.Health.HEALTH_SUSPECT;
import static dev.marina.schemas.v1.Health.HEALTH_UP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.schemas.v1.Health;
import dev.marina.schemas.v1.Heartbeat;
import dev.marina.schemas.v1.InstanceHealth;
import dev.marina.schemas.v1.ReplicaReport;
import dev.marina.schemas.v1.ReplicationFault;
import dev.marina.schemas.v1.Role;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A primary's verdict weighs what its replicas report; role, epoch, fencing and replication errors are
 * announced when they change. Defaults: suspect-after 0.6 s, down-after 1.5 s.
 */
class ReplicaAwareRulesTest {

    private final HealthRules rules = new HealthRules(HealthSettings.defaults());

    static Instant at(double seconds) {
        return T0.plusMillis(Math.round(seconds * 1000));
    }

    static Watch watching(Instant now) {
        return new Watch(T0.minus(Duration.ofHours(1)), now);
    }

    /** The primary, last heard at T0, SUSPECT since 0.6 s. */
    static InstanceState silentPrimary() {
        return stored(heartbeat(T0), HEALTH_SUSPECT, at(0.6));
    }

    /** A replica heard at {@code heardAt} (UP), replicating from {@code source}. */
    static InstanceState replicaOf(String instance, String source, boolean connected, Instant heardAt) {
        return stored(replica(instance, heardAt, source, connected), HEALTH_UP, T0);
    }

    static InstanceState replicaOf(String instance, String source, boolean connected, Instant heardAt,
            UnaryOperator<Heartbeat.Builder> more) {
        return stored(more.apply(replica(instance, heardAt, source, connected).toBuilder()).build(), HEALTH_UP, T0);
    }

    /** What a case expects of the primary's verdict: no record, or a record with this health, previous and reason. */
    record Expect(Optional<Health> health, Health previous, String reason) {
        static Expect nothing() {
            return new Expect(Optional.empty(), null, null);
        }

        static Expect record(Health health, Health previous, String reason) {
            return new Expect(Optional.of(health), previous, reason);
        }
    }

    static Arguments row(String behaviour, List<InstanceState> deployment, Instant now, Expect expect) {
        return Arguments.of(behaviour, deployment, now, expect);
    }

    static Stream<Arguments> silentPrimaries() {
        Instant now = at(1.6);
        Instant fresh = at(1.5);
        return Stream.of(
                row("calls a silent primary with no replicas DOWN on silence alone",
                        List.of(silentPrimary()), now,
                        Expect.record(HEALTH_DOWN, HEALTH_SUSPECT, "no heartbeat for 1.6 s")),
                row("keeps a silent primary SUSPECT while both fresh replicas replicate from it",
                        List.of(silentPrimary(), replicaOf(REPLICA_2, INSTANCE, true, fresh),
                                replicaOf(REPLICA_3, INSTANCE, true, fresh)), now,
                        Expect.record(HEALTH_SUSPECT, HEALTH_SUSPECT, "no heartbeat for 1.6 s, but 2 of 2 replicas"
                                + " still replicate from it: its agent's path to Kafka is broken, the database is up")),
                row("keeps a silent primary SUSPECT while one of two fresh replicas replicates from it",
                        List.of(silentPrimary(), replicaOf(REPLICA_2, INSTANCE, true, fresh),
                                replicaOf(REPLICA_3, INSTANCE, false, fresh)), now,
                        Expect.record(HEALTH_SUSPECT, HEALTH_SUSPECT, "no heartbeat for 1.6 s, but 1 of 2 replicas"
                                + " still replicate from it: its agent's path to Kafka is broken, the database is up")),
                row("calls a silent primary DOWN when no fresh replica replicates from it any more",
                        List.of(silentPrimary(), replicaOf(REPLICA_2, INSTANCE, false, fresh),
                                replicaOf(REPLICA_3, INSTANCE, false, fresh)), now,
                        Expect.record(HEALTH_DOWN, HEALTH_SUSPECT,
                                "no heartbeat for 1.6 s, and none of 2 reporting replicas replicates from it")),
                row("does not count the report of a replica whose own heartbeats are stale",
                        List.of(silentPrimary(), replicaOf(REPLICA_2, INSTANCE, true, at(1.0)),
                                replicaOf(REPLICA_3, INSTANCE, false, fresh)), now,
                        Expect.record(HEALTH_DOWN, HEALTH_SUSPECT, "no heartbeat for 1.6 s, and none of 1 reporting"
                                + " replicas replicates from it (1 more silent)")),
                row("holds a silent primary SUSPECT when its replicas are silent too: no live witness, so not Down",
                        List.of(silentPrimary(), replicaOf(REPLICA_2, INSTANCE, true, at(0.9)),
                                replicaOf(REPLICA_3, INSTANCE, true, at(0.8))), now,
                        Expect.record(HEALTH_SUSPECT, HEALTH_SUSPECT, "no heartbeat for 1.6 s, and its 2 replicas are silent"
                                + " too: no live replica can tell, so not Down")),
                row("does not count a replica that replicates from another primary",
                        List.of(silentPrimary(), replicaOf(REPLICA_2, "acme-orders-9", true, fresh)), now,
                        Expect.record(HEALTH_DOWN, HEALTH_SUSPECT,
                                "no heartbeat for 1.6 s, and none of 1 reporting replicas replicates from it")),
                row("does not count a connected replica that last heard from the primary 1.5 s ago",
                        List.of(silentPrimary(), replicaOf(REPLICA_2, INSTANCE, true, fresh,
                                b -> b.setPrimaryLastSeenMs(1500))), now,
                        Expect.record(HEALTH_DOWN, HEALTH_SUSPECT,
                                "no heartbeat for 1.6 s, and none of 1 reporting replicas replicates from it")),
                row("counts a connected replica that heard from the primary 300 ms ago",
                        List.of(silentPrimary(), replicaOf(REPLICA_2, INSTANCE, true, fresh,
                                b -> b.setPrimaryLastSeenMs(300))), now,
                        Expect.record(HEALTH_SUSPECT, HEALTH_SUSPECT, "no heartbeat for 1.6 s, but 1 of 1 replicas"
                                + " still replicate from it: its agent's path to Kafka is broken, the database is up")),
                row("counts a connected replica that does not say when it last heard from the primary",
                        List.of(silentPrimary(), replicaOf(REPLICA_2, INSTANCE, true, fresh,
                                b -> b.setPrimaryLastSeenMs(-1))), now,
                        Expect.record(HEALTH_SUSPECT, HEALTH_SUSPECT, "no heartbeat for 1.6 s, but 1 of 1 replicas"
                                + " still replicate from it: its agent's path to Kafka is broken, the database is up")),
                row("does not count another primary of the deployment as a replica",
                        List.of(silentPrimary(), stored(heartbeat(REPLICA_2, fresh, true, "").toBuilder()
                                .setReplicationSource(INSTANCE).setReplicationConnected(true).build(), HEALTH_UP, T0)),
                        now, Expect.record(HEALTH_DOWN, HEALTH_SUSPECT, "no heartbeat for 1.6 s")),
                row("announces nothing more while a held primary stays held",
                        List.of(silentPrimary().withHealth(HEALTH_SUSPECT, "held", at(0.6), true),
                                replicaOf(REPLICA_2, INSTANCE, true, fresh)), now,
                        Expect.nothing()),
                row("never brings a DOWN primary back on its replicas' word",
                        List.of(stored(heartbeat(T0), HEALTH_DOWN, at(1.5)), replicaOf(REPLICA_2, INSTANCE, true, fresh)),
                        now, Expect.nothing()),
                row("lets replicas make no difference before down-after",
                        List.of(silentPrimary(), replicaOf(REPLICA_2, INSTANCE, false, at(1.4))), at(1.4),
                        Expect.nothing()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("silentPrimaries")
    void a_silent_primary(String behaviour, List<InstanceState> deployment, Instant now, Expect expect) {
        HealthRules.Judgement judgement = rules.onClock(deployment, watching(now));
        Optional<InstanceHealth> record = recordOf(judgement, INSTANCE);
        assertEquals(expect.health(), record.map(InstanceHealth::getHealth), () -> "record: " + record);
        record.ifPresent(r -> {
            assertEquals(expect.previous(), r.getPrevious(), "previous");
            assertEquals(expect.reason(), r.getReason(), "reason");
        });
    }

    @Test
    void a_primary_down_record_carries_every_replica_report_and_the_counts() {
        List<InstanceState> deployment = List.of(silentPrimary(),
                replicaOf(REPLICA_2, INSTANCE, false, at(1.5), b -> b.setGtidPosition("0-1-1041").setReplicationLagMs(40)),
                replicaOf(REPLICA_3, INSTANCE, true, at(0.5), b -> b.setGtidPosition("0-1-1039")));

        InstanceHealth down = recordOf(rules.onClock(deployment, watching(at(1.6))), INSTANCE).orElseThrow();

        assertEquals(HEALTH_DOWN, down.getHealth());
        assertEquals(0, down.getReplicasConnected(), "replica 3 is connected but silent: its word does not count");
        assertEquals(1, down.getReplicasReporting());
        assertEquals(Role.ROLE_PRIMARY, down.getRole());
        assertEquals(1, down.getEpoch());
        assertEquals(List.of(
                ReplicaReport.newBuilder().setInstanceId(REPLICA_2).setGtidPosition("0-1-1041")
                        .setReplicationConnected(false).setReplicationLagMs(40).setHealth(HEALTH_UP)
                        .setReplicationSource(INSTANCE).build(),
                ReplicaReport.newBuilder().setInstanceId(REPLICA_3).setGtidPosition("0-1-1039")
                        .setReplicationConnected(true).setReplicationLagMs(5).setHealth(HEALTH_SUSPECT)
                        .setReplicationSource(INSTANCE).build()), down.getReplicasList());
    }

    @Test
    void a_replica_that_reports_it_lost_the_primary_brings_a_held_primary_down_at_once() {
        List<InstanceState> deployment = List.of(silentPrimary().withHealth(HEALTH_SUSPECT, "held", at(1.5), true),
                replicaOf(REPLICA_2, INSTANCE, true, at(1.7)));

        HealthRules.Judgement judgement = rules.onHeartbeat(deployment, DEPLOYMENT,
                replica(REPLICA_2, at(1.8), INSTANCE, false), watching(at(1.8)));

        InstanceHealth down = recordOf(judgement, INSTANCE).orElseThrow();
        assertEquals(HEALTH_DOWN, down.getHealth());
        assertEquals(HEALTH_SUSPECT, down.getPrevious());
        assertEquals("no heartbeat for 1.8 s, and none of 1 reporting replicas replicates from it", down.getReason());
        assertTrue(recordOf(judgement, REPLICA_2).isEmpty(), "the replica itself: nothing new to announce");
        InstanceState primary = judgement.after().stream().filter(s -> s.instanceId().equals(INSTANCE)).findFirst()
                .orElseThrow();
        assertFalse(primary.heldByReplicas());
    }

    @Test
    void a_silent_replica_is_judged_by_its_own_heartbeats() {
        List<InstanceState> deployment = List.of(stored(heartbeat(at(1.5)), HEALTH_UP, T0),
                replicaOf(REPLICA_2, INSTANCE, true, T0));

        HealthRules.Judgement judgement = rules.onClock(deployment, watching(at(1.6)));

        InstanceHealth down = recordOf(judgement, REPLICA_2).orElseThrow();
        assertEquals(HEALTH_DOWN, down.getHealth());
        assertEquals("no heartbeat for 1.6 s", down.getReason());
        assertEquals(Role.ROLE_REPLICA, down.getRole());
        assertEquals(INSTANCE, down.getReplicationSource());
        assertTrue(down.getReplicationConnected());
        assertTrue(down.getReadOnly());
        assertTrue(recordOf(judgement, INSTANCE).isEmpty(), "the heartbeating primary stays UP");
    }

    static Stream<Arguments> heartbeatChanges() {
        InstanceState upReplica = replicaOf(REPLICA_2, INSTANCE, true, T0);
        InstanceState upPrimary = stored(heartbeat(T0), HEALTH_UP, T0);
        Instant next = at(0.2);
        return Stream.of(
                Arguments.of("announces a replica promoted to primary, with the new epoch, though it stays UP",
                        upReplica, heartbeat(REPLICA_2, next, true, "").toBuilder().setEpoch(2).build(),
                        Expect.record(HEALTH_UP, HEALTH_UP,
                                "heartbeat received, database reachable; role replica → primary, epoch 1 → 2, now writable")),
                Arguments.of("announces a primary demoted to replica",
                        upPrimary, replica(INSTANCE, next, REPLICA_2, true).toBuilder().setEpoch(2).build(),
                        Expect.record(HEALTH_UP, HEALTH_UP, "heartbeat received, database reachable;"
                                + " role primary → replica, epoch 1 → 2, now read-only")),
                Arguments.of("announces a primary that fenced itself",
                        upPrimary, heartbeat(next).toBuilder().setFenced(true).setReadOnly(true).build(),
                        Expect.record(HEALTH_UP, HEALTH_UP, "heartbeat received, database reachable;"
                                + " fenced: read-only because its heartbeats were not acknowledged")),
                Arguments.of("announces a fenced primary made writable again",
                        stored(heartbeat(T0).toBuilder().setFenced(true).setReadOnly(true).build(), HEALTH_UP, T0),
                        heartbeat(next), Expect.record(HEALTH_UP, HEALTH_UP,
                                "heartbeat received, database reachable; no longer fenced, now writable")),
                Arguments.of("announces a restarted primary that came back read-only with its return",
                        stored(heartbeat(T0), HEALTH_DOWN, at(1.5)), heartbeat(at(30)).toBuilder().setReadOnly(true).build(),
                        Expect.record(HEALTH_UP, HEALTH_DOWN, "heartbeat received, database reachable; now read-only")),
                Arguments.of("announces a replica's replication error; it stays UP",
                        upReplica, replica(REPLICA_2, next, INSTANCE, false).toBuilder()
                                .setReplicationError("Error 1236: GTID 0-1-1042 is not in the primary's binlog").build(),
                        Expect.record(HEALTH_UP, HEALTH_UP, "heartbeat received, database reachable, replication broken:"
                                + " Error 1236: GTID 0-1-1042 is not in the primary's binlog")),
                Arguments.of("announces a replica's replication fault with its error, passed through as the agent classified it",
                        upReplica, replica(REPLICA_2, next, INSTANCE, false).toBuilder()
                                .setReplicationError("cannot catch up: Got fatal error 1236 from master")
                                .setReplicationFault(ReplicationFault.REPLICATION_FAULT_CANNOT_CATCH_UP).build(),
                        Expect.record(HEALTH_UP, HEALTH_UP, "heartbeat received, database reachable, replication broken:"
                                + " cannot catch up: Got fatal error 1236 from master")),
                Arguments.of("announces a change of the fault alone, like a change of the error",
                        replicaOf(REPLICA_2, INSTANCE, false, T0, b -> b.setReplicationError("Error 1236")
                                .setReplicationFault(ReplicationFault.REPLICATION_FAULT_DIVERGED)),
                        replica(REPLICA_2, next, INSTANCE, false).toBuilder().setReplicationError("Error 1236")
                                .setReplicationFault(ReplicationFault.REPLICATION_FAULT_CANNOT_CATCH_UP).build(),
                        Expect.record(HEALTH_UP, HEALTH_UP, "heartbeat received, database reachable, replication broken:"
                                + " Error 1236")),
                Arguments.of("announces nothing when the error and its fault repeat",
                        replicaOf(REPLICA_2, INSTANCE, false, T0, b -> b.setReplicationError("Error 1236")
                                .setReplicationFault(ReplicationFault.REPLICATION_FAULT_DIVERGED)),
                        replica(REPLICA_2, next, INSTANCE, false).toBuilder().setReplicationError("Error 1236")
                                .setReplicationFault(ReplicationFault.REPLICATION_FAULT_DIVERGED).build(),
                        Expect.nothing()),
                Arguments.of("announces a replication error cleared, its fault with it",
                        replicaOf(REPLICA_2, INSTANCE, false, T0, b -> b.setReplicationError("connection (2003): refused")
                                .setReplicationFault(ReplicationFault.REPLICATION_FAULT_CONNECTION)),
                        replica(REPLICA_2, next, INSTANCE, true),
                        Expect.record(HEALTH_UP, HEALTH_UP,
                                "heartbeat received, database reachable; replication error cleared")),
                Arguments.of("announces a replication error cleared",
                        replicaOf(REPLICA_2, INSTANCE, false, T0, b -> b.setReplicationError("Error 1236")),
                        replica(REPLICA_2, next, INSTANCE, true),
                        Expect.record(HEALTH_UP, HEALTH_UP,
                                "heartbeat received, database reachable; replication error cleared")),
                Arguments.of("announces nothing when only the GTID position, lag and link change",
                        upReplica, replica(REPLICA_2, next, INSTANCE, false).toBuilder()
                                .setGtidPosition("0-1-99999").setReplicationLagMs(1200).build(),
                        Expect.nothing()),
                Arguments.of("announces nothing when a primary's heartbeat repeats what it said",
                        upPrimary, heartbeat(next), Expect.nothing()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("heartbeatChanges")
    void a_heartbeat(String behaviour, InstanceState known, Heartbeat heartbeat, Expect expect) {
        Instant now = Fixtures.heartbeatTime(heartbeat);
        HealthRules.Judgement judgement = rules.onHeartbeat(List.of(known), DEPLOYMENT, heartbeat, watching(now));
        Optional<InstanceHealth> record = recordOf(judgement, heartbeat.getInstanceId());
        assertEquals(expect.health(), record.map(InstanceHealth::getHealth), () -> "record: " + record);
        record.ifPresent(r -> {
            assertEquals(expect.previous(), r.getPrevious(), "previous");
            assertEquals(expect.reason(), r.getReason(), "reason");
            assertEquals(heartbeat.getEpoch(), r.getEpoch(), "epoch");
            assertEquals(heartbeat.getReadOnly(), r.getReadOnly(), "read_only");
            assertEquals(heartbeat.getReplicationError(), r.getReplicationError(), "replication_error");
            assertEquals(heartbeat.getReplicationFault(), r.getReplicationFault(), "replication_fault");
            assertEquals(heartbeat.getRole(), r.getRole(), "role");
        });
        InstanceState after = assertInstanceOf(Verdict.Updated.class, judgement.verdicts().get(0)).state();
        assertEquals(heartbeat, after.latest(), "the heartbeat is stored either way");
    }

    @Test
    void the_next_check_is_when_the_first_threshold_of_any_instance_passes() {
        List<InstanceState> deployment = List.of(stored(heartbeat(at(0.3)), HEALTH_UP, T0),
                replicaOf(REPLICA_2, INSTANCE, true, at(0.2), b -> b.setPrimaryLastSeenMs(700)));
        HealthRules.Judgement judgement = rules.onClock(deployment, watching(at(0.4)));

        assertTrue(judgement.verdicts().isEmpty());
        // Replica: suspect at 0.8 s; its word about the primary expires at 0.2 + 1.2 − 0.7 = 0.7 s.
        assertEquals(Optional.of(at(0.7)), judgement.nextCheck());
        assertEquals(Optional.of(at(0.8)),
                rules.onClock(deployment, watching(at(0.7))).nextCheck(), "then the replica's suspect-after");
    }

    @Test
    void a_held_primary_is_checked_again_when_the_word_of_its_replicas_goes_stale_and_stays_held_without_a_live_witness() {
        List<InstanceState> deployment = List.of(silentPrimary().withHealth(HEALTH_SUSPECT, "held", at(1.5), true),
                replicaOf(REPLICA_2, INSTANCE, true, at(1.5)));
        HealthRules.Judgement judgement = rules.onClock(deployment, watching(at(1.6)));
        assertEquals(Optional.of(at(2.1)), judgement.nextCheck(), "when the replica's own heartbeat goes stale");
        assertEquals(Optional.empty(),
                recordOf(rules.onClock(deployment, watching(at(2.1))), INSTANCE).map(InstanceHealth::getHealth),
                "then no live replica can tell: still Suspect, not Down (every instance silent at once is more often the"
                        + " monitor's own input being late)");
    }

    private static Optional<InstanceHealth> recordOf(HealthRules.Judgement judgement, String instance) {
        return judgement.verdicts().stream()
                .filter(v -> v instanceof Verdict.Updated u && u.state().instanceId().equals(instance))
                .map(v -> ((Verdict.Updated) v).transition())
                .flatMap(Optional::stream)
                .findFirst();
    }
}
