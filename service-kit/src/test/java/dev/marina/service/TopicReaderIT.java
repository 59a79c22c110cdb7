package dev.marina.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Message;
import dev.marina.schemas.serde.Decoded;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.topics.CleanupPolicy;
import dev.marina.schemas.topics.TopicSpec;
import dev.marina.schemas.v1.DeploymentRef;
import dev.marina.testkit.SharedKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** {@link TopicReader} against a real broker. */
class TopicReaderIT {

    private final Properties servers = SharedKafka.clientProperties();

    @Test
    void reads_a_state_topic_to_its_end_then_follows_it_and_an_event_topic_from_now_on() throws Exception {
        TopicSpec<DeploymentRef> state = spec("reader-state");
        TopicSpec<DeploymentRef> events = spec("reader-events");
        create(state, events);
        send(state, "acme/a", ref("a"));
        send(state, "acme/b", ref("b"));
        send(state, "acme/a", null); // a tombstone: a is gone
        send(state, "acme/c", "not json".getBytes(StandardCharsets.UTF_8));
        send(events, "acme/old", ref("old")); // before the start: never seen

        Map<String, DeploymentRef> view = new ConcurrentHashMap<>();
        List<String> failed = new CopyOnWriteArrayList<>();
        List<String> seenEvents = new CopyOnWriteArrayList<>();
        AtomicInteger caughtUpCalls = new AtomicInteger();
        AtomicInteger sizeWhenCaughtUp = new AtomicInteger(-1);
        try (TopicReader reader = TopicReader.builder("reader-test", servers)
                .topic(state, TopicReader.Start.BEGINNING, read -> {
                    if (read.tombstone()) {
                        view.remove(read.key());
                    } else if (read.value() instanceof Decoded.Failed<DeploymentRef> f) {
                        failed.add(read.key() + ": " + f.reason());
                    } else {
                        view.put(read.key(), read.value().value());
                    }
                })
                .topic(events, TopicReader.Start.END, read -> seenEvents.add(read.key()))
                .onCaughtUp(() -> {
                    caughtUpCalls.incrementAndGet();
                    sizeWhenCaughtUp.set(view.size());
                })
                .build()) {
            assertFalse(reader.caughtUp());
            assertEquals("not started", reader.problem());
            reader.start();
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(reader::caughtUp);

            assertEquals(1, sizeWhenCaughtUp.get(), "the view was complete when the reader said it caught up");
            assertEquals(Map.of("acme/b", ref("b")), view);
            assertEquals(1, failed.size());
            assertTrue(failed.get(0).startsWith("acme/c: "), failed.get(0));
            assertEquals("", reader.problem());

            send(events, "acme/new", ref("new"));
            send(state, "acme/d", ref("d"));
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> view.containsKey("acme/d") && !seenEvents.isEmpty());
            assertEquals(List.of("acme/new"), seenEvents);
            assertEquals(1, caughtUpCalls.get());
        }
    }

    @Test
    void waits_for_a_missing_topic_and_says_so() {
        TopicSpec<DeploymentRef> late = spec("reader-late");
        List<String> seen = new CopyOnWriteArrayList<>();
        try (TopicReader reader = TopicReader.builder("reader-late-test", servers)
                .topic(late, TopicReader.Start.ago(Duration.ofMinutes(5)), read -> seen.add(read.key()))
                .build()
                .start()) {
            Awaitility.await().atMost(Duration.ofSeconds(20))
                    .until(() -> reader.problem().contains(late.name()));
            assertFalse(reader.caughtUp());
            create(late);
            send(late, "acme/x", ref("x"));
            Awaitility.await().atMost(Duration.ofSeconds(40)).until(() -> seen.contains("acme/x"));
            assertTrue(reader.caughtUp());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void a_failing_handler_starts_the_reader_over_after_its_start_hook() {
        TopicSpec<DeploymentRef> state = spec("reader-restart");
        AtomicInteger starts = new AtomicInteger();
        AtomicInteger failures = new AtomicInteger();
        Map<String, DeploymentRef> view = new ConcurrentHashMap<>();
        try {
            create(state);
            send(state, "acme/a", ref("a"));
            try (TopicReader reader = TopicReader.builder("reader-restart-test", servers)
                    .topic(state, TopicReader.Start.BEGINNING, read -> {
                        if (failures.getAndIncrement() == 0) {
                            throw new IllegalStateException("boom");
                        }
                        view.put(read.key(), read.value().value());
                    })
                    .onStart(() -> {
                        starts.incrementAndGet();
                        view.clear();
                    })
                    .build()
                    .start()) {
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(reader::caughtUp);
                assertEquals(2, starts.get());
                assertEquals(Map.of("acme/a", ref("a")), view);
            }
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static DeploymentRef ref(String name) {
        return DeploymentRef.newBuilder().setTenant("acme").setName(name).build();
    }

    private static TopicSpec<DeploymentRef> spec(String prefix) {
        return new TopicSpec<>(prefix + "-" + UUID.randomUUID().toString().substring(0, 8), TopicSpec.KeyKind.DEPLOYMENT,
                DeploymentRef.getDefaultInstance(), 3, CleanupPolicy.COMPACT, Optional.empty(), "test", "test");
    }

    private void create(TopicSpec<?>... specs) throws Exception {
        Properties props = new Properties();
        props.putAll(SharedKafka.clientProperties());
        try (Admin admin = Admin.create(props)) {
            admin.createTopics(java.util.Arrays.stream(specs)
                    .map(s -> new NewTopic(s.name(), s.partitions(), (short) 1)).toList()).all().get();
        }
    }

    private void send(TopicSpec<?> topic, String key, Object value) throws Exception {
        Properties props = new Properties();
        props.putAll(SharedKafka.clientProperties());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        byte[] bytes = value == null ? null
                : value instanceof byte[] b ? b
                : ProtoJsonSerde.toJson((Message) value).getBytes(StandardCharsets.UTF_8);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
            producer.send(new ProducerRecord<>(topic.name(), key.getBytes(StandardCharsets.UTF_8), bytes)).get();
        }
    }
}
