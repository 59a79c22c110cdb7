package dev.marina.intent.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.marina.intent.Fixtures;
import dev.marina.intent.intake.IntakeDecider;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.topics.TopicBootstrap;
import dev.marina.schemas.topics.Topics;
import dev.marina.testkit.HostileRecords;
import dev.marina.testkit.HostileRun;
import dev.marina.testkit.SharedKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * A restart after a crash comes back by itself even when the partition it stopped in is full of
 * poison (once a 900 KB garbage record on intent-events made a dead letter too large, and every
 * restart met it again; a rejection too large for its topic did the same under exactly-once).
 * intent-service's topology, with the service's own Streams settings, on the real broker, starts on a
 * partition of hostile records not yet committed (as after a crash before them) and must get past
 * them; it is then stopped as a crashed member would be (it does not leave the group), and the next
 * instance with the same application id runs again and reads past the poison to the next valid event.
 */
class PoisonedRestartIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    @Test
    void a_restart_after_a_crash_on_a_poisoned_partition_runs_again_by_itself() throws Exception {
        new TopicBootstrap(SharedKafka.clientProperties(), (short) 1, Duration.ofSeconds(30)).ensure(Topics.ALL);
        String run = UUID.randomUUID().toString().substring(0, 8);
        String key = "poison/i" + run;
        String applicationId = "intent-service-restart-" + run;
        Path state = Files.createTempDirectory("intent-restart-");

        try (HostileRun hostile = HostileRun.watching(Topics.DEAD_LETTERS.name());
                Admin admin = Admin.create(SharedKafka.clientProperties())) {
            hostile.publish(Topics.INTENT_EVENTS.name(), HostileRecords.forTopic(Topics.INTENT_EVENTS.name(),
                            Topics.INTENT_EVENTS.maxMessageBytes())
                    .key(key)
                    .valid(json(Fixtures.delete("poison", "i" + run, run + "-odd-key")))
                    .numericField("expectedGeneration")
                    .build());

            KafkaStreams first = start(applicationId, state);
            awaitRunning(first);
            Awaitility.await().atMost(TIMEOUT).until(() -> !hostile.letters().isEmpty());
            // close() does not leave the group: to the coordinator this is a crashed member. The next instance
            // starts on a fresh state folder, as on another machine: it restores from the changelogs.
            first.close(Duration.ofSeconds(30));

            KafkaStreams second = start(applicationId, Files.createTempDirectory("restarted-"));
            try {
                awaitRunning(second);
                // The service itself may run in this JVM too and read the same records: what proves that
                // this application got past the poison is its own committed position, beyond the valid event.
                HostileRun.Sent valid = hostile.publishValid(Topics.INTENT_EVENTS.name(), null, key,
                        json(Fixtures.delete("poison", "i" + run, run + "-after")));
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

    private static KafkaStreams start(String applicationId, Path state) {
        return TopologyOnBroker.start(applicationId,
                new IntakeDecider(Fixtures.VALIDATOR, Fixtures.countingPasswords(), Fixtures.countingBackupKeys()), state);
    }

    private static void awaitRunning(KafkaStreams streams) {
        Awaitility.await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(200))
                .until(() -> streams.state() == KafkaStreams.State.RUNNING);
    }

    private static byte[] json(com.google.protobuf.Message m) {
        return ProtoJsonSerde.toJson(m).getBytes(StandardCharsets.UTF_8);
    }
}
