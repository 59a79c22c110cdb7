package dev.marina.agent;

import com.google.protobuf.Message;
import dev.marina.agent.kafka.CommandPartition;
import dev.marina.agent.database.MariaDbSettings;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.topics.TopicBootstrap;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.AgentCommand;
import dev.marina.schemas.v1.AgentOp;
import dev.marina.schemas.v1.Heartbeat;
import dev.marina.testkit.HostileRecords;
import dev.marina.testkit.HostileRecords.Kind;
import dev.marina.testkit.HostileRun;
import dev.marina.testkit.SharedKafka;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Every record a hostile client can write to the agent's partition of {@code agent-commands} (the one
 * topic an agent reads): the agent dead-letters each it cannot use with a reason, and answers the next
 * valid command (proven, as the platform's are; every hostile one is unproven as well, and a
 * decodable one for this instance is refused for that). It legitimately lets two kinds pass, said here: a command that decodes but names
 * another instance (another type's JSON, unknown fields only) is skipped, because the partition carries
 * the commands of every instance of the deployment (and of others); and it does not look at keys (its
 * partition is chosen by its deployment key), so a valid command under an odd key is carried out.
 */
class AgentHostileRecordsIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    /** The topics an agent reads (its command loop's one topic). */
    private static final List<String> INPUTS = List.of(Topics.AGENT_COMMANDS.name());

    @Test
    void survives_every_hostile_record_on_its_partition_of_agent_commands() throws Exception {
        HostileRun.assertEveryInputCovered(INPUTS, List.of(Topics.AGENT_COMMANDS.name()));
        String servers = SharedKafka.bootstrapServers();
        new TopicBootstrap(SharedKafka.clientProperties(), (short) 1, Duration.ofSeconds(30)).ensure(Topics.ALL);
        Path home = Files.createTempDirectory("marina-agent-hostile-");
        String tenant = "hostile" + UUID.randomUUID().toString().substring(0, 8);
        String key = tenant + "/orders";
        String id = tenant + "-orders-1";
        AgentSettings settings = new AgentSettings(new InstanceIdentity(id, key, LocalServers.freeAddress()),
                new InstanceFiles(home.resolve("instances").resolve(id)), home, Optional.of(Instant.now().minusSeconds(5)),
                SharedKafka.agentClientProperties(id), home.resolve("secrets/platform.key"), TestProofs.keyFile(new InstanceFiles(home.resolve("instances").resolve(id)), key, id),
                Duration.ofMillis(200), Duration.ofSeconds(5), MariaDbSettings.defaults());
        int partition = CommandPartition.of(key, Topics.AGENT_COMMANDS.partitions());

        try (HostileRun hostile = HostileRun.watching(Topics.DEAD_LETTERS.name());
                Agent agent = Agent.start(settings, new SimpleMeterRegistry())) {
            List<HostileRun.Sent> sent = hostile.publish(Topics.AGENT_COMMANDS.name(), partition,
                    HostileRecords.forTopic(Topics.AGENT_COMMANDS.name(), Topics.AGENT_COMMANDS.maxMessageBytes())
                            .key(key)
                            .valid(json(promote(id, key, "odd-key")))
                            .wrongType(json(Heartbeat.newBuilder().setInstanceId("i-1").setEpoch(3).build()))
                            .numericField("epoch")
                            .build());
            Set<Kind> passed = Set.of(Kind.WRONG_TYPE, Kind.UNKNOWN_FIELDS_ONLY);
            List<HostileRun.Sent> expected = sent.stream()
                    .filter(s -> !s.hostile().kind().validValue() && !passed.contains(s.hostile().kind())).toList();

            String after = tenant + "-after";
            hostile.awaitValueContaining(Topics.AGENT_EVENTS.name(), after,
                    () -> hostile.publishValid(onPartition(TestProofs.proven(Topics.AGENT_COMMANDS.name(), key, promote(id, key, after)), partition)),
                    TIMEOUT);
            hostile.awaitLetters("agent", expected, TIMEOUT);
        } finally {
            LocalServers.killServersUnder(home);
        }
    }

    /** A command the agent answers at once without a database: PROMOTE, refused since nothing is deployed. */
    private static AgentCommand promote(String id, String key, String commandId) {
        return AgentCommand.newBuilder().setCommandId(commandId).setInstanceId(id).setOp(AgentOp.AGENT_OP_PROMOTE)
                .setEpoch(1).setDeployment(DeploymentKey.parse(key)).build();
    }

    private static org.apache.kafka.clients.producer.ProducerRecord<byte[], byte[]> onPartition(
            org.apache.kafka.clients.producer.ProducerRecord<byte[], byte[]> record, int partition) {
        return new org.apache.kafka.clients.producer.ProducerRecord<>(record.topic(), partition, record.key(), record.value(), record.headers());
    }

    private static byte[] json(Message m) {
        return ProtoJsonSerde.toJson(m).getBytes(StandardCharsets.UTF_8);
    }
}
