package dev.marina.healthmonitor;

import com.google.protobuf.Message;
import dev.marina.healthmonitor.dashboard.FleetFeed;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.topics.TopicSpec;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.DeploymentStatus;
import dev.marina.schemas.v1.Health;
import dev.marina.schemas.v1.Heartbeat;
import dev.marina.schemas.v1.InstanceHealth;
import dev.marina.schemas.v1.MetricSample;
import dev.marina.schemas.v1.ProvisionCommand;
import dev.marina.service.Timestamps;
import dev.marina.testkit.HostileRecords;
import dev.marina.testkit.HostileRun;
import dev.marina.testkit.KafkaTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyDescription;
import org.awaitility.Awaitility;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * Every record a hostile client can write to the topics health-monitor reads: it stays ready and goes
 * on judging heartbeats. The Streams topology dead-letters every bad heartbeat, metric sample and
 * status with a reason, with exceptions the test names: what the roster takes from
 * {@code deployment-status} (a tombstone, and decodable statuses; see {@link #statusTaken}) and the
 * dashboard's reading of {@code instance-health}
 * (a view that skips what it cannot use; that topic's dead letters belong to its consumers that act).
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
class HealthMonitorHostileRecordsIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final java.util.concurrent.atomic.AtomicLong SEQUENCE = new java.util.concurrent.atomic.AtomicLong();

    @Inject
    Topology topology;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    /** The service's proof key: the valid heartbeat is proven for its instance. */
    @jakarta.inject.Inject
    dev.marina.schemas.proof.PlatformProofKey proof;

    @Test
    void survives_every_hostile_record_on_every_topic_it_reads() {
        List<TopicSpec<?>> deadLettered = List.of(Topics.HEARTBEATS, Topics.METRICS, Topics.DEPLOYMENT_STATUS);
        List<TopicSpec<?>> onlyViewed = List.of(Topics.INSTANCE_HEALTH);
        Set<String> inputs = new TreeSet<>(sources(topology));
        FleetFeed.INPUTS.forEach(t -> inputs.add(t.name()));
        List<String> covered = new ArrayList<>();
        deadLettered.forEach(t -> covered.add(t.name()));
        onlyViewed.forEach(t -> covered.add(t.name()));
        HostileRun.assertEveryInputCovered(inputs, covered);
        Awaitility.await().atMost(TIMEOUT).ignoreExceptions().untilAsserted(HostileRun::assertReady);

        String tenant = "hostile-" + UUID.randomUUID().toString().substring(0, 8);
        String key = DeploymentKey.of(tenant, "db");
        byte[] wrongType = json(ProvisionCommand.newBuilder().setCommandId("c-1").setInstanceId("i-1").build());
        try (HostileRun hostile = HostileRun.watching(Topics.DEAD_LETTERS.name())) {
            List<HostileRun.Sent> expected = new ArrayList<>();
            for (TopicSpec<?> topic : deadLettered) {
                List<HostileRun.Sent> sent = hostile.publish(topic.name(), HostileRecords.forTopic(topic.name(),
                                topic.maxMessageBytes())
                        .key(key)
                        .valid(validFor(topic, key, tenant + "-db-odd"))
                        .wrongType(wrongType)
                        .build());
                sent.stream()
                        .filter(s -> !(topic.equals(Topics.DEPLOYMENT_STATUS) && statusTaken(s.hostile().kind())))
                        .forEach(expected::add);
            }
            for (TopicSpec<?> topic : onlyViewed) {
                hostile.publish(topic.name(), HostileRecords.forTopic(topic.name(), topic.maxMessageBytes())
                        .key(key)
                        .valid(json(InstanceHealth.newBuilder().setInstanceId(tenant + "-db-odd").setHealth(Health.HEALTH_UP).build()))
                        .wrongType(wrongType)
                        .build());
            }

            // the next valid heartbeat is judged: the instance is UP (the watcher, a strict reader, opens
            // after the garbage written to instance-health above)
            String instance = tenant + "-db-1";
            long[] last = {0};
            try (HealthWatcher watcher = new HealthWatcher(bootstrapServers, key)) {
                watcher.await(Health.HEALTH_UP, TIMEOUT, () -> {
                    if (System.currentTimeMillis() - last[0] >= 500) {
                        last[0] = System.currentTimeMillis();
                        hostile.publishValid(proven(Topics.HEARTBEATS.name(), key, instance, validFor(Topics.HEARTBEATS, key, instance)));
                    }
                }).orElseThrow(() -> new AssertionError("no UP for " + key + " after the hostile records; saw " + watcher.seen()));
            }
            hostile.awaitLetters(HealthTopology.CONSUMER, expected, TIMEOUT);
            HostileRun.assertReady();
        }
    }

    /**
     * What the roster legitimately takes from {@code deployment-status} (intent-service's state, read
     * as each deployment's list of instances): a tombstone (the deployment is gone) and any decodable
     * status under a key of deployment shape; a status naming no instances (another type's JSON,
     * unknown fields only) empties that key's roster. Keys it cannot use at all are dead-lettered.
     */
    private static boolean statusTaken(HostileRecords.Kind kind) {
        return kind == HostileRecords.Kind.TOMBSTONE || kind == HostileRecords.Kind.WRONG_TYPE
                || kind == HostileRecords.Kind.UNKNOWN_FIELDS_ONLY || kind == HostileRecords.Kind.BINARY_KEY
                || kind == HostileRecords.Kind.LARGEST_KEY || kind == HostileRecords.Kind.WRONG_KEY_SHAPE;
    }

    /** A record proven for its instance, as its agent would send it (every hostile one is unproven, too). */
    private org.apache.kafka.clients.producer.ProducerRecord<byte[], byte[]> proven(String topic, String key, String instance, byte[] value) {
        byte[] keyBytes = key.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        var record = new org.apache.kafka.clients.producer.ProducerRecord<byte[], byte[]>(topic, keyBytes, value);
        dev.marina.schemas.proof.MessageProof.sign(proof, topic, record.headers(), keyBytes, value, instance);
        return record;
    }

    private static byte[] validFor(TopicSpec<?> topic, String key, String instance) {
        Instant now = Instant.now();
        if (topic.equals(Topics.HEARTBEATS)) {
            Heartbeat h = Fixtures.heartbeat(instance, now, true, "");
            return json(h.toBuilder().setDeployment(DeploymentKey.parse(key)).setSequence(SEQUENCE.incrementAndGet()).build());
        }
        if (topic.equals(Topics.METRICS)) {
            return json(MetricSample.newBuilder().setDeployment(DeploymentKey.parse(key)).setInstanceId(instance)
                    .setSampledAt(Timestamps.of(now)).putGauges("connections", 1).build());
        }
        return json(DeploymentStatus.newBuilder().setDeployment(DeploymentKey.parse(key)).build());
    }

    private static Set<String> sources(Topology topology) {
        Set<String> topics = new TreeSet<>();
        for (TopologyDescription.Subtopology sub : topology.describe().subtopologies()) {
            for (TopologyDescription.Node node : sub.nodes()) {
                if (node instanceof TopologyDescription.Source source) {
                    topics.addAll(source.topicSet());
                }
            }
        }
        return topics;
    }

    private static byte[] json(Message m) {
        return ProtoJsonSerde.toJson(m).getBytes(StandardCharsets.UTF_8);
    }
}
