package dev.marina.dns;

import dev.marina.testkit.TopicTail;
import com.google.protobuf.Message;
import dev.marina.dns.commands.DnsController;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.topics.TopicSpec;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.DeploymentRef;
import dev.marina.schemas.v1.DnsCommand;
import dev.marina.schemas.v1.DnsEvent;
import dev.marina.schemas.v1.Heartbeat;
import dev.marina.testkit.HostileRecords;
import dev.marina.testkit.HostileRun;
import dev.marina.testkit.KafkaTestResource;
import dev.marina.testkit.SharedKafka;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Every record a hostile client can write to the topics dns-service reads: it stays ready, dead-letters
 * each with a reason (a valid command under a key that is not its wish too), and answers the next
 * valid command on each topic. Tombstones are the one exception: both topics are compacted, and a
 * tombstone there means "the deployment's wish is gone", which dns-service honours without a letter.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
class DnsServiceHostileRecordsIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    @Test
    void survives_every_hostile_record_on_every_topic_it_reads() {
        List<TopicSpec<?>> covered = List.of(Topics.DNS_COMMANDS, Topics.DNS_CHALLENGES);
        HostileRun.assertEveryInputCovered(DnsController.INPUTS.stream().map(TopicSpec::name).toList(),
                covered.stream().map(TopicSpec::name).toList());
        Awaitility.await().atMost(TIMEOUT).ignoreExceptions().untilAsserted(HostileRun::assertReady);

        String run = UUID.randomUUID().toString().substring(0, 8);
        DeploymentRef deployment = DeploymentRef.newBuilder().setTenant("hostile").setName("d" + run).build();
        try (HostileRun hostile = HostileRun.watching(Topics.DEAD_LETTERS.name());
                TopicTail<DnsEvent> events = new TopicTail<>(Topics.DNS_EVENTS)) {
            List<HostileRun.Sent> expected = new ArrayList<>();
            for (TopicSpec<?> topic : covered) {
                String purpose = topic.equals(Topics.DNS_CHALLENGES) ? "acme-challenge" : "";
                String key = "hostile/d" + run + (purpose.isEmpty() ? "" : "#" + purpose);
                List<HostileRun.Sent> sent = hostile.publish(topic.name(), HostileRecords.forTopic(topic.name(),
                                topic.maxMessageBytes())
                        .key(key)
                        .valid(json(command(deployment, run + "/odd-key", purpose)))
                        .wrongType(json(Heartbeat.newBuilder().setInstanceId("i-1").setEpoch(3).build()))
                        .numericField("removeAll")
                        .build());
                sent.stream().filter(s -> s.hostile().kind() != HostileRecords.Kind.TOMBSTONE).forEach(expected::add);
                hostile.publishValid(topic.name(), null, key, json(command(deployment, run + "/after/" + topic.name(), purpose)));
            }

            for (TopicSpec<?> topic : covered) {
                events.await(e -> e.getCommandId().equals(run + "/after/" + topic.name()), TIMEOUT,
                        "the answer to the valid command after them on " + topic.name());
            }
            hostile.awaitLetters("dns-service", expected, TIMEOUT);
            HostileRun.assertReady();
        }
    }

    private static DnsCommand command(DeploymentRef deployment, String id, String purpose) {
        return DnsCommand.newBuilder()
                .setCommandId(id)
                .setDeployment(deployment)
                .setZone("marina.test")
                .setPurpose(purpose)
                .setRemoveAll(true)
                .build();
    }

    private static byte[] json(Message m) {
        return ProtoJsonSerde.toJson(m).getBytes(StandardCharsets.UTF_8);
    }
}
