package dev.marina.healthmonitor;

import static dev.marina.healthmonitor.Fixtures.DEPLOYMENT;
import static dev.marina.healthmonitor.Fixtures.INSTANCE;
import static dev.marina.healthmonitor.Fixtures.REPLICA_2;
import static dev.marina.healthmonitor.Fixtures.REPLICA_3;
import static dev.marina.healthmonitor.Fixtures.T0;
import static dev.marina.healthmonitor.Fixtures.heartbeat;
import static dev.marina.healthmonitor.Fixtures.replica;
import static dev.marina.healthmonitor.Fixtures.unreachable;
import static dev.marina.schemas.v1.Health.HEALTH_DOWN;
import static dev.marina.schemas.v1.Health.HEALTH_SUSPECT;
import static dev.marina.schemas.v1.Health.HEALTH_UNSPECIFIED;
import static dev.marina.schemas.v1.Health.HEALTH_UP;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.proof.PlatformProofKey;
import dev.marina.schemas.proof.ProofSerdes;
import dev.marina.schemas.topics.Topics;
import dev.marina.service.Proofs;
import dev.marina.schemas.v1.DeadLetter;
import dev.marina.schemas.v1.Health;
import dev.marina.schemas.v1.Heartbeat;
import dev.marina.schemas.v1.InstanceHealth;
import dev.marina.schemas.v1.Role;
import dev.marina.service.StreamsDefaults;
import dev.marina.service.Timestamps;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The wiring, with the wall-clock check driven by advancing the driver's wall clock. */
class HealthTopologyTest {

    private static final HealthSettings SETTINGS = HealthSettings.defaults();

    @TempDir
    Path stateDir;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private TopologyTestDriver driver;
    private TestInputTopic<String, Heartbeat> heartbeats;
    private TestInputTopic<String, String> rawHeartbeats;
    private TestInputTopic<String, Heartbeat> unprovenHeartbeats;
    /** The platform's proof key; heartbeats are proven with the key it derives for their instance. */
    static final PlatformProofKey PROOF = new PlatformProofKey(new byte[32]);
    private TestOutputTopic<String, InstanceHealth> health;
    private TestOutputTopic<String, DeadLetter> deadLetters;
    /** The driver's wall clock, mirrored here. */
    private Instant now = T0;
    /**
     * The heartbeats partition's end offset as the watcher would have fetched it just now (null: not known, as when
     * the broker does not answer), and whether records are still being written to it.
     */
    private Long endOffset;
    private boolean endGrowing;
    private final HeartbeatEnds ends = partition -> endOffset == null ? null
            : new PartitionEnd(endOffset, now.toEpochMilli(), endGrowing ? now.toEpochMilli() : T0.toEpochMilli());
    /** Records piped by {@link #pipe}: offsets are given in order from 0. */
    private long piped;

    @BeforeEach
    void start() {
        // The service's own Streams settings (exactly-once included), minus the broker.
        driver = new TopologyTestDriver(HealthTopology.build(SETTINGS, new HealthMetrics(registry), PROOF,
                Proofs.counting(registry), ends), props(), T0);
        // as agents send them: proven with their instance's key
        heartbeats = driver.createInputTopic(HealthTopology.HEARTBEATS, ProofSerdes.keys(), ProofSerdes.signing(PROOF));
        rawHeartbeats = driver.createInputTopic(HealthTopology.HEARTBEATS, ProofSerdes.keys(),
                ProofSerdes.signingJson(Heartbeat.getDefaultInstance(), PROOF));
        unprovenHeartbeats = driver.createInputTopic(HealthTopology.HEARTBEATS, new StringSerializer(),
                Topics.HEARTBEATS.valueSerde().serializer());
        health = driver.createOutputTopic(HealthTopology.INSTANCE_HEALTH, Topics.INSTANCE_HEALTH.keySerde().deserializer(),
                Topics.INSTANCE_HEALTH.valueSerde().deserializer());
        deadLetters = driver.createOutputTopic(HealthTopology.DEAD_LETTERS, Topics.DEAD_LETTERS.keySerde().deserializer(),
                Topics.DEAD_LETTERS.valueSerde().deserializer());
    }

