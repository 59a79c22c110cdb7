package dev.marina.healthmonitor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.marina.schemas.access.Role;
import dev.marina.schemas.proof.PlatformProofKey;
import dev.marina.schemas.proof.ProofSerdes;
import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.topics.TopicBootstrap;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.Health;
import dev.marina.schemas.v1.Heartbeat;
import dev.marina.schemas.v1.InstanceHealth;
import dev.marina.service.Proofs;
import dev.marina.service.StreamsDefaults;
import dev.marina.testkit.SharedKafka;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Two copies of health-monitor's topology share the heartbeats of {@value #DEPLOYMENTS} deployments (3 instances
 * each, every 200 ms, as agents send them) on the real broker; one copy stops as a crashed member does (it does not
 * leave the group) and the other takes its partitions over after the session timeout, with that backlog to read and
 * its state to restore. No live instance may be called anything but UP meanwhile: a false DOWN is a false failover.
 * Then the primary of a deployment on a partition taken over dies (its replicas lose it), and the survivor calls it
 * DOWN within seconds: it judges the partitions it took over, it does not only wait.
 *
 * <p>A verdict is false when the instance's next heartbeat was sent within suspect-after of the last one the monitor
 * names: the heartbeats' sender shares this busy JVM, and when it stalls its instances really are silent. The
 * machine is not saturated here for that reason; the saturated takeover is measured by
 * {@code ./marina bench scale 100 30 200 2}, and the starved stream thread it showed is {@code HealthTopologyTest}'s
 * case of a task not visited past the hold.
 */
class TakeoverUnderLoadIT {

    private static final int DEPLOYMENTS = 40;
    private static final Duration BEAT = Duration.ofMillis(200);
    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final PlatformProofKey PROOF = new PlatformProofKey(new byte[32]);

    @Test
    void a_killed_copy_makes_no_false_verdict_and_the_survivor_judges_what_it_took_over() throws Exception {
        new TopicBootstrap(SharedKafka.clientProperties(), (short) 1, Duration.ofSeconds(30)).ensure(Topics.ALL);
        String tenant = "takeover-" + UUID.randomUUID().toString().substring(0, 8);
        String applicationId = "health-monitor-" + tenant;
        List<String> deployments = new ArrayList<>();
        for (int i = 0; i < DEPLOYMENTS; i++) {
            deployments.add(DeploymentKey.of(tenant, "db" + i));
        }
        Set<String> primaryDead = ConcurrentHashMap.newKeySet();
        List<InstanceHealth> verdicts = new CopyOnWriteArrayList<>();
        Map<String, Health> latest = new ConcurrentHashMap<>();

        try (HeartbeatEndWatcher endsA = new HeartbeatEndWatcher(SharedKafka.clientProperties(Role.HEALTH_MONITOR),
                        new SimpleMeterRegistry());
                HeartbeatEndWatcher endsB = new HeartbeatEndWatcher(SharedKafka.clientProperties(Role.HEALTH_MONITOR),
                        new SimpleMeterRegistry());
                Fleet fleet = new Fleet(deployments, primaryDead);
                HealthReader reader = new HealthReader(tenant, verdicts, latest)) {
            KafkaStreams a = start(applicationId, "a", endsA);
            KafkaStreams b = start(applicationId, "b", endsB);
            try {
                Awaitility.await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(200)).until(() ->
                        a.state() == KafkaStreams.State.RUNNING && b.state() == KafkaStreams.State.RUNNING
                                && tasks(a) > 0 && tasks(b) > 0);
                fleet.start();
                Awaitility.await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(200)).until(() ->
                        latest.size() == 3 * DEPLOYMENTS && latest.values().stream().allMatch(h -> h == Health.HEALTH_UP));

                // A crashed member: close() does not leave the group; the survivor gets its tasks after the session
                // timeout, with the heartbeats sent meanwhile still to read.
                Set<Integer> takenOver = partitions(b);
                b.close(Duration.ofSeconds(30));
                long closedAt = System.nanoTime();
                System.out.printf("takeover: copy b stopped (partitions %s); copy a has %s%n", takenOver, partitions(a));
                Awaitility.await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(100)).until(() ->
                        a.state() == KafkaStreams.State.RUNNING && tasks(a) == Topics.HEARTBEATS.partitions());
                System.out.printf("takeover: copy a runs every partition %d ms after b stopped%n",
                        Duration.ofNanos(System.nanoTime() - closedAt).toMillis());
                Thread.sleep(5_000); // what the survivor says once it has read its backlog

