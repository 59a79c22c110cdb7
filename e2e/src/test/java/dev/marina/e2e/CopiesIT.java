package dev.marina.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.Message;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.topics.TopicSpec;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.AgentCommand;
import dev.marina.schemas.v1.AgentOp;
import dev.marina.schemas.v1.CertCommand;
import dev.marina.schemas.v1.CertEvent;
import dev.marina.schemas.v1.ProvisionCommand;
import dev.marina.schemas.v1.ProvisionEvent;
import dev.marina.schemas.v1.ProvisionOp;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;

/**
 * Two copies of every service on one broker (docs/copies.md), one copy of each killed with SIGKILL while
 * a deployment with a replica is being created: for provisioner, dns-service and cert-service the copy
 * that leads (read from its election's claim), for intent-service and health-monitor copy 1. The
 * deployment still becomes Ready, answered by the surviving intent-service copy; killing the primary
 * then gives exactly one PROMOTE, no instance is created twice and every provisioning and certificate
 * command is answered once, counted on the topics with a plain consumer.
 */
@org.junit.jupiter.api.Order(11) // see Platform.shared
class CopiesIT {

    private static final Duration READY = Duration.ofSeconds(240);
    private static final String SPEC = "{\"spec\":{\"engine\":\"ENGINE_MARIADB\",\"version\":\"10.11\",\"size\":\"SIZE_SMALL\","
            + "\"replicas\":1,\"failover\":{\"automatic\":true},\"tls\":{\"mode\":\"TLS_MODE_SELF_SIGNED\"}}}";

    @Test
    void a_killed_copy_of_each_service_loses_nothing_and_decides_nothing_twice() throws Exception {
        try (Platform platform = Platform.start(Platform.SERVICES, Map.of(), 2)) {
            String name = "cp" + UUID.randomUUID().toString().substring(0, 6);
            String path = "/v1/deployments/e2e/" + name;
            assertEquals(200, platform.call("PUT", path, SPEC).status());

            // Mid-run: the leaders of the single-actor services, and copy 1 of the partitioned ones.
            List<String> killed = new ArrayList<>();
            Map<String, String> killedLeaders = new TreeMap<>();
            for (String service : List.of("provisioner", "dns-service", "cert-service")) {
                killedLeaders.put(service, platform.leaderCopy(service));
            }
            killed.addAll(killedLeaders.values());
            killed.add("intent-service");
            killed.add("health-monitor");
            long killedAt = System.nanoTime();
            for (String copy : killed) {
                platform.kill(copy);
            }
            System.out.printf("copies: killed %s right after the apply%n", killed);

            String api = Platform.copyName("intent-service", 2);
            JsonNode ready = awaitReady(platform, api, path);
            System.out.printf("copies: Ready %d ms after the kills%n", Duration.ofNanos(System.nanoTime() - killedAt).toMillis());
            for (Map.Entry<String, String> e : killedLeaders.entrySet()) {
                String survivor = e.getValue().equals(e.getKey()) ? Platform.copyName(e.getKey(), 2) : e.getKey();
                assertEquals(survivor, platform.leaderCopy(e.getKey()), e.getKey() + " is led by the surviving copy");
            }

            // The API answers GET and list for the deployment from the surviving copy.
            Platform.Response list = platform.callOn(api, "GET", "/v1/deployments?tenant=e2e", null);
            assertEquals(200, list.status(), String.valueOf(list.body()));
            assertTrue(list.body().toString().contains("\"" + name + "\""), "listed by the surviving copy: " + list.body());

            String oldPrimary = primaryOf(ready);
            platform.processesOf(platform.instanceDir(oldPrimary)).forEach(ProcessHandle::destroyForcibly);
            long primaryKilledAt = System.nanoTime();
            JsonNode after = awaitNewPrimary(platform, api, path, oldPrimary);
            System.out.printf("copies: primary %s killed → %s promoted in %d ms%n", oldPrimary, primaryOf(after),
                    Duration.ofNanos(System.nanoTime() - primaryKilledAt).toMillis());
            Platform.sleep(Duration.ofSeconds(15)); // a second decision, if one were coming, would come by now

            String key = "e2e/" + name;
            List<AgentCommand> agentCommands = read(platform, Topics.AGENT_COMMANDS, key);
            long promotes = agentCommands.stream().filter(c -> c.getOp() == AgentOp.AGENT_OP_PROMOTE).count();
            assertEquals(1, promotes, "PROMOTE commands for one failure: " + ops(agentCommands));

            List<ProvisionCommand> provisions = read(platform, Topics.PROVISION_COMMANDS, key);
            Map<String, Long> createsPerInstance = provisions.stream().filter(c -> c.getOp() == ProvisionOp.PROVISION_OP_CREATE)
                    .collect(Collectors.groupingBy(ProvisionCommand::getInstanceId, TreeMap::new, Collectors.counting()));
            assertEquals(2, createsPerInstance.size(), "a primary and a replica were created: " + createsPerInstance);
            createsPerInstance.forEach((instance, n) -> assertEquals(1L, n, "CREATE commands for " + instance + ": " + createsPerInstance));

            Map<String, Long> provisionAnswers = answers(read(platform, Topics.PROVISION_EVENTS, key), ProvisionEvent::getCommandId);
            for (ProvisionCommand c : provisions) {
                assertEquals(1L, provisionAnswers.getOrDefault(c.getCommandId(), 0L),
                        "answers to provision command " + c.getCommandId() + " (" + c.getOp() + "): " + provisionAnswers);
            }
            List<CertCommand> certs = read(platform, Topics.CERT_COMMANDS, key);
            assertTrue(!certs.isEmpty(), "certificates were asked for");
            Map<String, Long> certAnswers = answers(read(platform, Topics.CERT_EVENTS, key), CertEvent::getCommandId);
            for (CertCommand c : certs) {
                assertEquals(1L, certAnswers.getOrDefault(c.getCommandId(), 0L),
                        "answers to cert command " + c.getCommandId() + ": " + certAnswers);
            }

            Platform.Response get = platform.callOn(api, "GET", path, null);
            assertEquals(200, get.status());
            assertNotEquals(oldPrimary, primaryOf(get.body().path("status")), "the surviving copy reports the new primary");
        }
    }

