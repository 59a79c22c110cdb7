package dev.marina.healthmonitor;

import dev.marina.testkit.SharedKafka;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.Health;
import dev.marina.schemas.v1.Heartbeat;
import dev.marina.schemas.v1.InstanceHealth;
import dev.marina.schemas.v1.ReplicaReport;
import dev.marina.schemas.v1.Role;
import dev.marina.service.Timestamps;
import dev.marina.testkit.KafkaTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.awaitility.Awaitility;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A primary and two replicas on the real broker, their heartbeats sent by the test every 200 ms as the
 * agents do: a primary whose replicas still replicate from it is SUSPECT, not DOWN; once they lose it
 * too it is DOWN with their positions in the record. Also measures how long after the primary's last
 * heartbeat its DOWN record can be read.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
class PrimaryFailureDetectionIT {

    private static final Duration BEAT = Duration.ofMillis(200);
    /** Scheduling, commits and this consumer's polling on a busy 2-core machine; typical is ~0.2 s. */
    private static final Duration SLACK = Duration.ofSeconds(1);
    private static final int RUNS = 12;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Inject
    HealthConfig config;

    /** The service's proof key: heartbeats are sent as agents send them, proven for their instance. */
    @Inject
    dev.marina.schemas.proof.PlatformProofKey proof;

    private KafkaProducer<String, Heartbeat> producer;

