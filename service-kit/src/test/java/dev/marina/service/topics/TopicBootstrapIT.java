package dev.marina.service.topics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.schemas.topics.CleanupPolicy;
import dev.marina.schemas.topics.TopicBootstrap;
import dev.marina.schemas.topics.TopicSpec;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.Intent;
import dev.marina.testkit.LocalKafka;
import dev.marina.testkit.SharedKafka;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/** The topic bootstrap against a real broker. */
class TopicBootstrapIT {

    private final Properties servers = SharedKafka.clientProperties();

    @Test
    void creates_every_catalogue_topic_then_verifies_them_without_change() throws Exception {
        TopicBootstrap bootstrap = new TopicBootstrap(SharedKafka.clientProperties(), (short) 1, Duration.ofSeconds(30));
        bootstrap.ensure(Topics.ALL);   // may create or find them (other tests share the broker)

        TopicBootstrap.Result second = bootstrap.ensure(Topics.ALL);
        assertEquals(List.of(), second.created(), "a second run creates nothing");
        assertEquals(Topics.ALL.size(), second.verified().size());

        try (Admin admin = admin()) {
            Map<String, TopicDescription> described = admin.describeTopics(
                    Topics.ALL.stream().map(TopicSpec::name).toList()).allTopicNames().get();
            for (TopicSpec<?> t : Topics.ALL) {
                assertEquals(t.partitions(), described.get(t.name()).partitions().size(), t.name());
            }
        }
    }

    @Test
    void an_existing_topic_that_differs_fails_naming_each_difference() {
        String name = "bootstrap-mismatch-" + UUID.randomUuidShort();
        TopicSpec<Intent> asCreated = spec(name, 2, CleanupPolicy.DELETE, Optional.of(Duration.ofHours(1)));
        TopicBootstrap bootstrap = new TopicBootstrap(SharedKafka.clientProperties(), (short) 1, Duration.ofSeconds(30));
        assertEquals(List.of(name), bootstrap.ensure(List.of(asCreated)).created());

        TopicSpec<Intent> asCatalogued = spec(name, 3, CleanupPolicy.COMPACT, Optional.empty());
        TopicBootstrap.TopicMismatchException e = assertThrows(TopicBootstrap.TopicMismatchException.class,
                () -> bootstrap.ensure(List.of(asCatalogued)));
        assertEquals(List.of(
                name + ": has 2 partitions, the catalogue says 3",
                name + ": cleanup.policy is delete, the catalogue says compact",
                name + ": retention.ms is 3600000, the catalogue says -1"),
                e.differences().stream().sorted((a, b) -> order(a) - order(b)).toList());
        assertTrue(e.getMessage().contains(SharedKafka.bootstrapServers()), e.getMessage());
    }

