package dev.marina.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.marina.schemas.topics.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The walking skeleton, as a user and an operator see it: apply → Ready → connect and write → the
 * agent is killed → the instance goes Down, is restarted, the data is still there → delete → no
 * process, folder or address allocation left.
 */
@org.junit.jupiter.api.Order(8) // see Platform.shared
class WalkingSkeletonIT {

    private static final String SMALL = "{\"spec\":{\"engine\":\"ENGINE_MARIADB\",\"version\":\"10.11\",\"size\":\"SIZE_SMALL\"}}";

    @Test
    void an_intent_becomes_a_database_that_survives_its_agent_dying_and_disappears_on_delete() throws Exception {
        // Fast heartbeats and detection, so a killed agent is seen Down before it is back (Platform.FAST_DETECTION).
        try (Platform platform = Platform.shared(Platform.FAST_DETECTION)) {
            String name = "shop" + UUID.randomUUID().toString().substring(0, 6);
            String path = "/v1/deployments/e2e/" + name;

            Platform.Response applied = platform.call("PUT", path, SMALL);
            assertEquals(200, applied.status(), () -> "apply: " + applied.body());
            JsonNode ready = awaitPhase(platform, path, "PHASE_READY", Duration.ofSeconds(120));
            String instanceId = ready.path("status").path("instances").get(0).path("instanceId").asText();
            Path instanceDir = platform.instanceDir(instanceId);
            assertTrue(Files.isDirectory(instanceDir), instanceDir + " exists");

            String address = ready.path("status").path("instances").get(0).path("address").asText();
            String writerName = name + ".e2e." + Platform.ZONE;
            assertEquals(List.of(address), platform.dig(writerName), "Ready: the writer name answers with the primary");
            assertEquals(List.of(address), platform.dig("ro." + writerName), "the reader name, without replicas");
            assertEquals(List.of(address), platform.dig("i1." + writerName), "the instance's own name");

            JsonNode credentials = platform.call("GET", path + "/credentials", null).body();
            assertEquals(writerName, credentials.path("host").asText(), "clients are given the name");
            // The JVM's resolver does not ask the test's BIND: connect to the address the name answers with.
            String url = "jdbc:mysql://" + credentials.path("address").asText() + ":" + credentials.path("port").asInt()
                    + "/?sslMode=DISABLED&allowPublicKeyRetrieval=true&connectTimeout=5000";
            try (Connection c = DriverManager.getConnection(url, credentials.path("user").asText(), credentials.path("password").asText());
                 Statement s = c.createStatement()) {
                s.execute("CREATE DATABASE shop");
                s.execute("CREATE TABLE shop.orders (id INT PRIMARY KEY, item VARCHAR(40))");
                s.execute("INSERT INTO shop.orders VALUES (1, 'anchor')");
                assertEquals("anchor", single(s, "SELECT item FROM shop.orders WHERE id = 1"));
            }

            ProcessHandle agent = agentOf(platform, instanceDir);
            try (KafkaConsumer<String, String> health = tail(platform.adminClient(), Topics.INSTANCE_HEALTH.name())) {
                agent.destroyForcibly();
                awaitHealth(health, instanceId, "HEALTH_DOWN", Duration.ofSeconds(30));
            }
            awaitPhase(platform, path, "PHASE_READY", Duration.ofSeconds(90));
            ProcessHandle restarted = agentOf(platform, instanceDir);
            assertNotEquals(agent.pid(), restarted.pid(), "a new agent process on the same folder");
            try (Connection c = DriverManager.getConnection(url, credentials.path("user").asText(), credentials.path("password").asText());
                 Statement s = c.createStatement()) {
                assertEquals("anchor", single(s, "SELECT item FROM shop.orders WHERE id = 1"), "the data stayed");
            }

            assertEquals(200, platform.call("DELETE", path, null).status());
            Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                    .until(() -> platform.call("GET", path, null).status() == 404);
            Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                assertEquals(List.of(), platform.processesOf(instanceDir), "no agent or database left");
                assertFalse(Files.exists(instanceDir), "no folder left");
                Path registry = platform.home.resolve("provisioner/instances.json");
                assertFalse(Files.exists(registry) && Files.readString(registry).contains(instanceId), "no allocation left");
                assertEquals(List.of(), platform.dig(writerName), "no name left");
                assertTrue(platform.zoneTransfer().stream().noneMatch(r -> r.contains(name)),
                        () -> "no record of " + name + " left: " + platform.zoneTransfer());
            });
        }
    }

    private static JsonNode awaitPhase(Platform platform, String path, String phase, Duration atMost) throws Exception {
        long deadline = System.nanoTime() + atMost.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            Platform.Response r = platform.call("GET", path, null);
            last = r.body();
            if (r.status() == 200 && phase.equals(last.path("status").path("phase").asText())) {
                return last;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("not " + phase + " within " + atMost.toSeconds() + " s; last: " + last
                + "\nprovisioner log: " + platform.log("provisioner"));
    }

    private static ProcessHandle agentOf(Platform platform, Path instanceDir) {
        return Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> platform.processesOf(instanceDir).stream()
                .filter(p -> p.info().commandLine().orElse("").contains("quarkus-run.jar")).findFirst(),
                java.util.Optional::isPresent).orElseThrow();
    }

    private static String single(Statement s, String sql) throws Exception {
        try (ResultSet rs = s.executeQuery(sql)) {
            assertTrue(rs.next(), "a row for " + sql);
            return rs.getString(1);
        }
    }

    private static KafkaConsumer<String, String> tail(Properties servers, String topic) {
        Properties props = new Properties();
        props.putAll(servers);
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position);
        return consumer;
    }

    private static void awaitHealth(KafkaConsumer<String, String> consumer, String instanceId, String health, Duration atMost) {
        long deadline = System.nanoTime() + atMost.toNanos();
        List<String> seen = new ArrayList<>();
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                if (r.value() != null && r.value().contains("\"instanceId\":\"" + instanceId + "\"")) {
                    seen.add(r.value());
                    if (r.value().contains("\"health\":\"" + health + "\"")) {
                        return;
                    }
                }
            }
        }
        throw new AssertionError("no " + health + " for " + instanceId + " within " + atMost.toSeconds() + " s; saw " + seen);
    }
}
