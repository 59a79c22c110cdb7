package dev.marina.intent;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.marina.intent.views.DeploymentViews;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.topics.TopicSpec;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.DeploymentRef;
import dev.marina.schemas.v1.Heartbeat;
import dev.marina.schemas.v1.Intent;
import dev.marina.testkit.HostileRecords;
import dev.marina.testkit.HostileRecords.Kind;
import dev.marina.testkit.HostileRun;
import dev.marina.testkit.KafkaTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyDescription;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Every record a hostile client can write to the topics intent-service reads (the Streams topology's
 * inputs and the API's views): the service stays ready, the intake answers the next valid event, and
 * every record that cannot be decoded, every tombstone on an event topic and every fact under no key
 * is on {@code dead-letters} with a reason. What it legitimately lets pass, said here:
 * <ul>
 *   <li>on {@code intent-events}, a decodable event under an odd key, or of unknown fields only: the
 *       intake answers those on {@code intent-rejections}, the channel other systems read;</li>
 *   <li>on the fact topics, a decodable fact under a key no deployment has, or naming none (another
 *       type's JSON, unknown fields only, and in a type without a numeric field the absurd numbers and bad
 *       bytes that land in an unknown field): facts about deployments nobody asked for are dropped, as
 *       events of a deleted deployment are;</li>
 *   <li>on {@code intents} (compacted), a tombstone is the reconciler's own purge; a decodable intent is
 *       state, not a mistake (the valid one sent here is a delete of a deployment never run);</li>
 *   <li>{@code deployment-status} and {@code intent-rejections} are only read by the API's views, which
 *       skip what they cannot use (the dead letters of those topics belong to their acting consumers).</li>
 * </ul>
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
class IntentServiceHostileRecordsIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    @Inject
    Topology topology;

    @Test
    void survives_every_hostile_record_on_every_topic_it_reads() {
        List<TopicSpec<?>> facts = List.of(Topics.PROVISION_EVENTS, Topics.AGENT_EVENTS, Topics.INSTANCE_HEALTH,
                Topics.DNS_EVENTS, Topics.CERT_EVENTS, Topics.DEPLOYMENT_METRICS);
        List<TopicSpec<?>> views = List.of(Topics.DEPLOYMENT_STATUS, Topics.INTENT_REJECTIONS, Topics.BACKUPS,
                Topics.BINLOG_ARCHIVE);
        Set<String> inputs = new TreeSet<>(sources(topology));
        DeploymentViews.INPUTS.forEach(t -> inputs.add(t.name()));
        List<String> covered = new ArrayList<>(List.of(Topics.INTENT_EVENTS.name(), Topics.INTENTS.name()));
        facts.forEach(t -> covered.add(t.name()));
        views.forEach(t -> covered.add(t.name()));
        HostileRun.assertEveryInputCovered(inputs, covered);
        Awaitility.await().atMost(TIMEOUT).ignoreExceptions().untilAsserted(HostileRun::assertReady);

        String run = UUID.randomUUID().toString().substring(0, 8);
        DeploymentRef deployment = DeploymentRef.newBuilder().setTenant("hostile").setName("i" + run).build();
        String key = DeploymentKey.of(deployment);
        byte[] wrongType = json(Heartbeat.newBuilder().setInstanceId("i-1").setEpoch(3).build());
        try (HostileRun hostile = HostileRun.watching(Topics.DEAD_LETTERS.name())) {
            List<HostileRun.Sent> expected = new ArrayList<>();

            Set<Kind> decodable = Set.of(Kind.WRONG_TYPE, Kind.UNKNOWN_FIELDS_ONLY);
            for (HostileRun.Sent s : publish(hostile, Topics.INTENT_EVENTS, key,
                    json(Fixtures.delete("hostile", "i" + run, run + "-odd-key")), wrongType)) {
                if (!s.hostile().kind().validValue() && !decodable.contains(s.hostile().kind())) {
                    expected.add(s);
                }
            }
            for (TopicSpec<?> topic : facts) {
                // absurd numbers and bad bytes in a string are refused only where they meet a numeric field;
                // in a type without one they land in an unknown field, and the fact decodes (naming no deployment)
                Set<Kind> alsoDecodable = hasNumericField(topic.prototype()) ? Set.of()
                        : Set.of(Kind.LARGEST_JSON_STRING, Kind.HUGE_NUMBER, Kind.HUGE_EXPONENT, Kind.INVALID_UTF8);
                for (HostileRun.Sent s : publish(hostile, topic, key, validFact(topic, deployment), wrongType)) {
                    Kind kind = s.hostile().kind();
                    if (kind == Kind.NULL_KEY
                            || !(kind.validValue() || decodable.contains(kind) || alsoDecodable.contains(kind))) {
                        expected.add(s);
                    }
                }
            }
            Intent gone = Intent.newBuilder().setDeployment(deployment).setDeleted(true).build();
            for (HostileRun.Sent s : publish(hostile, Topics.INTENTS, key, json(gone), wrongType)) {
                Kind kind = s.hostile().kind();
                if (kind != Kind.TOMBSTONE && !kind.validValue() && !decodable.contains(kind)) {
                    expected.add(s);
                }
            }
            for (TopicSpec<?> topic : views) {
                publish(hostile, topic, key, json(topic.prototype()), wrongType);
            }

            String request = run + "-after";
            hostile.awaitValueContaining(Topics.INTENT_REJECTIONS.name(), request,
                    () -> hostile.publishValid(Topics.INTENT_EVENTS.name(), null, key,
                            json(Fixtures.delete("hostile", "i" + run, request))), TIMEOUT);
            hostile.awaitLetters("intent-service", expected, TIMEOUT);
            HostileRun.assertReady();
        }
    }

    private static List<HostileRun.Sent> publish(HostileRun hostile, TopicSpec<?> topic, String key, byte[] valid,
            byte[] wrongType) {
        return hostile.publish(topic.name(), HostileRecords.forTopic(topic.name(), topic.maxMessageBytes())
                .key(key)
                .valid(valid)
                .wrongType(wrongType)
                .numericField(numericField(topic.prototype()))
                .build());
    }

    /** A fact of the topic's type about the deployment, and nothing else. */
    private static byte[] validFact(TopicSpec<?> topic, DeploymentRef deployment) {
        Message.Builder b = topic.prototype().newBuilderForType();
        FieldDescriptor field = b.getDescriptorForType().findFieldByName("deployment");
        if (field != null) {
            b.setField(field, deployment);
        }
        return json(b.build());
    }

    /** The JSON name of the type's first numeric field, so that absurd numbers meet a real field. */
    private static String numericField(Message prototype) {
        return numericFields(prototype).findFirst().orElse("epoch");
    }

    private static boolean hasNumericField(Message prototype) {
        return numericFields(prototype).findFirst().isPresent();
    }

    private static java.util.stream.Stream<String> numericFields(Message prototype) {
        return prototype.getDescriptorForType().getFields().stream()
                .filter(f -> f.getJavaType() == FieldDescriptor.JavaType.LONG || f.getJavaType() == FieldDescriptor.JavaType.INT)
                .filter(f -> !f.isRepeated())
                .map(FieldDescriptor::getJsonName);
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