    @Test
    void a_new_topic_gets_the_catalogue_record_limit_and_a_larger_record_is_refused() throws Exception {
        String name = "bootstrap-limit-" + UUID.randomUuidShort();
        TopicSpec<Intent> small = spec(name, 1, CleanupPolicy.DELETE, Optional.of(Duration.ofHours(1)), 4096);
        TopicBootstrap bootstrap = new TopicBootstrap(SharedKafka.clientProperties(), (short) 1, Duration.ofSeconds(30));
        assertEquals(List.of(name), bootstrap.ensure(List.of(small)).created());
        assertEquals("4096", maxMessageBytes(name));

        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            producer.send(new ProducerRecord<>(name, new byte[1000])).get(30, TimeUnit.SECONDS);
            ExecutionException refused = assertThrows(ExecutionException.class,
                    () -> producer.send(new ProducerRecord<>(name, new byte[8000])).get(30, TimeUnit.SECONDS));
            assertInstanceOf(RecordTooLargeException.class, refused.getCause());
        }
    }

    @Test
    void an_existing_topic_gets_the_catalogue_record_limit_in_place_and_a_second_run_changes_nothing() throws Exception {
        String name = "bootstrap-alter-" + UUID.randomUuidShort();
        TopicBootstrap bootstrap = new TopicBootstrap(SharedKafka.clientProperties(), (short) 1, Duration.ofSeconds(30));
        // as an older version made it: the broker's default limit
        bootstrap.ensure(List.of(spec(name, 2, CleanupPolicy.DELETE, Optional.of(Duration.ofHours(1)),
                TopicSpec.BROKER_DEFAULT_MAX_MESSAGE_BYTES)));
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            producer.send(new ProducerRecord<>(name, "k".getBytes(), new byte[100_000])).get(30, TimeUnit.SECONDS);
        }

        TopicSpec<Intent> catalogued = spec(name, 2, CleanupPolicy.DELETE, Optional.of(Duration.ofHours(1)), 64 * 1024);
        TopicBootstrap.Result first = bootstrap.ensure(List.of(catalogued));
        assertEquals(List.of(), first.created());
        assertEquals(List.of(name + ": max.message.bytes " + TopicSpec.BROKER_DEFAULT_MAX_MESSAGE_BYTES + " -> 65536"),
                first.altered());
        assertEquals("65536", maxMessageBytes(name));
        assertEquals(List.of(), bootstrap.ensure(List.of(catalogued)).altered(), "a second run changes nothing");

        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            ExecutionException refused = assertThrows(ExecutionException.class,
                    () -> producer.send(new ProducerRecord<>(name, "k".getBytes(), new byte[100_000])).get(30, TimeUnit.SECONDS));
            assertInstanceOf(RecordTooLargeException.class, refused.getCause());
            producer.send(new ProducerRecord<>(name, "k".getBytes(), new byte[1000])).get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void an_existing_topic_that_also_differs_in_an_unsafe_setting_is_left_as_found() throws Exception {
        String name = "bootstrap-unsafe-" + UUID.randomUuidShort();
        TopicBootstrap bootstrap = new TopicBootstrap(SharedKafka.clientProperties(), (short) 1, Duration.ofSeconds(30));
        bootstrap.ensure(List.of(spec(name, 1, CleanupPolicy.DELETE, Optional.of(Duration.ofHours(1)), 8192)));

        TopicBootstrap.TopicMismatchException e = assertThrows(TopicBootstrap.TopicMismatchException.class,
                () -> bootstrap.ensure(List.of(spec(name, 1, CleanupPolicy.COMPACT, Optional.empty(), 4096))));
        assertEquals(2, e.differences().size(), e.differences().toString());
        assertEquals("8192", maxMessageBytes(name), "nothing altered while the topic cannot be used");
    }

    @Test
    void every_catalogue_limit_lets_a_dead_letter_of_the_largest_kind_through() {
        for (TopicSpec<?> t : Topics.ALL) {
            assertTrue(t.maxMessageBytes() >= 64 * 1024, t.name() + ": " + t.maxMessageBytes());
            assertTrue(t.maxMessageBytes() <= TopicSpec.BROKER_DEFAULT_MAX_MESSAGE_BYTES, t.name());
        }
    }

    @Test
    void an_unreachable_broker_fails_within_the_timeout_naming_the_address() {
        String nowhere = "127.0.0.1:" + LocalKafka.freePort();
        long started = System.nanoTime();
        TopicBootstrap.TopicBootstrapException e = assertThrows(TopicBootstrap.TopicBootstrapException.class,
                () -> new TopicBootstrap(at(nowhere), (short) 1, Duration.ofSeconds(5)).ensure(Topics.ALL));
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertTrue(e.getMessage().contains(nowhere), e.getMessage());
        assertTrue(e.getMessage().contains("did not answer within 5 s"), e.getMessage());
        assertTrue(took.compareTo(Duration.ofSeconds(15)) < 0, "gave up after " + took);
    }

    private static Properties at(String address) {
        Properties p = SharedKafka.clientProperties();
        p.setProperty("bootstrap.servers", address);
        return p;
    }

    private static int order(String difference) {
        return difference.contains("partitions") ? 0 : difference.contains("cleanup") ? 1 : 2;
    }

    private static TopicSpec<Intent> spec(String name, int partitions, CleanupPolicy cleanup, Optional<Duration> retention) {
        return new TopicSpec<>(name, TopicSpec.KeyKind.DEPLOYMENT, Intent.getDefaultInstance(), partitions, cleanup,
                retention, "test", "test topic");
    }

    private static TopicSpec<Intent> spec(String name, int partitions, CleanupPolicy cleanup, Optional<Duration> retention,
            int maxMessageBytes) {
        return new TopicSpec<>(name, TopicSpec.KeyKind.DEPLOYMENT, Intent.getDefaultInstance(), partitions, cleanup,
                retention, "test", "test topic", maxMessageBytes);
    }

    private String maxMessageBytes(String topic) throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        try (Admin admin = admin()) {
            return admin.describeConfigs(List.of(resource)).all().get().get(resource)
                    .get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG).value();
        }
    }

    private KafkaProducer<byte[], byte[]> producer() {
        Properties props = SharedKafka.clientProperties();
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
        return new KafkaProducer<>(props);
    }

    private Admin admin() {
        return Admin.create(SharedKafka.clientProperties());
    }

    /** Short random suffixes keep topic names readable in broker logs. */
    private static final class UUID {
        static String randomUuidShort() {
            return java.util.UUID.randomUUID().toString().substring(0, 8);
        }
    }
}