    private Properties props() {
        Properties props = StreamsDefaults.properties("health-monitor-test");
        props.setProperty(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        return props;
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    @Test
    void a_heartbeat_makes_a_new_instance_up() {
        send(heartbeat(now));

        TestRecord<String, InstanceHealth> record = health.readRecord();
        assertEquals(DEPLOYMENT, record.key(), "keyed by the deployment key");
        assertTransition(record.value(), HEALTH_UP, HEALTH_UNSPECIFIED, "heartbeat received, database reachable", T0);
        assertTrue(health.isEmpty());
        assertEquals(1.0, registry.counter("marina.health.transitions", "health", "up").count());
    }

    @Test
    void repeated_heartbeats_emit_no_new_record() {
        send(heartbeat(now));
        health.readRecord();
        for (int i = 0; i < 25; i++) {
            advance(Duration.ofMillis(200));
            send(heartbeat(now));
        }
        assertTrue(health.isEmpty(), () -> "unexpected " + health.readValuesToList());
    }

    @Test
    void a_paused_instance_is_announced_once_stays_paused_while_its_agent_reports_and_comes_back_up() {
        send(heartbeat(now));
        health.readRecord();
        advance(Duration.ofMillis(200));
        send(Fixtures.paused(now, true));
        assertTransition(health.readValue(), Health.HEALTH_PAUSED, HEALTH_UP,
                "paused: server stopped on purpose, wakes on connect", now);
        for (int i = 0; i < 50; i++) {
            advance(Duration.ofMillis(200));
            send(Fixtures.paused(now, true));
        }
        assertTrue(health.isEmpty(), () -> "paused for 10 s: nothing more, " + health.readValuesToList());
        advance(Duration.ofMillis(200));
        send(unreachable(now, "Connection refused"));
        assertTransition(health.readValue(), Health.HEALTH_PAUSED, Health.HEALTH_PAUSED, "resuming: server starting", now);
        advance(Duration.ofMillis(200));
        send(heartbeat(now));
        assertTransition(health.readValue(), HEALTH_UP, Health.HEALTH_PAUSED, "heartbeat received, database reachable", now);
        assertTrue(health.isEmpty());
        assertEquals(1.0, registry.counter("marina.health.transitions", "health", "paused").count());
    }

    @Test
    void a_paused_instance_whose_agent_stops_goes_suspect_then_down() {
        send(Fixtures.paused(now, false));
        assertTransition(health.readValue(), Health.HEALTH_PAUSED, HEALTH_UNSPECIFIED, "paused: server stopped on purpose", T0);
        advance(Duration.ofMillis(600));
        assertTransition(health.readValue(), HEALTH_SUSPECT, Health.HEALTH_PAUSED, "no heartbeat for 0.6 s", T0.plusMillis(600));
        advance(Duration.ofMillis(900));
        assertTransition(health.readValue(), HEALTH_DOWN, HEALTH_SUSPECT, "no heartbeat for 1.5 s", T0.plusMillis(1500));
    }

    @Test
    void a_monitor_reading_its_heartbeats_late_judges_silence_as_of_where_it_has_read_to() {
        // A starved CPU or a backlog: every heartbeat is read 5 s after it was sent, for 10 s.
        Duration late = Duration.ofSeconds(5);
        for (int i = 0; i < 50; i++) {
            Instant sent = now.minus(late);
            heartbeats.pipeInput(DEPLOYMENT, heartbeat(sent), sent);
            advance(Duration.ofMillis(200));
        }
        assertEquals(List.of(HEALTH_UP), healths(health.readValuesToList()), "live instances read late are not called dead");
        assertEquals(5.0, registry.get("marina.health.behind").gauge().value(), 0.3);

        // Nothing more to read: once the hold ran out, its silence is judged on the wall clock (over 10 s: DOWN at once).
        advance(HeartbeatProcessor.DELAY_HOLD.multipliedBy(2));
        assertEquals(List.of(HEALTH_DOWN), healths(health.readValuesToList()));
        assertEquals(0.0, registry.get("marina.health.behind").gauge().value());
    }

    @Test
    void a_monitor_behind_that_is_not_scheduled_for_2_s_does_not_count_those_seconds_as_silence() {
        Duration late = Duration.ofSeconds(5);
        for (int i = 0; i < 10; i++) {
            Instant sent = now.minus(late);
            heartbeats.pipeInput(DEPLOYMENT, heartbeat(sent), sent);
            advance(Duration.ofMillis(200));
        }
        advance(Duration.ofSeconds(2)); // a starved stream thread: checks run, nothing is read
        for (int i = 0; i < 10; i++) {
            Instant sent = now.minus(late.plusSeconds(2)); // the backlog it now reads is 2 s older still
            heartbeats.pipeInput(DEPLOYMENT, heartbeat(sent), sent);
            advance(Duration.ofMillis(200));
        }
        assertEquals(List.of(HEALTH_UP), healths(health.readValuesToList()), "the instance never stopped");
    }

    @Test
    void a_monitor_behind_whose_task_is_not_visited_past_the_hold_while_its_partition_grows_keeps_waiting() {
        // Taken over from a killed copy on a starved machine: reading 5 s behind, then the stream thread stays away
        // for 12 s (a rebalance) while the partition's live instances go on writing. Judged on the wall clock once a
        // hold ran out, the instance was called DOWN and its deployment failed over (./marina bench scale, 2 copies).
        Instant sent = now.minus(Duration.ofSeconds(5));
        for (int i = 0; i < 10; i++, sent = sent.plusMillis(200)) {
            pipe(heartbeat(sent), sent);
            advance(Duration.ofMillis(200));
        }
        endOffset = piped + 100;
        endGrowing = true;
        advance(Duration.ofSeconds(12));
        for (int i = 0; i < 10; i++, sent = sent.plusMillis(200)) {
            pipe(heartbeat(sent), sent); // the backlog it now reads: 15 to 17 s old
        }
        advance(Duration.ofMillis(200));
        assertEquals(List.of(HEALTH_UP), healths(health.readValuesToList()), "the instance never stopped");
        assertEquals(15.4, registry.get("marina.health.behind").gauge().value(), 0.2);
    }

    @Test
    void a_monitor_that_read_its_partition_to_the_end_judges_its_silence_at_once_not_a_hold_later() {
        // Read 3 s behind, then the instance stops and the monitor has read everything there is.
        Instant sent = now.minus(Duration.ofSeconds(3));
        for (int i = 0; i < 10; i++, sent = sent.plusMillis(200)) {
            pipe(heartbeat(sent), sent);
            advance(Duration.ofMillis(200));
        }
        assertEquals(List.of(HEALTH_UP), healths(health.readValuesToList()));
        endOffset = piped;
        advance(Duration.ofMillis(300));
        assertEquals(List.of(HEALTH_DOWN), healths(health.readValuesToList()),
                "silent for 3 s by the end offset; with end offsets unknown it waits for the hold");
    }

    @Test
    void a_monitor_falling_further_behind_follows_its_growing_delay() {
        // A monitor losing ground: the read delay grows from 1 s to 4 s over 10 s. Judged on an old, smaller delay,
        // every heartbeat it has not caught up on yet would look like silence.
        for (int i = 0; i < 50; i++) {
            Instant sent = now.minus(Duration.ofMillis(1_000 + 60L * i));
            heartbeats.pipeInput(DEPLOYMENT, heartbeat(sent), sent);
            advance(Duration.ofMillis(200));
        }
        assertEquals(List.of(HEALTH_UP), healths(health.readValuesToList()), "a live instance read ever later stays UP");
        assertEquals(4.0, registry.get("marina.health.behind").gauge().value(), 0.3);
    }

    @Test
    void silence_makes_an_instance_suspect_then_down_with_no_record_arriving() {
        send(heartbeat(now));
        health.readRecord();

        advance(Duration.ofMillis(500));
        assertTrue(health.isEmpty(), "still UP just before suspect-after");
        advance(Duration.ofMillis(100));
        assertTransition(health.readValue(), HEALTH_SUSPECT, HEALTH_UP, "no heartbeat for 0.6 s", T0.plusMillis(600));
        assertTrue(health.isEmpty(), "one record per transition");

        advance(Duration.ofMillis(800));
        assertTrue(health.isEmpty(), "still SUSPECT just before down-after");
        advance(Duration.ofMillis(100));
        assertTransition(health.readValue(), HEALTH_DOWN, HEALTH_SUSPECT, "no heartbeat for 1.5 s", T0.plusMillis(1500));

        advance(Duration.ofSeconds(30));
        assertTrue(health.isEmpty(), "DOWN is announced once");
    }

    @Test
    void a_forged_heartbeat_never_brings_a_down_instance_up_it_is_dead_lettered_and_counted() {
        send(heartbeat(now));
        advance(Duration.ofSeconds(2));
        assertEquals(List.of(HEALTH_UP, HEALTH_SUSPECT, HEALTH_DOWN), healths(health.readValuesToList()));

        // The instance is gone (destroyed, or dead); forgers say it is up: without a proof, with another instance's key
        // (a sibling agent speaking for it), with another platform's key.
        unprovenHeartbeats.pipeInput(DEPLOYMENT, heartbeat(now), now);
        javax.crypto.SecretKey sibling = PROOF.instanceKey(DEPLOYMENT, "acme-orders-9").orElseThrow();
        driver.createInputTopic(HealthTopology.HEARTBEATS, ProofSerdes.keys(), ProofSerdes.<Heartbeat>signing(new dev.marina.schemas.proof.ProofKeys() {
            @Override
            public String keyId() {
                return PROOF.keyId();
            }

            @Override
            public java.util.Optional<javax.crypto.SecretKey> instanceKey(String deploymentKey, String instanceId) {
                return java.util.Optional.of(sibling);
            }
        })).pipeInput(DEPLOYMENT, heartbeat(now), now);
        byte[] other = new byte[32];
        other[0] = 7;
        driver.createInputTopic(HealthTopology.HEARTBEATS, ProofSerdes.keys(), ProofSerdes.<Heartbeat>signing(new PlatformProofKey(other)))
                .pipeInput(DEPLOYMENT, heartbeat(now), now);
        advance(Duration.ofMillis(300));

        assertTrue(health.isEmpty(), () -> "a forged heartbeat changed the health: " + health.readValuesToList());
        List<String> reasons = deadLetters.readValuesToList().stream().map(DeadLetter::getReason).toList();
        assertEquals(3, reasons.size(), reasons::toString);
        assertTrue(reasons.get(0).startsWith("proof missing"), reasons.get(0));
        assertTrue(reasons.get(1).startsWith("proof invalid"), reasons.get(1));
        assertTrue(reasons.get(2).startsWith("proof invalid"), reasons.get(2));
        assertEquals(1.0, registry.counter("marina.proof.refused", "topic", "heartbeats", "outcome", "missing").count());
        assertEquals(2.0, registry.counter("marina.proof.refused", "topic", "heartbeats", "outcome", "invalid").count());

        // Its own agent, back, is believed.
        send(heartbeat(now));
        assertEquals(HEALTH_UP, health.readValue().getHealth());
    }

    @Test
    void the_time_from_the_last_heartbeat_to_each_transition_is_measured() {
        send(heartbeat(now));
        advance(Duration.ofSeconds(2));
        health.readValuesToList();

        Timer down = registry.get("marina.health.detection.latency").tag("health", "down").timer();
        assertEquals(1, down.count());
        assertEquals(1.5, down.totalTime(TimeUnit.SECONDS), 1e-9, "DOWN detected at down-after on the monitor's clock");
        Timer up = registry.get("marina.health.detection.latency").tag("health", "up").timer();
        assertEquals(1, up.count());
        assertEquals(0.0, up.totalTime(TimeUnit.SECONDS), 1e-9, "a timely first heartbeat is judged as it arrives");
    }

    @Test
    void a_heartbeat_after_down_brings_the_instance_back_up() {
        send(heartbeat(now));
        advance(Duration.ofSeconds(2));
        assertEquals(List.of(HEALTH_UP, HEALTH_SUSPECT, HEALTH_DOWN), healths(health.readValuesToList()));

        send(heartbeat(now));
        assertTransition(health.readValue(), HEALTH_UP, HEALTH_DOWN, "heartbeat received, database reachable", now);
    }

    @Test
    void an_unreachable_database_makes_the_instance_suspect() {
        send(heartbeat(now));
        health.readRecord();
        advance(Duration.ofMillis(200));

        send(unreachable(now, "Can't connect to server on '127.10.0.3' (111)"));
        assertTransition(health.readValue(), HEALTH_SUSPECT, HEALTH_UP,
                "database unreachable: Can't connect to server on '127.10.0.3' (111)", now);

        advance(Duration.ofMillis(200));
        send(unreachable(now, "Can't connect to server on '127.10.0.3' (111)"));
        assertTrue(health.isEmpty(), "still SUSPECT: no new record");
    }

    @Test
    void an_undecodable_record_goes_to_dead_letters_and_the_next_heartbeat_is_still_processed() {
        rawHeartbeats.pipeInput(DEPLOYMENT, "{not a heartbeat", now);

        TestRecord<String, DeadLetter> letter = deadLetters.readRecord();
        assertEquals(DEPLOYMENT, letter.key(), "the original key");
        DeadLetter dead = letter.value();
        assertEquals(HealthTopology.HEARTBEATS, dead.getSourceTopic());
        assertEquals(HealthTopology.CONSUMER, dead.getConsumer());
        assertArrayEquals("{not a heartbeat".getBytes(StandardCharsets.UTF_8), dead.getValue().toByteArray(),
                "the original bytes");
        assertArrayEquals(DEPLOYMENT.getBytes(StandardCharsets.UTF_8), dead.getKey().toByteArray());
        assertTrue(dead.getReason().contains("marina.v1.Heartbeat"), dead.getReason());
        assertEquals(T0, Timestamps.toInstant(dead.getDeadAt()));
        assertTrue(health.isEmpty());

        send(heartbeat(now));
        assertEquals(HEALTH_UP, health.readValue().getHealth());
        assertTrue(deadLetters.isEmpty());
    }

    @Test
    void a_heartbeat_that_cannot_be_judged_goes_to_dead_letters() {
        heartbeats.pipeInput(DEPLOYMENT, heartbeat(now).toBuilder().clearSentAt().build(), now);

        DeadLetter dead = deadLetters.readValue();
        assertEquals("heartbeat without sent_at: it cannot be ordered", dead.getReason());
        assertTrue(health.isEmpty());
    }

    @Test
    void a_heartbeat_sent_before_the_newest_one_is_ignored() {
        send(heartbeat(now));
        health.readRecord();
        advance(Duration.ofMillis(200));
        Instant newest = now;
        send(heartbeat(newest));

        // An older agent process, still running for a moment, reports an unreachable database.
        advance(Duration.ofMillis(100));
        send(unreachable(newest.minusMillis(500), "Connection refused"));

        assertTrue(health.isEmpty(), () -> "unexpected " + health.readValuesToList());
        InstanceState stored = store().get(InstanceState.storeKey(DEPLOYMENT, INSTANCE));
        assertEquals(newest, stored.lastSentAt());
        assertEquals(HEALTH_UP, stored.health());
        assertEquals(1.0, registry.counter("marina.health.heartbeats.ignored", "cause", "out-of-order").count());
    }

    @Test
    void instances_are_judged_separately() {
        String other = "acme-orders-2";
        send(heartbeat(INSTANCE, now, true, ""));
        send(heartbeat(other, now, true, ""));
        assertEquals(2, health.readValuesToList().size());

        for (int i = 0; i < 4; i++) {
            advance(Duration.ofMillis(200));
            send(heartbeat(other, now, true, ""));
        }
        InstanceHealth suspect = health.readValue();
        assertEquals(INSTANCE, suspect.getInstanceId());
        assertEquals(HEALTH_SUSPECT, suspect.getHealth());
        assertTrue(health.isEmpty());
    }

    @Test
    void an_instance_down_for_forget_after_is_removed_from_the_store() {
        send(heartbeat(now));
        advance(Duration.ofMillis(1500));
        health.readValuesToList();
        String key = InstanceState.storeKey(DEPLOYMENT, INSTANCE);

        advance(SETTINGS.forgetAfter().minusSeconds(1), Duration.ofSeconds(30));
        assertNotNull(store().get(key), "still remembered just before forget-after");
        advance(Duration.ofSeconds(1));
        assertNull(store().get(key), "forgotten");
        assertTrue(health.isEmpty(), "forgetting emits nothing");

        // Should it ever come back, it is a new instance.
        send(heartbeat(now));
        assertTransition(health.readValue(), HEALTH_UP, HEALTH_UNSPECIFIED, "heartbeat received, database reachable", now);
    }

    @Test
    void a_silent_primary_is_held_suspect_by_its_replicas_and_goes_down_when_they_lose_it() {
        send(heartbeat(now));
        send(replica(REPLICA_2, now, INSTANCE, true));
        send(replica(REPLICA_3, now, INSTANCE, true));
        assertEquals(List.of(HEALTH_UP, HEALTH_UP, HEALTH_UP), healths(health.readValuesToList()));

        // The primary's agent goes quiet; its replicas keep replicating from it and keep reporting.
        for (int i = 0; i < 8; i++) {
            advance(Duration.ofMillis(200));
            send(replica(REPLICA_2, now, INSTANCE, true).toBuilder().setGtidPosition("0-1-" + (100 + i)).build());
            send(replica(REPLICA_3, now, INSTANCE, true).toBuilder().setGtidPosition("0-1-" + (99 + i)).build());
        }
        List<InstanceHealth> records = health.readValuesToList();
        assertEquals(2, records.size(), () -> "SUSPECT at suspect-after, held at down-after: " + records);
        assertTransition(records.get(0), HEALTH_SUSPECT, HEALTH_UP, "no heartbeat for 0.6 s", T0.plusMillis(600));
        assertTransition(records.get(1), HEALTH_SUSPECT, HEALTH_SUSPECT, "no heartbeat for 1.5 s, but 2 of 2 replicas"
                + " still replicate from it: its agent's path to Kafka is broken, the database is up", T0.plusMillis(1500));
        assertEquals(2, records.get(1).getReplicasConnected());
        assertEquals(2, records.get(1).getReplicasReporting());

        // Then the replicas lose it too: DOWN on the heartbeat that says so, no check needed.
        advance(Duration.ofMillis(100));
        send(replica(REPLICA_2, now, INSTANCE, false).toBuilder().setGtidPosition("0-1-107").build());
        assertTrue(health.isEmpty(), "one replica still replicates from it");
        send(replica(REPLICA_3, now, INSTANCE, false).toBuilder().setGtidPosition("0-1-106").build());
        InstanceHealth down = health.readValue();
        assertTransition(down, HEALTH_DOWN, HEALTH_SUSPECT,
                "no heartbeat for 1.7 s, and none of 2 reporting replicas replicates from it", now);
        assertEquals(Role.ROLE_PRIMARY, down.getRole());
        assertEquals(0, down.getReplicasConnected());
        assertEquals(2, down.getReplicasReporting());
        assertEquals(List.of(REPLICA_2 + "@0-1-107", REPLICA_3 + "@0-1-106"), down.getReplicasList().stream()
                .map(r -> r.getInstanceId() + "@" + r.getGtidPosition()).toList(), "the positions to promote by");
        assertTrue(health.isEmpty());
    }

    @Test
    void replicas_of_another_deployment_never_hold_a_primary() {
        String billing = "acme/billing";
        send(heartbeat(now));
        health.readValuesToList();
        for (int i = 0; i < 8; i++) {
            advance(Duration.ofMillis(200));
            // Same instance id as this deployment's primary, but another deployment's.
            heartbeats.pipeInput(billing, replica(REPLICA_2, now, INSTANCE, true).toBuilder()
                    .setDeployment(DeploymentKey.parse(billing)).build(), now);
        }
        List<TestRecord<String, InstanceHealth>> records = health.readRecordsToList();
        assertEquals(List.of(billing, DEPLOYMENT, DEPLOYMENT), records.stream().map(TestRecord::key).toList());
        assertTransition(records.get(2).value(), HEALTH_DOWN, HEALTH_SUSPECT, "no heartbeat for 1.5 s",
                T0.plusMillis(1500));
    }

    @Test
    void a_promotion_is_announced_though_health_stays_up() {
        send(replica(REPLICA_2, now, INSTANCE, true));
        health.readValue();
        advance(Duration.ofMillis(200));

        send(heartbeat(REPLICA_2, now, true, "").toBuilder().setEpoch(2).build());

        InstanceHealth promoted = health.readValue();
        assertEquals(HEALTH_UP, promoted.getHealth());
        assertEquals(HEALTH_UP, promoted.getPrevious());
        assertEquals(Role.ROLE_PRIMARY, promoted.getRole());
        assertEquals(2, promoted.getEpoch());
        assertEquals("heartbeat received, database reachable; role replica → primary, epoch 1 → 2, now writable",
                promoted.getReason());
        assertEquals(1.0, registry.counter("marina.health.transitions", "health", "up").count(),
                "a change of facts is not counted as a transition");
    }

    private void send(Heartbeat heartbeat) {
        heartbeats.pipeInput(DEPLOYMENT, heartbeat, now);
    }

    private void pipe(Heartbeat heartbeat, Instant sentAt) {
        heartbeats.pipeInput(DEPLOYMENT, heartbeat, sentAt);
        piped++;
    }

    /** Moves the wall clock in check-interval steps, as the real punctuator would see it. */
    private void advance(Duration total) {
        advance(total, SETTINGS.checkInterval());
    }

    private void advance(Duration total, Duration step) {
        for (Duration left = total; !left.isZero(); ) {
            Duration next = left.compareTo(step) < 0 ? left : step;
            driver.advanceWallClockTime(next);
            now = now.plus(next);
            left = left.minus(next);
        }
    }

    private KeyValueStore<String, InstanceState> store() {
        return driver.getKeyValueStore(HealthTopology.STATE_STORE);
    }

    private static List<Health> healths(List<InstanceHealth> records) {
        return records.stream().map(InstanceHealth::getHealth).toList();
    }

    private static void assertTransition(InstanceHealth record, Health health, Health previous, String reason,
            Instant detectedAt) {
        assertEquals(health, record.getHealth(), "health");
        assertEquals(previous, record.getPrevious(), "previous");
        assertEquals(reason, record.getReason(), "reason");
        assertEquals(detectedAt, Timestamps.toInstant(record.getDetectedAt()), "detected_at");
        assertEquals(INSTANCE, record.getInstanceId());
        assertEquals(DEPLOYMENT, record.getDeployment().getTenant() + "/" + record.getDeployment().getName());
    }
}
