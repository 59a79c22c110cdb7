package dev.marina.cert;

import dev.marina.testkit.TopicTail;
import com.google.protobuf.Message;
import dev.marina.cert.commands.CertController;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.topics.TopicSpec;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.CertCommand;
import dev.marina.schemas.v1.CertEvent;
import dev.marina.schemas.v1.CertOp;
import dev.marina.schemas.v1.DeploymentRef;
import dev.marina.schemas.v1.DnsEvent;
import dev.marina.schemas.v1.DnsOutcome;
import dev.marina.schemas.v1.Heartbeat;
import dev.marina.schemas.v1.TlsMode;
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
 * Every record a hostile client can write to the topics cert-service reads. On {@code cert-commands}
 * each is dead-lettered with a reason (a valid command under a key that is not its deployment too,
 * and a tombstone: commands are never deleted) and the next valid command is answered. On
 * {@code dns-events} cert-service only looks for the answers to its own challenge wishes and
 * dead-letters nothing (the topic's dead letters are intent-service's, its main reader): it must stay
 * ready and keep answering.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
class CertServiceHostileRecordsIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    @Test
    void survives_every_hostile_record_on_every_topic_it_reads() {
        HostileRun.assertEveryInputCovered(CertController.INPUTS.stream().map(TopicSpec::name).toList(),
                List.of(Topics.CERT_COMMANDS.name(), Topics.DNS_EVENTS.name()));
        Awaitility.await().atMost(TIMEOUT).ignoreExceptions().untilAsserted(HostileRun::assertReady);

        String run = UUID.randomUUID().toString().substring(0, 8);
        String key = "hostile/c" + run;
        try (HostileRun hostile = HostileRun.watching(Topics.DEAD_LETTERS.name());
                TopicTail<CertEvent> events = new TopicTail<>(Topics.CERT_EVENTS)) {
            hostile.publish(Topics.DNS_EVENTS.name(), HostileRecords.forTopic(Topics.DNS_EVENTS.name(),
                            Topics.DNS_EVENTS.maxMessageBytes())
                    .key(key)
                    .valid(json(DnsEvent.newBuilder().setCommandId(run + "/dns").setPurpose("acme-challenge")
                            .setOutcome(DnsOutcome.DNS_OUTCOME_APPLIED).build()))
                    .wrongType(json(Heartbeat.newBuilder().setInstanceId("i-1").setEpoch(3).build()))
                    .build());
            List<HostileRun.Sent> sent = hostile.publish(Topics.CERT_COMMANDS.name(), HostileRecords.forTopic(
                            Topics.CERT_COMMANDS.name(), Topics.CERT_COMMANDS.maxMessageBytes())
                    .key(key)
                    .valid(json(revoke(run, "valid-under-an-odd-key")))
                    .wrongType(json(Heartbeat.newBuilder().setInstanceId("i-1").setEpoch(3).build()))
                    .numericField("op")
                    .build());
            hostile.publishValid(Topics.CERT_COMMANDS.name(), null, key, json(revoke(run, "after")));

            events.await(e -> e.getCommandId().equals(run + "/after"), TIMEOUT, "the answer to the valid command after them");
            hostile.awaitLetters("cert-service", sent, TIMEOUT);
            HostileRun.assertReady();
        }
    }

    private static CertCommand revoke(String run, String name) {
        return CertCommand.newBuilder()
                .setCommandId(run + "/" + name)
                .setDeployment(DeploymentRef.newBuilder().setTenant("hostile").setName("c" + run))
                .setInstanceId("i-1")
                .setOp(CertOp.CERT_OP_REVOKE)
                .setMode(TlsMode.TLS_MODE_SELF_SIGNED)
                .setSerial("0a1b2c")
                .build();
    }

    private static byte[] json(Message m) {
        return ProtoJsonSerde.toJson(m).getBytes(StandardCharsets.UTF_8);
    }
}
