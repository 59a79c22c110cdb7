package dev.marina.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Message;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.topics.CleanupPolicy;
import dev.marina.schemas.topics.TopicSpec;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.DeadLetter;
import dev.marina.schemas.v1.DeploymentRef;
import dev.marina.testkit.SharedKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** {@link CommandWorker} against a real broker: answers, dead letters, committed positions. */
class CommandWorkerIT {

    private final Properties servers = SharedKafka.clientProperties();

    @Test
    void answers_good_commands_dead_letters_the_rest_and_commits_past_all_of_them() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        TopicSpec<DeploymentRef> commands = new TopicSpec<>("worker-commands-" + suffix, TopicSpec.KeyKind.DEPLOYMENT,
                DeploymentRef.getDefaultInstance(), 1, CleanupPolicy.DELETE, Optional.of(Duration.ofDays(1)), "test", "test");
        TopicSpec<DeploymentRef> answers = new TopicSpec<>("worker-answers-" + suffix, TopicSpec.KeyKind.DEPLOYMENT,
                DeploymentRef.getDefaultInstance(), 1, CleanupPolicy.DELETE, Optional.of(Duration.ofDays(1)), "test", "test");
        try (Admin admin = Admin.create(SharedKafka.clientProperties())) {
            admin.createTopics(List.of(new NewTopic(commands.name(), 1, (short) 1))).all().get();
        }
        send(commands, "acme/a", json(ref("a")));
        send(commands, "acme/b", "{not json".getBytes(StandardCharsets.UTF_8));
        send(commands, "acme/c", json(ref("")));           // fails the check
        send(commands, "acme/d", json(ref("boom")));       // the handler throws
        send(commands, "acme/e", null);                    // a tombstone: skipped
        send(commands, "acme/f", json(ref("f")));
        send(commands, "acme/g", json(ref("too-large")));  // its answer is refused for its size
        send(commands, "acme/h", json(ref("h")));

        List<String> answered = new CopyOnWriteArrayList<>();
        List<DeadLetter> letters = new CopyOnWriteArrayList<>();
        AtomicInteger boomAttempts = new AtomicInteger();
        AtomicInteger refusedSends = new AtomicInteger();
        String group = "worker-" + suffix;
        try (CommandWorker<DeploymentRef> worker = CommandWorker.builder(group, commands, servers)
                .check((key, ref) -> ref.getName().isEmpty() ? Optional.of("no name") : Optional.empty())
                .handler((key, ref) -> {
                    if (ref.getName().equals("boom")) {
                        boomAttempts.incrementAndGet();
                        throw new IllegalStateException("the driver broke");
                    }
                    return Optional.of(new CommandWorker.Answer(answers, key, ref));
                })
                .sender((topic, key, value) -> {
                    if (topic.equals(Topics.DEAD_LETTERS)) {
                        letters.add((DeadLetter) value);
                    } else if (((DeploymentRef) value).getName().equals("too-large")) {
                        refusedSends.incrementAndGet();
                        return CompletableFuture.failedFuture(new RecordTooLargeException("the record is too large"));
                    } else {
                        answered.add(topic.name() + " " + key);
                    }
                    return CompletableFuture.completedFuture(null);
                })
                .build()
                .start()) {
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> answered.size() == 3 && letters.size() == 4);
            assertEquals(List.of(answers.name() + " acme/a", answers.name() + " acme/f", answers.name() + " acme/h"), answered);
            assertEquals(List.of("acme/b", "acme/c", "acme/d", "acme/g"),
                    letters.stream().map(l -> l.getKey().toStringUtf8()).toList());
            assertTrue(letters.get(0).getReason().contains("DeploymentRef"), letters.get(0).getReason());
            assertEquals("no name", letters.get(1).getReason());
            assertEquals("handling failed after 3 attempts: the driver broke", letters.get(2).getReason());
            assertEquals(3, boomAttempts.get(), "tried a bounded number of times");
            assertEquals(group, letters.get(2).getConsumer());
            assertEquals(3, letters.get(2).getSourceOffset());
            assertTrue(letters.get(3).getReason().contains("refused") && letters.get(3).getReason().contains("RecordTooLarge"),
                    letters.get(3).getReason());
            assertEquals(1, refusedSends.get(), "an answer refused for its content is not sent again");
            assertTrue(worker.assigned());

