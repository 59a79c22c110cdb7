package dev.marina.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.testkit.SharedKafka;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * A Streams application restarted at once with the same application id must not sit in
 * REBALANCING until the old member's session expires (45 s with Kafka's defaults).
 */
class StreamsQuickRestartIT {

    private final Properties servers = SharedKafka.clientProperties();

    @Test
    void the_shared_settings_are_exactly_once_with_a_short_session() {
        Properties props = StreamsDefaults.properties("app", servers);
        assertEquals("exactly_once_v2", props.getProperty("processing.guarantee"));
        assertEquals("6000", props.getProperty("session.timeout.ms"));
        assertEquals("1", props.getProperty("replication.factor"));
        assertEquals("app", props.getProperty("application.id"));
    }

    @Test
    void a_quickly_restarted_streams_app_is_running_again_well_before_the_default_session_timeout() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String input = "restart-in-" + suffix;
        String output = "restart-out-" + suffix;
        try (Admin admin = Admin.create(adminProps())) {
            admin.createTopics(List.of(new NewTopic(input, 6, (short) 1), new NewTopic(output, 6, (short) 1))).all().get();
        }
        String applicationId = "restart-test-" + suffix;

        KafkaStreams first = start(applicationId, input, output);
        awaitRunning(first, Duration.ofSeconds(60));
        // close() does not leave the group: to the coordinator this looks like a crashed member.
        first.close(Duration.ofSeconds(10));

        long restartedAt = System.nanoTime();
        KafkaStreams second = start(applicationId, input, output);
        try {
            awaitRunning(second, Duration.ofSeconds(40));
            Duration took = Duration.ofNanos(System.nanoTime() - restartedAt);
            assertTrue(took.compareTo(Duration.ofSeconds(25)) < 0, "running again after " + took);
        } finally {
            second.close(Duration.ofSeconds(10));
            second.cleanUp();
        }
    }

    private KafkaStreams start(String applicationId, String input, String output) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(input, Consumed.with(Serdes.String(), Serdes.String()))
                .mapValues(v -> v.toUpperCase())
                .to(output, Produced.with(Serdes.String(), Serdes.String()));
        Properties props = StreamsDefaults.properties(applicationId, servers);
        props.setProperty("state.dir", System.getProperty("java.io.tmpdir") + "/streams-" + applicationId);
        KafkaStreams streams = new KafkaStreams(builder.build(), props);
        streams.start();
        return streams;
    }

    private static void awaitRunning(KafkaStreams streams, Duration atMost) {
        Awaitility.await().atMost(atMost).pollInterval(Duration.ofMillis(100))
                .until(() -> streams.state() == KafkaStreams.State.RUNNING);
    }

    private Properties adminProps() {
        Properties props = new Properties();
        props.putAll(SharedKafka.clientProperties());
        return props;
    }
}