                List<String> wrong = verdicts.stream().filter(v -> v.getHealth() != Health.HEALTH_UP)
                        .filter(fleet::notSilent)
                        .map(v -> v.getInstanceId() + " " + v.getHealth() + " (" + v.getReason() + ")").toList();
                System.out.printf("takeover: %d verdicts other than UP, %d of them false; the sender's longest gap %d ms,"
                        + " longest delivery %d ms%n", verdicts.stream().filter(v -> v.getHealth() != Health.HEALTH_UP).count(),
                        wrong.size(), fleet.longestGapMs(), fleet.longestDeliveryMs());
                assertEquals(List.of(), wrong, "no instance that went on heartbeating is called anything but UP");

                // Now a primary dies on a partition taken over, and one on a partition a kept.
                String onTakenOver = deployments.stream().filter(d -> takenOver.contains(fleet.partitionOf(d)))
                        .findFirst().orElseThrow();
                String onKept = deployments.stream().filter(d -> !takenOver.contains(fleet.partitionOf(d)))
                        .findFirst().orElseThrow();
                for (String gone : List.of(onTakenOver, onKept)) {
                    String primary = instancesOf(gone).get(0);
                    Instant diedAt = Instant.now();
                    primaryDead.add(gone);
                    Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() ->
                            latest.get(primary) == Health.HEALTH_DOWN);
                    System.out.printf("takeover: primary %s DOWN %d ms after it died%n", primary,
                            Duration.between(diedAt, Instant.now()).toMillis());
                }
                // and all along, the deaths included, nothing else: no instance that went on heartbeating was
                // called anything but UP (one whose sender really stalled past suspect-after may be, rightly)
                List<String> wrongAtEnd = verdicts.stream().filter(v -> v.getHealth() != Health.HEALTH_UP)
                        .filter(fleet::notSilent).map(InstanceHealth::getInstanceId).distinct().sorted().toList();
                assertEquals(List.of(), wrongAtEnd, "no verdict but for the dead primaries and the sender's own stalls");
            } finally {
                b.close(Duration.ofSeconds(10));
                a.close(Duration.ofSeconds(10));
            }
        }
    }

    private static List<String> instancesOf(String deploymentKey) {
        String prefix = deploymentKey.replace('/', '-');
        return List.of(prefix + "-1", prefix + "-2", prefix + "-3");
    }

    /** The heartbeats partitions a copy works on now. */
    private static Set<Integer> partitions(KafkaStreams streams) {
        return streams.metadataForLocalThreads().stream().flatMap(t -> t.activeTasks().stream())
                .flatMap(task -> task.topicPartitions().stream()).map(TopicPartition::partition)
                .collect(java.util.stream.Collectors.toCollection(java.util.TreeSet::new));
    }

    private static int tasks(KafkaStreams streams) {
        return streams.metadataForLocalThreads().stream().mapToInt(t -> t.activeTasks().size()).sum();
    }

    private static KafkaStreams start(String applicationId, String copy, HeartbeatEnds ends) throws Exception {
        Properties props = StreamsDefaults.properties(applicationId, SharedKafka.clientProperties(Role.HEALTH_MONITOR));
        props.putAll(SharedKafka.clientProperties());
        props.setProperty(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("takeover-" + copy).toString());
        props.setProperty(StreamsConfig.NUM_STREAM_THREADS_CONFIG, "1");
        props.setProperty(StreamsConfig.CLIENT_ID_CONFIG, applicationId + "-" + copy);
        props.setProperty(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "100"); // as the service runs
        KafkaStreams streams = new KafkaStreams(HealthTopology.build(HealthSettings.defaults(),
                new HealthMetrics(new SimpleMeterRegistry()), PROOF, Proofs.counting(new SimpleMeterRegistry()), ends),
                props);
        streams.start();
        return streams;
    }

    /**
     * Every instance of every deployment heartbeats every 200 ms, as its agent does; a dead primary does not, and its
     * replicas report their link to it down.
     */
    private static final class Fleet implements AutoCloseable {
        private final List<String> deployments;
        private final Set<String> primaryDead;
        private final KafkaProducer<String, Heartbeat> producer;
        private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        /** When each round of heartbeats was sent (epoch ms). */
        private final java.util.NavigableSet<Long> rounds = new java.util.concurrent.ConcurrentSkipListSet<>();
        /**
         * When the broker had acknowledged every record of each round (epoch ms, by the round's send time): on a loaded
         * machine this sender's producer can hold a round past suspect-after, and a heartbeat not in the log yet is
         * silence to any monitor.
         */
        private final Map<Long, Long> acknowledged = new ConcurrentHashMap<>();
        /** The heartbeats partition of each deployment, as the broker acknowledged its records. */
        private final Map<String, Integer> partitions = new ConcurrentHashMap<>();
        private long sequence;

        Fleet(List<String> deployments, Set<String> primaryDead) {
            this.deployments = deployments;
            this.primaryDead = primaryDead;
            Properties props = SharedKafka.clientProperties();
            props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
            producer = new KafkaProducer<>(props, ProofSerdes.keys(), ProofSerdes.<Heartbeat>signing(PROOF));
        }

        void start() {
            timer.scheduleAtFixedRate(this::beat, 0, BEAT.toMillis(), TimeUnit.MILLISECONDS);
        }

        private void beat() {
            Instant now = Instant.now();
            rounds.add(now.toEpochMilli());
            sequence++;
            for (String key : deployments) {
                List<String> instances = instancesOf(key);
                boolean alive = !primaryDead.contains(key);
                if (alive) {
                    send(key, now, Fixtures.heartbeat(instances.get(0), now, true, ""));
                }
                send(key, now, Fixtures.replica(instances.get(1), now, instances.get(0), alive));
                send(key, now, Fixtures.replica(instances.get(2), now, instances.get(0), alive));
            }
        }

        private void send(String key, Instant sentAt, Heartbeat heartbeat) {
            producer.send(new ProducerRecord<>(Topics.HEARTBEATS.name(), null, sentAt.toEpochMilli(), key,
                    heartbeat.toBuilder().setDeployment(DeploymentKey.parse(key)).setSequence(sequence).build()),
                    (metadata, error) -> {
                        if (metadata != null) {
                            partitions.put(key, metadata.partition());
                            acknowledged.merge(sentAt.toEpochMilli(), System.currentTimeMillis(), Math::max);
                        }
                    });
        }

        /**
         * Whether a verdict's instance was heartbeating: its next heartbeat after the last one the verdict names was
         * sent, and in the broker's log, within suspect-after of that last one (the dead primaries are silent, and so
         * is every instance while the sender or its producer stalls).
         */
        boolean notSilent(InstanceHealth verdict) {
            String deployment = DeploymentKey.of(verdict.getDeployment().getTenant(), verdict.getDeployment().getName());
            if (primaryDead.contains(deployment) && instancesOf(deployment).get(0).equals(verdict.getInstanceId())) {
                return false;
            }
            long last = dev.marina.service.Timestamps.toInstant(verdict.getLastHeartbeatAt()).toEpochMilli();
            Long next = rounds.higher(last);
            Long nextInLog = next == null ? null : acknowledged.get(next);
            long suspectAfter = HealthSettings.defaults().suspectAfter().toMillis();
            return nextInLog != null && next - last < suspectAfter && nextInLog - last < suspectAfter;
        }

        /** The longest a round waited from its send to the broker's acknowledgement of all its records. */
        long longestDeliveryMs() {
            return acknowledged.entrySet().stream().mapToLong(e -> e.getValue() - e.getKey()).max().orElse(0);
        }

        long longestGapMs() {
            long longest = 0;
            Long previous = null;
            for (long round : rounds) {
                if (previous != null) {
                    longest = Math.max(longest, round - previous);
                }
                previous = round;
            }
            return longest;
        }

        int partitionOf(String deploymentKey) {
            Integer partition = partitions.get(deploymentKey);
            if (partition == null) {
                throw new AssertionError("no heartbeat of " + deploymentKey + " acknowledged");
            }
            return partition;
        }

        @Override
        public void close() {
            timer.shutdownNow();
            producer.close(Duration.ofSeconds(5));
        }
    }

    /** instance-health of this test's tenant, from its end, read committed: every verdict and each instance's latest. */
    private static final class HealthReader implements AutoCloseable {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;

        HealthReader(String tenant, List<InstanceHealth> verdicts, Map<String, Health> latest) {
            KafkaConsumer<String, InstanceHealth> consumer = HealthWatcher.fromEnd();
            thread = new Thread(() -> {
                try (consumer) {
                    while (running.get()) {
                        for (ConsumerRecord<String, InstanceHealth> record : consumer.poll(Duration.ofMillis(100))) {
                            if (record.key() != null && record.key().startsWith(tenant + "/") && record.value() != null) {
                                verdicts.add(record.value());
                                latest.put(record.value().getInstanceId(), record.value().getHealth());
                            }
                        }
                    }
                }
            }, "takeover-health-reader");
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(5_000);
        }
    }
}
