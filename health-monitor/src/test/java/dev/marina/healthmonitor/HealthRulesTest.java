package dev.marina.healthmonitor;

import static dev.marina.healthmonitor.Fixtures.DEPLOYMENT;
import static dev.marina.healthmonitor.Fixtures.T0;
import static dev.marina.healthmonitor.Fixtures.heartbeat;
import static dev.marina.healthmonitor.Fixtures.known;
import static dev.marina.healthmonitor.Fixtures.knownPaused;
import static dev.marina.healthmonitor.Fixtures.knownResuming;
import static dev.marina.healthmonitor.Fixtures.knownUnreachable;
import static dev.marina.healthmonitor.Fixtures.paused;
import static dev.marina.healthmonitor.Fixtures.unreachable;
import static dev.marina.schemas.v1.Health.HEALTH_DOWN;
import static dev.marina.schemas.v1.Health.HEALTH_PAUSED;
import static dev.marina.schemas.v1.Health.HEALTH_SUSPECT;
import static dev.marina.schemas.v1.Health.HEALTH_UNSPECIFIED;
import static dev.marina.schemas.v1.Health.HEALTH_UP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.schemas.v1.Health;
import dev.marina.schemas.v1.Heartbeat;
import dev.marina.schemas.v1.InstanceHealth;
import dev.marina.schemas.v1.Role;
import dev.marina.schemas.v1.SemiSyncWait;
import dev.marina.service.Timestamps;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class HealthRulesTest {

    private final HealthRules rules = new HealthRules(HealthSettings.defaults());

    /** What a case expects of the verdict. */
    sealed interface Expect {
        record Transition(Health health, Health previous, String reason) implements Expect {}

        record StoredWithoutTransition(Health health) implements Expect {}

        record Ignored(Verdict.Ignored.Cause cause) implements Expect {}

        record Unchanged() implements Expect {}

        record Forgotten() implements Expect {}
    }

    static Expect transition(Health health, Health previous, String reason) {
        return new Expect.Transition(health, previous, reason);
    }

    static Expect storedWithoutTransition(Health health) {
        return new Expect.StoredWithoutTransition(health);
    }

    static Expect ignored(Verdict.Ignored.Cause cause) {
        return new Expect.Ignored(cause);
    }

    static Instant at(double seconds) {
        return T0.plusMillis(Math.round(seconds * 1000));
    }

    static Arguments row(String behaviour, InstanceState known, Heartbeat heartbeat, Instant now, Expect expect) {
        return row(behaviour, known, heartbeat, watching(now), expect);
    }

    static Arguments row(String behaviour, InstanceState known, Heartbeat heartbeat, Watch watch, Expect expect) {
        return Arguments.of(behaviour, known, heartbeat, watch, expect);
    }

    /** A monitor that has been running for an hour. */
    static Watch watching(Instant now) {
        return new Watch(T0.minus(Duration.ofHours(1)), now);
    }

    /** A monitor whose task started at T0 (a restart, or the task moved here). */
    static Watch startedAtT0(Instant now) {
        return new Watch(T0, now);
    }

    static Stream<Arguments> heartbeats() {
        return Stream.of(
                row("marks a new instance UP on a timely heartbeat with a reachable database",
                        null, heartbeat(T0), T0,
                        transition(HEALTH_UP, HEALTH_UNSPECIFIED, "heartbeat received, database reachable")),
                row("marks a new instance SUSPECT when its agent cannot reach the database",
                        null, unreachable(T0, "Connection refused"), T0,
                        transition(HEALTH_SUSPECT, HEALTH_UNSPECIFIED, "database unreachable: Connection refused")),
                row("says only 'database unreachable' when the agent gives no error",
                        null, unreachable(T0, ""), T0,
                        transition(HEALTH_SUSPECT, HEALTH_UNSPECIFIED, "database unreachable")),
                row("stores but emits nothing when an UP instance keeps heartbeating",
                        known(HEALTH_UP, T0, T0), heartbeat(at(1)), at(1),
                        storedWithoutTransition(HEALTH_UP)),
                row("stores but emits nothing when a SUSPECT database stays unreachable",
                        knownUnreachable(T0), unreachable(at(1), "Connection refused"), at(1),
                        storedWithoutTransition(HEALTH_SUSPECT)),
                row("turns an UP instance SUSPECT when its database becomes unreachable",
                        known(HEALTH_UP, T0, T0), unreachable(at(1), "Too many connections"), at(1),
                        transition(HEALTH_SUSPECT, HEALTH_UP, "database unreachable: Too many connections")),
                row("brings a SUSPECT instance back UP when its database is reachable again",
                        knownUnreachable(T0), heartbeat(at(1)), at(1),
                        transition(HEALTH_UP, HEALTH_SUSPECT, "heartbeat received, database reachable")),
                row("brings a DOWN instance back UP on a new heartbeat",
                        known(HEALTH_DOWN, T0, at(1.5)), heartbeat(at(20)), at(20),
                        transition(HEALTH_UP, HEALTH_DOWN, "heartbeat received, database reachable")),
                row("ignores a heartbeat of an older agent process that could not reach the database",
                        known(HEALTH_UP, T0, T0), unreachable(at(-0.5), "Connection refused"), at(0.2),
                        ignored(Verdict.Ignored.Cause.OUT_OF_ORDER)),
                row("ignores a heartbeat sent at the same time as the newest one (a duplicate)",
                        known(HEALTH_UP, T0, T0), heartbeat(T0), at(0.1),
                        ignored(Verdict.Ignored.Cause.OUT_OF_ORDER)),
                row("ignores a heartbeat sent longer ago than forget-after",
                        null, heartbeat(T0), T0.plus(Duration.ofMinutes(10)),
                        ignored(Verdict.Ignored.Cause.EXPIRED)),
                row("takes a heartbeat delayed beyond suspect-after as news from when it was sent",
                        null, heartbeat(at(-1)), T0,
                        transition(HEALTH_SUSPECT, HEALTH_UNSPECIFIED, "no heartbeat for 1.0 s")),
                row("does not mark UP an instance known only from a heartbeat older than down-after",
                        null, heartbeat(at(-6)), T0,
                        transition(HEALTH_DOWN, HEALTH_UNSPECIFIED, "no heartbeat for 6.0 s")),
                row("counts a heartbeat from an agent whose clock runs a little ahead as heard now",
                        null, heartbeat(at(1)), T0,
                        transition(HEALTH_UP, HEALTH_UNSPECIFIED, "heartbeat received, database reachable")),
                row("keeps a live instance UP while its backlog is replayed after a restart",
                        known(HEALTH_UP, at(-40), at(-100)), heartbeat(at(-30)), startedAtT0(at(0.2)),
                        storedWithoutTransition(HEALTH_UP)),
                // Paused: the server is stopped on purpose, its agent keeps heartbeating.
                row("marks an UP instance PAUSED when its agent says the server was stopped on purpose",
                        known(HEALTH_UP, T0, T0), paused(at(0.2), false), at(0.2),
                        transition(HEALTH_PAUSED, HEALTH_UP, "paused: server stopped on purpose")),
                row("says a paused primary wakes on connect",
                        known(HEALTH_UP, T0, T0), paused(at(0.2), true), at(0.2),
                        transition(HEALTH_PAUSED, HEALTH_UP, "paused: server stopped on purpose, wakes on connect")),
                row("marks a new instance PAUSED, not SUSPECT, though its database is not reachable",
                        null, paused(T0, false), T0,
                        transition(HEALTH_PAUSED, HEALTH_UNSPECIFIED, "paused: server stopped on purpose")),
                row("stores but emits nothing while a PAUSED instance's agent keeps heartbeating paused",
                        knownPaused(T0, T0), paused(at(600), true), at(600),
                        storedWithoutTransition(HEALTH_PAUSED)),
                row("brings a PAUSED instance back UP when its server serves again",
                        knownPaused(T0, T0), heartbeat(at(600)), at(600),
                        transition(HEALTH_UP, HEALTH_PAUSED, "heartbeat received, database reachable")),
                row("keeps a PAUSED instance PAUSED, resuming, while its server starts",
                        knownPaused(at(599.8), T0), unreachable(at(600), "Connection refused"), at(600),
                        transition(HEALTH_PAUSED, HEALTH_PAUSED, "resuming: server starting")),
                row("stores but emits nothing while a resuming server keeps starting within the grace",
                        knownResuming(at(29.8), T0), unreachable(at(29.9), "Connection refused"), at(29.9),
                        storedWithoutTransition(HEALTH_PAUSED)),
                row("brings a resuming instance UP when its server serves",
                        knownResuming(at(0.4), T0), heartbeat(at(0.6)), at(0.6),
                        transition(HEALTH_UP, HEALTH_PAUSED, "heartbeat received, database reachable")),
                row("turns a resuming instance SUSPECT when its server does not serve within the resume grace",
                        knownResuming(at(29.9), T0), unreachable(at(30), "Connection refused"), at(30),
                        transition(HEALTH_SUSPECT, HEALTH_PAUSED, "database unreachable: Connection refused")),
                row("marks a DOWN instance PAUSED when its agent is back and says paused",
                        known(HEALTH_DOWN, T0, at(1.5)), paused(at(20), false), at(20),
                        transition(HEALTH_PAUSED, HEALTH_DOWN, "paused: server stopped on purpose")));
    }

    static Stream<Arguments> clockTicks() {
        return Stream.of(
                row("leaves an UP instance alone just before suspect-after",
                        known(HEALTH_UP, T0, T0), null, at(0.599), new Expect.Unchanged()),
                row("turns an UP instance SUSPECT at suspect-after",
                        known(HEALTH_UP, T0, T0), null, at(0.6),
                        transition(HEALTH_SUSPECT, HEALTH_UP, "no heartbeat for 0.6 s")),
                row("says how long the silence was when the check runs late",
                        known(HEALTH_UP, T0, T0), null, at(0.66),
                        transition(HEALTH_SUSPECT, HEALTH_UP, "no heartbeat for 0.7 s")),
                row("leaves a silent SUSPECT instance alone before down-after",
                        known(HEALTH_SUSPECT, T0, at(0.6)), null, at(1.499), new Expect.Unchanged()),
                row("turns a silent SUSPECT instance DOWN at down-after",
                        known(HEALTH_SUSPECT, T0, at(0.6)), null, at(1.5),
                        transition(HEALTH_DOWN, HEALTH_SUSPECT, "no heartbeat for 1.5 s")),
                row("turns an UP instance straight DOWN when no check ran in between",
                        known(HEALTH_UP, T0, T0), null, at(2),
                        transition(HEALTH_DOWN, HEALTH_UP, "no heartbeat for 2.0 s")),
                row("keeps a SUSPECT instance whose database is unreachable SUSPECT when it goes silent",
                        knownUnreachable(T0), null, at(1), new Expect.Unchanged()),
                row("turns a SUSPECT instance whose database is unreachable DOWN when silent for down-after",
                        knownUnreachable(T0), null, at(1.5),
                        transition(HEALTH_DOWN, HEALTH_SUSPECT, "no heartbeat for 1.5 s")),
                row("keeps a DOWN instance until forget-after has passed",
                        known(HEALTH_DOWN, T0, at(1.5)), null, at(1.5).plus(Duration.ofMinutes(10)).minusMillis(1),
                        new Expect.Unchanged()),
                row("forgets an instance DOWN for forget-after",
                        known(HEALTH_DOWN, T0, at(1.5)), null, at(1.5).plus(Duration.ofMinutes(10)),
                        new Expect.Forgotten()),
                row("does not count silence from before a restart",
                        known(HEALTH_UP, at(-60), at(-100)), null, startedAtT0(at(0.599)), new Expect.Unchanged()),
                row("counts silence from the restart, and reports all of it",
                        known(HEALTH_UP, at(-60), at(-100)), null, startedAtT0(at(0.6)),
                        transition(HEALTH_SUSPECT, HEALTH_UP, "no heartbeat for 60.6 s")),
                row("leaves a PAUSED instance alone while its heartbeats are in time",
                        knownPaused(T0, T0), null, at(0.599), new Expect.Unchanged()),
                row("turns a PAUSED instance whose agent fell silent SUSPECT at suspect-after (the agent died)",
                        knownPaused(T0, T0), null, at(0.6),
                        transition(HEALTH_SUSPECT, HEALTH_PAUSED, "no heartbeat for 0.6 s")),
                row("turns a PAUSED instance whose agent fell silent DOWN at down-after when no check ran in between",
                        knownPaused(T0, T0), null, at(1.5),
                        transition(HEALTH_DOWN, HEALTH_PAUSED, "no heartbeat for 1.5 s")),
                row("leaves an instance paused for a day alone while its agent reports",
                        knownPaused(at(86_400), T0), null, at(86_400.1), new Expect.Unchanged()),
                row("turns a resuming instance SUSPECT at the end of the resume grace, with no heartbeat needed",
                        knownResuming(at(29.9), T0), null, at(30),
                        transition(HEALTH_SUSPECT, HEALTH_PAUSED, "database unreachable: Connection refused")),
                row("turns an instance that died while the monitor was away DOWN down-after the restart",
                        known(HEALTH_SUSPECT, at(-60), at(0.6)), null, startedAtT0(at(1.5)),
                        transition(HEALTH_DOWN, HEALTH_SUSPECT, "no heartbeat for 61.5 s")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("heartbeats")
    void on_a_heartbeat(String behaviour, InstanceState known, Heartbeat heartbeat, Watch watch, Expect expect) {
        check(only(rules.onHeartbeat(alone(known), DEPLOYMENT, heartbeat, watch)), known, watch.now(), expect);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clockTicks")
    void on_the_clock(String behaviour, InstanceState known, Heartbeat none, Watch watch, Expect expect) {
        check(only(rules.onClock(alone(known), watch)), known, watch.now(), expect);
    }

    /** A deployment of one instance, or of none when it is new. */
    static List<InstanceState> alone(InstanceState known) {
        return known == null ? List.of() : List.of(known);
    }

    /** The one verdict of a judgement about a deployment of one instance; UNCHANGED when there is none. */
    static Verdict only(HealthRules.Judgement judgement) {
        assertTrue(judgement.verdicts().size() <= 1, () -> "one instance, one verdict: " + judgement.verdicts());
        return judgement.verdicts().isEmpty() ? Verdict.UNCHANGED : judgement.verdicts().get(0);
    }

    static void check(Verdict verdict, InstanceState known, Instant now, Expect expect) {
        if (expect instanceof Expect.Transition t) {
            Verdict.Updated updated = assertInstanceOf(Verdict.Updated.class, verdict);
            InstanceHealth emitted = updated.transition().orElseThrow(() -> new AssertionError("no transition"));
            assertEquals(t.health(), emitted.getHealth(), "health");
            assertEquals(t.previous(), emitted.getPrevious(), "previous");
            assertEquals(t.reason(), emitted.getReason(), "reason");
            assertEquals(now, Timestamps.toInstant(emitted.getDetectedAt()), "detected_at is the time of detection");
            assertEquals(t.health(), updated.state().health(), "stored health");
            assertEquals(now, updated.state().lastTransitionAt(), "stored transition time");
        } else if (expect instanceof Expect.StoredWithoutTransition s) {
            Verdict.Updated updated = assertInstanceOf(Verdict.Updated.class, verdict);
            assertTrue(updated.transition().isEmpty(), "no transition expected, got " + updated.transition());
            assertEquals(s.health(), updated.state().health());
            assertEquals(known.lastTransitionAt(), updated.state().lastTransitionAt(), "transition time kept");
        } else if (expect instanceof Expect.Ignored i) {
            assertEquals(i.cause(), assertInstanceOf(Verdict.Ignored.class, verdict).cause());
        } else if (expect instanceof Expect.Unchanged) {
            assertSame(Verdict.UNCHANGED, verdict);
        } else if (expect instanceof Expect.Forgotten) {
            assertEquals(known, assertInstanceOf(Verdict.Forgotten.class, verdict).last());
        }
    }

    @Test
    void a_transition_carries_the_instance_its_role_gtid_and_the_heartbeats_send_time() {
        Heartbeat beat = heartbeat(at(1)).toBuilder().setRole(Role.ROLE_REPLICA).setGtidPosition("0-1-42").build();
        Verdict verdict = only(rules.onHeartbeat(List.of(known(HEALTH_DOWN, T0, at(1.5))), DEPLOYMENT, beat,
                watching(at(1.2))));
        InstanceHealth emitted = ((Verdict.Updated) verdict).transition().orElseThrow();
        assertEquals("acme", emitted.getDeployment().getTenant());
        assertEquals("orders", emitted.getDeployment().getName());
        assertEquals(Fixtures.INSTANCE, emitted.getInstanceId());
        assertEquals(Role.ROLE_REPLICA, emitted.getRole());
        assertEquals("0-1-42", emitted.getGtidPosition());
        assertEquals(at(1), Timestamps.toInstant(emitted.getLastHeartbeatAt()));
        assertEquals(at(1.2), Timestamps.toInstant(emitted.getDetectedAt()));
    }

    static Stream<Arguments> semiSyncFacts() {
        Heartbeat lossless = heartbeat(T0).toBuilder().setSemiSyncWait(SemiSyncWait.SEMI_SYNC_WAIT_LOSSLESS)
                .setSemiSyncReplicasConnected(1).build();
        Heartbeat alone = lossless.toBuilder().setSemiSyncReplicasConnected(0).build();
        Heartbeat blocked = alone.toBuilder().setCommitsWaiting(3).build();
        return Stream.of(
                Arguments.of("the last semi-sync replica went away", lossless, alone, "semi-sync replicas connected 1 → 0"),
                Arguments.of("commits started waiting with no replica", alone, blocked, "3 commits waiting for a replica to acknowledge"),
                Arguments.of("a replica came back and acknowledged them", blocked,
                        lossless.toBuilder().setCommitsWaiting(0).build(), "commits no longer blocked"),
                Arguments.of("the primary was told its deployment wants no replicas", blocked,
                        alone.toBuilder().setSemiSyncWait(SemiSyncWait.SEMI_SYNC_WAIT_OFF).build(), "semi-sync wait lossless → off"),
                Arguments.of("a replica armed it", lossless.toBuilder().setSemiSyncWait(SemiSyncWait.SEMI_SYNC_WAIT_UNTIL_FIRST_REPLICA).build(),
                        lossless, "semi-sync wait until_first_replica → lossless"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("semiSyncFacts")
    void a_change_of_a_primarys_semi_sync_facts_is_published(String behaviour, Heartbeat before, Heartbeat after, String change) {
        Verdict verdict = only(rules.onHeartbeat(List.of(Fixtures.stored(before, HEALTH_UP, T0)), DEPLOYMENT,
                after.toBuilder().setSentAt(Timestamps.of(at(0.2))).build(), watching(at(0.2))));
        InstanceHealth emitted = ((Verdict.Updated) verdict).transition().orElseThrow();
        assertTrue(emitted.getReason().contains(change), emitted.getReason());
        assertEquals(HEALTH_UP, emitted.getHealth());
        assertEquals(after.getSemiSyncWait(), emitted.getSemiSyncWait());
        assertEquals(after.getSemiSyncReplicasConnected(), emitted.getSemiSyncReplicasConnected());
        assertEquals(after.getCommitsWaiting(), emitted.getCommitsWaiting());
    }

    static Stream<Arguments> replicaFacts() {
        Heartbeat seeded = heartbeat(T0).toBuilder().setRole(Role.ROLE_REPLICA).setReplicationLagMs(-1).build();
        Heartbeat behind = seeded.toBuilder().setReplicationConnected(true).setReplicationSource("acme-orders-1")
                .setReplicationLagMs(300_000).build();
        Heartbeat caughtUp = behind.toBuilder().setReplicationLagMs(0).build();
        return Stream.of(
                Arguments.of("a new replica was pointed at its primary and had nothing to apply", seeded, caughtUp,
                        "replicating, caught up (lag 0 ms)"),
                Arguments.of("a replica applied what it was behind by", behind, caughtUp, "replicating, caught up (lag 0 ms)"));
    }

    /** A roll waits for a restarted or new replica to catch up; it learns that only from a record. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("replicaFacts")
    void a_replica_that_caught_up_is_published(String behaviour, Heartbeat before, Heartbeat after, String change) {
        Verdict verdict = only(rules.onHeartbeat(List.of(Fixtures.stored(before, HEALTH_UP, T0)), DEPLOYMENT,
                after.toBuilder().setSentAt(Timestamps.of(at(0.2))).build(), watching(at(0.2))));
        InstanceHealth emitted = ((Verdict.Updated) verdict).transition().orElseThrow();
        assertTrue(emitted.getReason().contains(change), emitted.getReason());
        assertEquals(after.getReplicationConnected(), emitted.getReplicationConnected());
        assertEquals(after.getReplicationLagMs(), emitted.getReplicationLagMs());
    }

    @Test
    void lag_alone_and_falling_behind_publish_nothing() {
        Heartbeat replica = heartbeat(T0).toBuilder().setRole(Role.ROLE_REPLICA).setReplicationConnected(true)
                .setReplicationSource("acme-orders-1").setReplicationLagMs(5_000).build();
        Verdict verdict = only(rules.onHeartbeat(List.of(Fixtures.stored(replica, HEALTH_UP, T0)), DEPLOYMENT,
                replica.toBuilder().setReplicationLagMs(9_000).setSentAt(Timestamps.of(at(0.2))).build(), watching(at(0.2))));
        assertTrue(((Verdict.Updated) verdict).transition().isEmpty(), "lag alone moves with every commit");
        Heartbeat caughtUp = replica.toBuilder().setReplicationLagMs(0).build();
        Verdict behind = only(rules.onHeartbeat(List.of(Fixtures.stored(caughtUp, HEALTH_UP, T0)), DEPLOYMENT,
                replica.toBuilder().setSentAt(Timestamps.of(at(0.2))).build(), watching(at(0.2))));
        assertTrue(((Verdict.Updated) behind).transition().isEmpty(), "falling behind is not a fact a roll waits for");
    }

    @Test
    void commits_waiting_for_a_connected_replica_publish_nothing() {
        Heartbeat waiting = heartbeat(T0).toBuilder().setSemiSyncWait(SemiSyncWait.SEMI_SYNC_WAIT_LOSSLESS)
                .setSemiSyncReplicasConnected(1).setCommitsWaiting(2).build();
        Verdict verdict = only(rules.onHeartbeat(List.of(Fixtures.stored(waiting, HEALTH_UP, T0)), DEPLOYMENT,
                waiting.toBuilder().setCommitsWaiting(7).setSentAt(Timestamps.of(at(0.2))).build(), watching(at(0.2))));
        assertTrue(((Verdict.Updated) verdict).transition().isEmpty(), "the count alone moves with every commit");
        Heartbeat blocked = waiting.toBuilder().setSemiSyncReplicasConnected(0).setCommitsWaiting(2).build();
        Verdict more = only(rules.onHeartbeat(List.of(Fixtures.stored(blocked, HEALTH_UP, T0)), DEPLOYMENT,
                blocked.toBuilder().setCommitsWaiting(9).setSentAt(Timestamps.of(at(0.2))).build(), watching(at(0.2))));
        assertTrue(((Verdict.Updated) more).transition().isEmpty(), "blocked already: more waiting commits say nothing new");
    }

    @Test
    void a_paused_primary_and_its_paused_replicas_are_paused_not_down() {
        Heartbeat pausedReplica = Fixtures.replica(Fixtures.REPLICA_2, T0, "", false).toBuilder()
                .setDatabaseReachable(false).setPaused(true).build();
        List<InstanceState> deployment = List.of(knownPaused(T0, T0),
                Fixtures.stored(pausedReplica, HEALTH_PAUSED, T0));
        HealthRules.Judgement judgement = rules.onHeartbeat(deployment, DEPLOYMENT,
                paused(at(0.2), true), watching(at(0.2)));
        assertTrue(judgement.verdicts().stream().noneMatch(v -> v instanceof Verdict.Updated u && u.transition().isPresent()),
                () -> "nothing new: " + judgement.verdicts());
        assertTrue(judgement.after().stream().allMatch(s -> s.health() == HEALTH_PAUSED));
    }

    @Test
    void a_silent_paused_primary_goes_down_though_its_paused_replicas_still_report() {
        Heartbeat pausedReplica = Fixtures.replica(Fixtures.REPLICA_2, at(1.4), "", false).toBuilder()
                .setDatabaseReachable(false).setPaused(true).build();
        List<InstanceState> deployment = List.of(knownPaused(T0, T0).withHealth(HEALTH_SUSPECT, "", at(0.6), false),
                Fixtures.stored(pausedReplica, HEALTH_PAUSED, T0));
        InstanceHealth down = rules.onClock(deployment, watching(at(1.5))).verdicts().stream()
                .map(v -> ((Verdict.Updated) v).transition().orElseThrow()).filter(r -> r.getInstanceId().equals(Fixtures.INSTANCE))
                .findFirst().orElseThrow();
        assertEquals(HEALTH_DOWN, down.getHealth(), "a paused replica does not replicate: it vouches for nothing");
        assertEquals("no heartbeat for 1.5 s, and none of 1 reporting replicas replicates from it", down.getReason());
        assertEquals(HEALTH_PAUSED, down.getReplicas(0).getHealth());
    }

    @Test
    void a_resuming_instance_is_checked_again_when_its_grace_ends() {
        InstanceState resuming = knownResuming(at(29), at(10));
        Watch watch = watching(at(29));
        assertEquals(java.util.Optional.of(at(29.6)), rules.nextCheck(List.of(resuming), at(29), watch),
                "suspect-after first");
        assertEquals(java.util.Optional.of(at(40)),
                rules.nextCheck(List.of(knownResuming(at(39.8), at(10))), at(39.9), watching(at(39.9))));
    }

    @Test
    void a_change_of_wake_on_connect_while_paused_is_published() {
        Verdict verdict = only(rules.onHeartbeat(List.of(knownPaused(T0, T0)), DEPLOYMENT, paused(at(0.2), false),
                watching(at(0.2))));
        InstanceHealth emitted = ((Verdict.Updated) verdict).transition().orElseThrow();
        assertEquals(HEALTH_PAUSED, emitted.getHealth());
        assertEquals(HEALTH_PAUSED, emitted.getPrevious());
        assertEquals("paused: server stopped on purpose; no longer wakes on connect", emitted.getReason());
    }

    @Test
    void a_late_heartbeat_counts_from_when_it_was_sent_and_a_timely_one_from_when_it_arrived() {
        Verdict.Updated late = (Verdict.Updated) only(
                rules.onHeartbeat(List.of(), DEPLOYMENT, heartbeat(at(-0.6)), watching(T0)));
        assertEquals(at(-0.6), late.state().lastHeardAt());
        Verdict.Updated timely = (Verdict.Updated) only(
                rules.onHeartbeat(List.of(), DEPLOYMENT, heartbeat(at(-0.5)), watching(T0)));
        assertEquals(T0, timely.state().lastHeardAt());
        assertEquals(at(-0.5), timely.state().lastSentAt());
    }
}
