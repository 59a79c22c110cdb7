package dev.marina.intent.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.marina.intent.Fixtures;
import dev.marina.intent.intake.IntakeDecider;
import dev.marina.intent.intake.IntakeDecision;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.topics.TopicBootstrap;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.Intent;
import dev.marina.schemas.v1.IntentEvent;
import dev.marina.schemas.v1.ReconcilerState;
import dev.marina.testkit.SharedKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * State written by the version that kept the stores as proto3 JSON is restored and used by this one,
 * which writes protobuf bytes ({@code ProtoStoreSerde}): an upgrade needs no state deleted. Both
 * stores' changelogs are filled with JSON values as the earlier version left them, the topology
 * starts on an empty state folder (so it restores from them, as on a new machine), and then
 * <ul>
 *   <li>the reconciler's restored state reads back equal to what was written;</li>
 *   <li>intake decides against the restored intent: a change that expects its generation (3) is
 *       accepted as generation 4, which it would refuse had the stored intent not been read.</li>
 * </ul>
 */
class JsonStateUpgradeIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    @Test
    void state_kept_as_json_by_the_earlier_version_is_restored_and_decided_on() throws Exception {
        new TopicBootstrap(SharedKafka.clientProperties(), (short) 1, Duration.ofSeconds(30)).ensure(Topics.ALL);
        String run = UUID.randomUUID().toString().substring(0, 8);
        String applicationId = "intent-service-upgrade-" + run;
        String name = "u" + run;
        String key = DeploymentKey.of(Fixtures.ref("upgrade", name));
        IntakeDecider decider = new IntakeDecider(Fixtures.VALIDATOR, Fixtures.countingPasswords(), Fixtures.countingBackupKeys());

        Intent stored = ((IntakeDecision.Accepted) decider.decide(key, Fixtures.apply("upgrade", name, Fixtures.mariadb(), "r1"),
                null, Instant.now())).intent().toBuilder().setGeneration(3).build();
        ReconcilerState state = ReconcilerState.newBuilder().setDesired(stored).setNextInstanceNumber(4).setEpoch(2)
                .setLastError("kept across the upgrade").build();

        try (Admin admin = Admin.create(SharedKafka.clientProperties());
                KafkaProducer<String, byte[]> producer = new KafkaProducer<>(producerProps(), new StringSerializer(), new ByteArraySerializer())) {
            int partitions = Topics.INTENT_EVENTS.partitions();
            Map<String, byte[]> changelogs = Map.of(
                    applicationId + "-" + IntentTopology.INTAKE_STORE + "-changelog", json(stored),
                    applicationId + "-" + IntentTopology.RECONCILER_STORE + "-changelog", json(state));
            for (var changelog : changelogs.entrySet()) {
                admin.createTopics(List.of(new NewTopic(changelog.getKey(), partitions, (short) 1)
                        .configs(Map.of("cleanup.policy", "compact")))).all().get();
                // keyed like the store's task: the default partitioner hashes the key as Streams' sinks do
                producer.send(new ProducerRecord<>(changelog.getKey(), key, changelog.getValue())).get();
            }
        }

        KafkaStreams streams = TopologyOnBroker.start(applicationId, decider, Files.createTempDirectory("intent-upgrade-"));
        try {
            Awaitility.await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(200))
                    .until(() -> streams.state() == KafkaStreams.State.RUNNING);
            assertEquals(state, store(streams, IntentTopology.RECONCILER_STORE).get(key), "the restored reconciler state");

            IntentEvent change = Fixtures.apply("upgrade", name, Fixtures.mariadb().toBuilder().setReplicas(1).build(), "r2")
                    .toBuilder().setExpectedGeneration(3).build();
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(producerProps(), new StringSerializer(), new ByteArraySerializer())) {
                producer.send(new ProducerRecord<>(Topics.INTENT_EVENTS.name(), key, json(change))).get();
            }
            Awaitility.await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                Intent now = (Intent) store(streams, IntentTopology.INTAKE_STORE).get(key);
                assertNotNull(now);
                assertEquals(4, now.getGeneration(), "accepted against the restored generation 3");
            });
        } finally {
            streams.close(Duration.ofSeconds(10));
        }
    }

    private static ReadOnlyKeyValueStore<String, Object> store(KafkaStreams streams, String name) {
        return streams.store(StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.<String, Object>keyValueStore()));
    }

    private static Properties producerProps() {
        Properties props = SharedKafka.clientProperties();
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        return props;
    }

    private static byte[] json(com.google.protobuf.Message m) {
        return ProtoJsonSerde.toJson(m).getBytes(StandardCharsets.UTF_8);
    }
}