    private static JsonNode awaitReady(Platform platform, String copy, String path) throws Exception {
        long deadline = System.nanoTime() + READY.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = platform.callOn(copy, "GET", path, null).body();
            if (last != null && "PHASE_READY".equals(last.path("status").path("phase").asText())) {
                return last.path("status");
            }
            Platform.sleep(Duration.ofMillis(250));
        }
        throw new AssertionError("not Ready within " + READY + ": " + last);
    }

    private static JsonNode awaitNewPrimary(Platform platform, String copy, String path, String oldPrimary) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = platform.callOn(copy, "GET", path, null).body();
            String primary = last == null ? "" : primaryOf(last.path("status"));
            if (!primary.isEmpty() && !primary.equals(oldPrimary)) {
                return last.path("status");
            }
            Platform.sleep(Duration.ofMillis(200));
        }
        throw new AssertionError("no new primary within 90 s: " + last);
    }

    private static String primaryOf(JsonNode status) {
        for (JsonNode i : status.path("instances")) {
            if (i.path("role").asText().equals("ROLE_PRIMARY")) {
                return i.path("instanceId").asText();
            }
        }
        return "";
    }

    private static List<String> ops(List<AgentCommand> commands) {
        return commands.stream().map(c -> c.getOp() + " " + c.getInstanceId() + " epoch " + c.getEpoch()).toList();
    }

    private static <T> Map<String, Long> answers(List<T> events, Function<T, String> commandId) {
        return events.stream().map(commandId).filter(id -> !id.isEmpty())
                .collect(Collectors.groupingBy(id -> id, TreeMap::new, Collectors.counting()));
    }

    /** Every record of a deployment on a topic, from the beginning to the end, read committed. */
    private static <V extends Message> List<V> read(Platform platform, TopicSpec<V> topic, String key) {
        Properties props = new Properties();
        props.putAll(platform.adminClient());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        List<V> found = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic.name()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (r.key() != null && key.equals(new String(r.key(), StandardCharsets.UTF_8)) && r.value() != null) {
                        found.add(ProtoJsonSerde.fromJson(topic.prototype(), r.value()).value());
                    }
                }
            }
        }
        return found;
    }
}
