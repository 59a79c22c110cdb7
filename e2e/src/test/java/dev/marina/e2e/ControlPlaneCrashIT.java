package dev.marina.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/**
 * Kill anything, lose nothing: intent-service killed with SIGKILL while a deployment is on its way
 * comes back and finishes it — one instance, one CREATE, Ready — because its state is in Kafka.
 */
@org.junit.jupiter.api.Order(3) // see Platform.shared
class ControlPlaneCrashIT {

    private static final String SMALL = "{\"spec\":{\"engine\":\"ENGINE_MARIADB\",\"version\":\"10.11\"}}";

    @Test
    void a_killed_control_plane_finishes_the_deployment_after_restart_without_duplicates() throws Exception {
        try (Platform platform = Platform.shared(Platform.STANDARD);
             KafkaConsumer<String, String> commands = fromStart(platform.adminClient(), "provision-commands")) {
            String name = "crash" + UUID.randomUUID().toString().substring(0, 6);
            String path = "/v1/deployments/e2e/" + name;
            assertEquals(200, platform.call("PUT", path, SMALL).status());

            platform.kill("intent-service");
            platform.restart("intent-service");

            JsonNode ready = awaitReady(platform, path);
            assertEquals(1, ready.path("status").path("instances").size(), "exactly one instance: " + ready);
            assertEquals("1", ready.path("intent").path("generation").asText());

            List<String> creates = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : commands.poll(Duration.ofMillis(200))) {
                    if (("e2e/" + name).equals(r.key()) && r.value().contains("PROVISION_OP_CREATE")) {
                        creates.add(r.value());
                    }
                }
            }
            assertEquals(1, creates.size(), "one CREATE for the instance, not one per restart: " + creates);

            assertEquals(200, platform.call("DELETE", path, null).status());
        }
    }

    private static JsonNode awaitReady(Platform platform, String path) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            Platform.Response r = platform.call("GET", path, null);
            last = r.body();
            if (r.status() == 200 && "PHASE_READY".equals(last.path("status").path("phase").asText())) {
                return last;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("not Ready within 120 s after the restart; last: " + last
                + "\nintent-service log: " + platform.log("intent-service"));
    }

    /** Committed records of a topic from its start (exactly-once writers: read_committed). */
    private static KafkaConsumer<String, String> fromStart(Properties servers, String topic) {
        Properties props = new Properties();
        props.putAll(servers);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        return consumer;
    }
}
