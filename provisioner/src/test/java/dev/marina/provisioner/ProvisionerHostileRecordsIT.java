package dev.marina.provisioner;

import dev.marina.testkit.TopicTail;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.Message;
import dev.marina.provisioner.commands.ProvisionCommandConsumer;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.topics.TopicSpec;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.DeploymentRef;
import dev.marina.schemas.v1.Heartbeat;
import dev.marina.schemas.v1.ProvisionCommand;
import dev.marina.schemas.v1.ProvisionEvent;
import dev.marina.schemas.v1.ProvisionOp;
import dev.marina.testkit.HostileRecords;
import dev.marina.testkit.HostileRun;
import dev.marina.testkit.KafkaTestResource;
import dev.marina.testkit.SharedKafka;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Every record a hostile client can write to the topics the provisioner reads: the provisioner stays
 * ready, dead-letters each with a reason (a tombstone too: commands are never deleted; a valid command
 * under a key that is not its deployment too), and carries out the next valid command.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
class ProvisionerHostileRecordsIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    @Test
    void survives_every_hostile_record_on_every_topic_it_reads() {
        HostileRun.assertEveryInputCovered(ProvisionCommandConsumer.INPUTS.stream().map(TopicSpec::name).toList(),
                List.of(Topics.PROVISION_COMMANDS.name()));
        Awaitility.await().atMost(TIMEOUT).ignoreExceptions().untilAsserted(HostileRun::assertReady);

        String run = UUID.randomUUID().toString().substring(0, 8);
        String key = "hostile/p" + run;
        try (HostileRun hostile = HostileRun.watching(Topics.DEAD_LETTERS.name());
                TopicTail<ProvisionEvent> events = new TopicTail<>(Topics.PROVISION_EVENTS)) {
            List<HostileRecords.Hostile> records = HostileRecords.forTopic(Topics.PROVISION_COMMANDS.name(),
                            Topics.PROVISION_COMMANDS.maxMessageBytes())
                    .key(key)
                    .valid(json(destroy(run, "valid-under-an-odd-key")))
                    .wrongType(json(Heartbeat.newBuilder().setInstanceId("i-1").setEpoch(3).build()))
                    .numericField("op")
                    .build();
            List<HostileRun.Sent> sent = hostile.publish(Topics.PROVISION_COMMANDS.name(), records);
            hostile.publishValid(Topics.PROVISION_COMMANDS.name(), null, key, json(destroy(run, "after")));

            events.await(e -> e.getCommandId().equals(run + "/after"), TIMEOUT, "the answer to the valid command after them");
            hostile.awaitLetters("provisioner", sent, TIMEOUT);
            assertEquals(List.of(), events.seen(e -> e.getCommandId().equals(run + "/valid-under-an-odd-key")),
                    "a command under a key that is not its deployment is not carried out");
            HostileRun.assertReady();
        }
    }

    private static ProvisionCommand destroy(String run, String name) {
        return ProvisionCommand.newBuilder()
                .setCommandId(run + "/" + name)
                .setDeployment(DeploymentRef.newBuilder().setTenant("hostile").setName("p" + run))
                .setInstanceId("hostile-" + run)
                .setOp(ProvisionOp.PROVISION_OP_DESTROY)
                .build();
    }

    private static byte[] json(Message m) {
        return ProtoJsonSerde.toJson(m).getBytes(StandardCharsets.UTF_8);
    }
}
