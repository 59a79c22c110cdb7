package dev.marina.healthmonitor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.Message;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.topics.TopicBootstrap;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.Heartbeat;
import dev.marina.schemas.access.Role;
import dev.marina.service.StreamsDefaults;
import dev.marina.testkit.HostileRecords;
import dev.marina.testkit.HostileRun;
import dev.marina.testkit.SharedKafka;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * A restart after a crash comes back by itself even when the partition it stopped in is full of
 * poison: health-monitor's topology, with the service's own Streams settings, on the real broker,
 * starts on a partition of hostile heartbeats not yet committed (as after a crash before them) and must
 * get past them; it is then stopped as a crashed member would be (it does not leave the group), and
 * the next instance with the same application id runs again and reads past the poison to the next
 * valid heartbeat.
 */
class PoisonedRestartIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    @Test
    void a_restart_after_a_crash_on_a_poisoned_partition_runs_again_by_itself() throws Exception {
        Properties servers = SharedKafka.clientProperties(Role.HEALTH_MONITOR);
        new TopicBootstrap(SharedKafka.clientProperties(), (short) 1, Duration.ofSeconds(30)).ensure(Topics.ALL);
        String tenant = "poison-" + UUID.randomUUID().toString().substring(0, 8);
        String key = DeploymentKey.of(tenant, "db");
        String applicationId = "health-monitor-restart-" + tenant;
        Path state = Files.createTempDirectory("health-restart-");

        try (HostileRun hostile = HostileRun.watching(Topics.DEAD_LETTERS.name());
                Admin admin = Admin.create(SharedKafka.clientProperties())) {
            hostile.publish(Topics.HEARTBEATS.name(), HostileRecords.forTopic(
                            Topics.HEARTBEATS.name(), Topics.HEARTBEATS.maxMessageBytes())
                    .key(key)
                    .valid(heartbeat(key, tenant + "-db-odd", 1))
                    .build());

            KafkaStreams first = start(applicationId, servers, state);
            awaitRunning(first);
            // at least the first poison was met before the crash
            Awaitility.await().atMost(TIMEOUT).until(() -> !hostile.letters().isEmpty());
            // close() does not leave the group: to the coordinator this is a crashed member. The next instance
            // starts on a fresh state folder, as on another machine: it restores from the changelogs.
            first.close(Duration.ofSeconds(30));

            KafkaStreams second = start(applicationId, servers, Files.createTempDirectory("restarted-"));
            try {
                awaitRunning(second);
                // The service itself may run in this JVM too and read the same records: what proves that
                // this application got past the poison is its own committed position, beyond the valid record.
                HostileRun.Sent valid = hostile.publishValid(Topics.HEARTBEATS.name(), null, key,
                        heartbeat(key, tenant + "-db-1", 10));
                TopicPartition partition = new TopicPartition(valid.topic(), valid.partition());
                Awaitility.await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(500)).until(() -> {
                    OffsetAndMetadata committed = admin.listConsumerGroupOffsets(applicationId)
                            .partitionsToOffsetAndMetadata().get().get(partition);
                    return committed != null && committed.offset() > valid.offset();
                });
                assertEquals(KafkaStreams.State.RUNNING, second.state());
            } finally {
                second.close(Duration.ofSeconds(10));
            }
        }
    }

    private static KafkaStreams start(String applicationId, Properties servers, Path state) {
        Properties props = StreamsDefaults.properties(applicationId, servers);
        props.putAll(SharedKafka.clientProperties());
        props.setProperty(StreamsConfig.STATE_DIR_CONFIG, state.toString());
        props.setProperty(StreamsConfig.NUM_STREAM_THREADS_CONFIG, "1");
        KafkaStreams streams = new KafkaStreams(HealthTopology.build(HealthSettings.defaults(),
                new HealthMetrics(new SimpleMeterRegistry()), new dev.marina.schemas.proof.PlatformProofKey(new byte[32]),
                dev.marina.service.Proofs.counting(new SimpleMeterRegistry()), HeartbeatEnds.UNKNOWN), props);
        streams.start();
        return streams;
    }

    private static void awaitRunning(KafkaStreams streams) {
        Awaitility.await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(200))
                .until(() -> streams.state() == KafkaStreams.State.RUNNING);
    }

    private static byte[] heartbeat(String key, String instance, long sequence) {
        Heartbeat h = Fixtures.heartbeat(instance, Instant.now(), true, "").toBuilder()
                .setDeployment(DeploymentKey.parse(key)).setSequence(sequence).build();
        return json(h);
    }

    private static byte[] json(Message m) {
        return ProtoJsonSerde.toJson(m).getBytes(StandardCharsets.UTF_8);
    }
}
