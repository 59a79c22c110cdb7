package dev.marina.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.junit.jupiter.api.Test;

/** The topic bootstrap against a real broker. */
class TopicBootstrapIT {

    private final String servers = SharedKafka.bootstrapServers();

    @Test
    void creates_every_catalogue_topic_then_verifies_them_without_change() throws Exception {
        TopicBootstrap bootstrap = new TopicBootstrap(servers, (short) 1, Duration.ofSeconds(30));
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
        TopicBootstrap bootstrap = new TopicBootstrap(servers, (short) 1, Duration.ofSeconds(30));
        assertEquals(List.of(name), bootstrap.ensure(List.of(asCreated)).created());

        TopicSpec<Intent> asCatalogued = spec(name, 3, CleanupPolicy.COMPACT, Optional.empty());
        TopicBootstrap.TopicMismatchException e = assertThrows(TopicBootstrap.TopicMismatchException.class,
                () -> bootstrap.ensure(List.of(asCatalogued)));
        assertEquals(List.of(
                name + ": has 2 partitions, the catalogue says 3",
                name + ": cleanup.policy is delete, the catalogue says compact",
                name + ": retention.ms is 3600000, the catalogue says -1"),
                e.differences().stream().sorted((a, b) -> order(a) - order(b)).toList());
        assertTrue(e.getMessage().contains(servers), e.getMessage());
    }

    @Test
    void an_unreachable_broker_fails_within_the_timeout_naming_the_address() {
        String nowhere = "127.0.0.1:" + LocalKafka.freePort();
        long started = System.nanoTime();
        TopicBootstrap.TopicBootstrapException e = assertThrows(TopicBootstrap.TopicBootstrapException.class,
                () -> new TopicBootstrap(nowhere, (short) 1, Duration.ofSeconds(5)).ensure(Topics.ALL));
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertTrue(e.getMessage().contains(nowhere), e.getMessage());
        assertTrue(e.getMessage().contains("did not answer within 5 s"), e.getMessage());
        assertTrue(took.compareTo(Duration.ofSeconds(15)) < 0, "gave up after " + took);
    }

    private static int order(String difference) {
        return difference.contains("partitions") ? 0 : difference.contains("cleanup") ? 1 : 2;
    }

    private static TopicSpec<Intent> spec(String name, int partitions, CleanupPolicy cleanup, Optional<Duration> retention) {
        return new TopicSpec<>(name, TopicSpec.KeyKind.DEPLOYMENT, Intent.getDefaultInstance(), partitions, cleanup,
                retention, "test", "test topic");
    }

    private Admin admin() {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        return Admin.create(props);
    }

    /** Short random suffixes keep topic names readable in broker logs. */
    private static final class UUID {
        static String randomUuidShort() {
            return java.util.UUID.randomUUID().toString().substring(0, 8);
        }
    }
}