            TopicPartition p0 = new TopicPartition(commands.name(), 0);
            try (Admin admin = Admin.create(SharedKafka.clientProperties())) {
                Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
                    Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                            .partitionsToOffsetAndMetadata().get();
                    return committed.containsKey(p0) && committed.get(p0).offset() == 8;
                });
            }
        }
    }

    @Test
    void lanes_let_other_deployments_pass_a_slow_one_keep_each_in_order_and_commit_only_behind_the_slow_one() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        TopicSpec<DeploymentRef> commands = new TopicSpec<>("lane-commands-" + suffix, TopicSpec.KeyKind.DEPLOYMENT,
                DeploymentRef.getDefaultInstance(), 1, CleanupPolicy.DELETE, Optional.of(Duration.ofDays(1)), "test", "test");
        TopicSpec<DeploymentRef> answers = new TopicSpec<>("lane-answers-" + suffix, TopicSpec.KeyKind.DEPLOYMENT,
                DeploymentRef.getDefaultInstance(), 1, CleanupPolicy.DELETE, Optional.of(Duration.ofDays(1)), "test", "test");
        try (Admin admin = Admin.create(SharedKafka.clientProperties())) {
            admin.createTopics(List.of(new NewTopic(commands.name(), 1, (short) 1))).all().get();
        }
        // offset 0: slow's first command, held; then slow's second, and four of other deployments
        send(commands, "acme/slow", json(ref("slow")));
        send(commands, "acme/slow", json(ref("slow")));
        for (String name : List.of("b", "c", "d", "e")) {
            send(commands, "acme/" + name, json(ref(name)));
        }
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        AtomicInteger slowSeen = new AtomicInteger();
        List<String> answered = new CopyOnWriteArrayList<>();
        String group = "lanes-" + suffix;
        TopicPartition p0 = new TopicPartition(commands.name(), 0);
        try (CommandWorker<DeploymentRef> worker = CommandWorker.builder(group, commands, servers)
                .parallel(4)
                .handler((key, ref) -> {
                    if (ref.getName().equals("slow") && slowSeen.incrementAndGet() == 1) {
                        release.await();
                        answered.add("slow#1");
                    } else if (ref.getName().equals("slow")) {
                        answered.add("slow#2");
                    } else {
                        answered.add(ref.getName());
                    }
                    return Optional.of(new CommandWorker.Answer(answers, key, ref));
                })
                .sender((topic, key, value) -> CompletableFuture.completedFuture(null))
                .build()
                .start();
                Admin admin = Admin.create(SharedKafka.clientProperties())) {
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> answered.size() == 4);
            assertEquals(java.util.Set.of("b", "c", "d", "e"), java.util.Set.copyOf(answered),
                    "the other deployments are carried out while the slow one's first command is held");
            assertEquals(1, slowSeen.get(), "the slow deployment's second command waits for its first");
            Thread.sleep(1_000);
            Map<TopicPartition, OffsetAndMetadata> held = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get();
            assertTrue(!held.containsKey(p0) || held.get(p0).offset() == 0,
                    "nothing is committed past the held command: " + held);

            release.countDown();
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> answered.size() == 6);
            assertTrue(answered.indexOf("slow#1") < answered.indexOf("slow#2"), answered.toString());
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                        .partitionsToOffsetAndMetadata().get();
                return committed.containsKey(p0) && committed.get(p0).offset() == 6;
            });
        }
    }

    private static DeploymentRef ref(String name) {
        return DeploymentRef.newBuilder().setTenant("acme").setName(name).build();
    }

    private static byte[] json(Message m) {
        return ProtoJsonSerde.toJson(m).getBytes(StandardCharsets.UTF_8);
    }

    private void send(TopicSpec<?> topic, String key, byte[] value) throws Exception {
        Properties props = SharedKafka.clientProperties();
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
            producer.send(new ProducerRecord<>(topic.name(), key.getBytes(StandardCharsets.UTF_8), value)).get();
        }
    }
}