    @BeforeEach
    void start() {
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                given().get("/q/health/ready").then().statusCode(200)
                        .body("checks.find { it.name == 'kafka-streams' }.status", equalTo("UP")));
        Properties props = new Properties();
        props.putAll(SharedKafka.clientProperties());
        props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        producer = new KafkaProducer<>(props, dev.marina.schemas.proof.ProofSerdes.keys(),
                dev.marina.schemas.proof.ProofSerdes.<Heartbeat>signing(proof));
    }

    @AfterEach
    void stop() {
        producer.close();
    }

    @Test
    void a_primary_its_replicas_still_replicate_from_is_suspect_and_goes_down_when_they_lose_it() {
        try (Cluster cluster = new Cluster(producer);
                HealthWatcher watcher = new HealthWatcher(bootstrapServers, cluster.key)) {
            cluster.start();
            awaitAllUp(watcher, cluster);

            // The primary's agent loses Kafka; the database and replication go on.
            cluster.primaryBeating = false;
            Instant lastPrimaryBeat = cluster.lastPrimarySentAt.get();
            HealthWatcher.Seen held = watcher.await(of(cluster.primary, Health.HEALTH_SUSPECT).and(r ->
                            r.getReason().contains("still replicate")),
                    config.downAfter().plus(SLACK), () -> {})
                    .orElseThrow(() -> new AssertionError("no held SUSPECT; saw " + watcher.seen()));
            InstanceHealth suspect = held.health();
            assertTrue(suspect.getReason().matches("no heartbeat for \\d+\\.\\d s, but 2 of 2 replicas still replicate"
                    + " from it: its agent's path to Kafka is broken, the database is up"), suspect.getReason());
            assertEquals(2, suspect.getReplicasConnected());
            assertFalse(Duration.between(lastPrimaryBeat, Timestamps.toInstant(suspect.getDetectedAt()))
                    .compareTo(config.downAfter()) < 0, "held only once down-after has passed");

            // Stays SUSPECT while they replicate.
            watcher.await(of(cluster.primary, Health.HEALTH_DOWN), Duration.ofSeconds(1), () -> {})
                    .ifPresent(down -> { throw new AssertionError("DOWN while replicas replicate: " + down); });

            // Now the replicas lose the primary too.
            cluster.replicasConnected = false;
            Instant lost = Instant.now();
            HealthWatcher.Seen down = watcher.await(of(cluster.primary, Health.HEALTH_DOWN), config.downAfter().plus(SLACK),
                    () -> {}).orElseThrow(() -> new AssertionError("no DOWN; saw " + watcher.seen()));
            Duration after = Duration.between(lost, down.receivedAt());
            System.out.printf(Locale.ROOT, "held primary DOWN %d ms after its replicas lost it%n", after.toMillis());
            assertTrue(after.compareTo(BEAT.plus(SLACK)) <= 0, "DOWN " + after + " after the replicas said so");

            InstanceHealth record = down.health();
            assertEquals(Role.ROLE_PRIMARY, record.getRole());
            assertEquals(0, record.getReplicasConnected());
            assertEquals(2, record.getReplicasReporting());
            assertEquals(List.of(cluster.replica2, cluster.replica3),
                    record.getReplicasList().stream().map(ReplicaReport::getInstanceId).sorted().toList());
            for (ReplicaReport replica : record.getReplicasList()) {
                assertTrue(replica.getGtidPosition().startsWith("0-1-"), replica.toString());
                assertEquals(cluster.primary, replica.getReplicationSource());
                assertFalse(replica.getReplicationConnected());
                assertEquals(Health.HEALTH_UP, replica.getHealth());
            }
        }
    }

    /**
     * A primary killed as with kill -9: its heartbeats stop and its replicas' links drop with it. From its
     * last heartbeat to its DOWN record being readable (read_committed), over {@value #RUNS} runs.
     */
    @Test
    void detection_latency_from_the_last_primary_heartbeat_to_down() {
        List<Long> suspectMs = new ArrayList<>();
        List<Long> downMs = new ArrayList<>();
        List<Long> detectedMs = new ArrayList<>();
        for (int run = 0; run < RUNS; run++) {
            try (Cluster cluster = new Cluster(producer);
                    HealthWatcher watcher = new HealthWatcher(bootstrapServers, cluster.key)) {
                cluster.start();
                awaitAllUp(watcher, cluster);
                sleep(Duration.ofMillis(300 + 37L * run));

                cluster.kill();
                Instant lastBeat = cluster.lastPrimarySentAt.get();
                HealthWatcher.Seen down = watcher.await(of(cluster.primary, Health.HEALTH_DOWN),
                        config.downAfter().plus(SLACK).plus(SLACK), () -> {})
                        .orElseThrow(() -> new AssertionError("no DOWN; saw " + watcher.seen()));
                HealthWatcher.Seen suspect = watcher.await(of(cluster.primary, Health.HEALTH_SUSPECT), Duration.ZERO,
                        () -> {}).orElseThrow(() -> new AssertionError("no SUSPECT before DOWN; saw " + watcher.seen()));

                Duration arrived = Duration.between(lastBeat, down.receivedAt());
                Duration detected = Duration.between(lastBeat, Timestamps.toInstant(down.health().getDetectedAt()));
                suspectMs.add(Duration.between(lastBeat, suspect.receivedAt()).toMillis());
                downMs.add(arrived.toMillis());
                detectedMs.add(detected.toMillis());
                assertFalse(detected.compareTo(config.downAfter()) < 0, "DOWN before down-after: " + detected);
                assertTrue(arrived.compareTo(config.downAfter().plus(SLACK)) <= 0,
                        "DOWN readable " + arrived + " after the last heartbeat; down-after is " + config.downAfter());
                assertTrue(down.health().getReason().startsWith("no heartbeat for "), down.health().getReason());
                assertEquals(2, down.health().getReplicasCount());
            }
        }
        System.out.printf(Locale.ROOT, "primary detection over %d runs (suspect-after %d ms, down-after %d ms,"
                        + " check every %d ms):%n  SUSPECT readable: %s%n  DOWN detected:    %s%n  DOWN readable:    %s%n",
                RUNS, config.suspectAfter().toMillis(), config.downAfter().toMillis(), config.checkInterval().toMillis(),
                summary(suspectMs), summary(detectedMs), summary(downMs));
    }

    private void awaitAllUp(HealthWatcher watcher, Cluster cluster) {
        for (String instance : List.of(cluster.primary, cluster.replica2, cluster.replica3)) {
            watcher.await(of(instance, Health.HEALTH_UP), Duration.ofSeconds(30), () -> {})
                    .orElseThrow(() -> new AssertionError("no UP for " + instance + "; saw " + watcher.seen()));
        }
    }

    private static Predicate<InstanceHealth> of(String instance, Health health) {
        return record -> record.getInstanceId().equals(instance) && record.getHealth() == health;
    }

    private static String summary(List<Long> millis) {
        List<Long> sorted = millis.stream().sorted().toList();
        return String.format(Locale.ROOT, "p50 %d ms, p95 %d ms, min %d ms, max %d ms", percentile(sorted, 50),
                percentile(sorted, 95), sorted.get(0), sorted.get(sorted.size() - 1));
    }

    /** Nearest-rank percentile. */
    private static long percentile(List<Long> sorted, int p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, rank - 1));
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** A deployment of a primary and two replicas whose agents heartbeat every 200 ms. */
    private static final class Cluster implements AutoCloseable {
        final String key;
        final String primary;
        final String replica2;
        final String replica3;
        final AtomicReference<Instant> lastPrimarySentAt = new AtomicReference<>();
        volatile boolean primaryBeating = true;
        volatile boolean replicasConnected = true;
        private final KafkaProducer<String, Heartbeat> producer;
        private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        private long sequence;

        Cluster(KafkaProducer<String, Heartbeat> producer) {
            String tenant = "hm-ha-" + UUID.randomUUID().toString().substring(0, 8);
            this.key = DeploymentKey.of(tenant, "db");
            this.primary = tenant + "-db-1";
            this.replica2 = tenant + "-db-2";
            this.replica3 = tenant + "-db-3";
            this.producer = producer;
        }

        void start() {
            timer.scheduleAtFixedRate(this::beat, 0, BEAT.toMillis(), TimeUnit.MILLISECONDS);
        }

        /** As kill -9 of the primary's server and agent: no more heartbeats, and the replicas' links drop. */
        void kill() {
            try {
                // Between two beats, so the last heartbeat sent is known.
                timer.submit(() -> {
                    primaryBeating = false;
                    replicasConnected = false;
                }).get();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }

        private void beat() {
            try {
                sequence++;
                Instant now = Instant.now();
                long gtid = 1000 + sequence;
                if (primaryBeating) {
                    send(heartbeat(primary, now).setRole(Role.ROLE_PRIMARY).setGtidPosition("0-1-" + gtid).build());
                    lastPrimarySentAt.set(now);
                }
                boolean connected = replicasConnected;
                long lastSeen = connected ? 50 : Duration.between(lastPrimarySentAt.get(), now).toMillis();
                send(replica(replica2, now, connected, lastSeen).setGtidPosition("0-1-" + gtid).build());
                send(replica(replica3, now, connected, lastSeen).setGtidPosition("0-1-" + (gtid - 1)).build());
            } catch (RuntimeException e) {
                System.err.println("heartbeat not sent: " + e);
            }
        }

        private Heartbeat.Builder heartbeat(String instance, Instant now) {
            return Heartbeat.newBuilder()
                    .setDeployment(DeploymentKey.parse(key))
                    .setInstanceId(instance)
                    .setDatabaseReachable(true)
                    .setEpoch(1)
                    .setSequence(sequence)
                    .setSentAt(Timestamps.of(now))
                    .setPrimaryLastSeenMs(-1);
        }

        private Heartbeat.Builder replica(String instance, Instant now, boolean connected, long primaryLastSeenMs) {
            return heartbeat(instance, now)
                    .setRole(Role.ROLE_REPLICA)
                    .setReadOnly(true)
                    .setReplicationSource(primary)
                    .setReplicationConnected(connected)
                    .setReplicationLagMs(connected ? 3 : 0)
                    .setPrimaryLastSeenMs(primaryLastSeenMs);
        }

        private void send(Heartbeat heartbeat) {
            try {
                producer.send(new ProducerRecord<>(Topics.HEARTBEATS.name(), key, heartbeat)).get();
            } catch (Exception e) {
                throw new IllegalStateException("could not send a heartbeat", e);
            }
        }

        @Override
        public void close() {
            timer.shutdownNow();
        }
    }
}
