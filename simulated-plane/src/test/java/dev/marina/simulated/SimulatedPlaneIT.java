package dev.marina.simulated;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.marina.schemas.proof.MessageProof;
import dev.marina.schemas.proof.PlatformProofKey;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.AgentCommand;
import dev.marina.schemas.v1.AgentEvent;
import dev.marina.schemas.v1.AgentOp;
import dev.marina.schemas.v1.AgentOutcome;
import dev.marina.schemas.v1.Engine;
import dev.marina.schemas.v1.Heartbeat;
import dev.marina.schemas.v1.Role;
import dev.marina.schemas.v1.Size;
import dev.marina.service.SecretBox;
import dev.marina.testkit.SharedKafka;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The plane on the real broker, as the platform sees it: an instance made through the API answers proven commands on
 * {@code agent-events} with its own key, heartbeats every interval with that key, skips a command a forger proved,
 * and falls silent when its host is killed, until revived.
 */
class SimulatedPlaneIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "plane-test-token-" + UUID.randomUUID();
    private static final PlatformProofKey PLATFORM = new PlatformProofKey(random());
    private static final PlatformProofKey FORGER = new PlatformProofKey(random());

    @TempDir
    static Path dir;
    private static SimulatedPlane plane;
    private static PlaneApi api;
    private static SecretBox box;
    private static KafkaProducer<byte[], byte[]> platformProducer;
    private static final List<ConsumerRecord<byte[], byte[]>> seen = new CopyOnWriteArrayList<>();
    private static final AtomicBoolean reading = new AtomicBoolean(true);
    private static Thread reader;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        Path secrets = dir.resolve("platform-secrets.key");
        box = SecretBox.fromKeyFile(secrets);
        String tenant = "sim" + Long.toHexString(System.nanoTime());
        DEPLOYMENT = tenant + "/orders";
        INSTANCE = tenant + "-orders-1";
        Properties planeKafka = SharedKafka.agentClientProperties("simulated-plane");
        plane = new SimulatedPlane(new SimulatedPlane.Settings(planeKafka, dir.resolve("instances"), secrets, Duration.ofMillis(200),
                Duration.ofSeconds(1), Duration.ofSeconds(1), 2, List.of("10.11.18", "10.11.19")), Clock.systemUTC());
        api = new PlaneApi(plane, TOKEN, 0);
        Properties admin = SharedKafka.clientProperties();
        Properties p = new Properties();
        p.putAll(admin);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        platformProducer = new KafkaProducer<>(p);
        Properties c = new Properties();
        c.putAll(admin);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "plane-it-" + UUID.randomUUID());
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c);
        consumer.subscribe(List.of(Topics.AGENT_EVENTS.name(), Topics.HEARTBEATS.name()));
        while (consumer.assignment().isEmpty()) {
            consumer.poll(Duration.ofMillis(100));
        }
        reader = new Thread(() -> {
            try (consumer) {
                while (reading.get()) {
                    consumer.poll(Duration.ofMillis(100)).forEach(r -> {
                        if (new String(r.key(), StandardCharsets.UTF_8).equals(DEPLOYMENT)) {
                            seen.add(r);
                        }
                    });
                }
            }
        });
        reader.start();
    }

    private static String DEPLOYMENT;
    private static String INSTANCE;

    @AfterAll
    static void stop() throws Exception {
        reading.set(false);
        reader.join();
        platformProducer.close();
        api.close();
        plane.close();
    }

    @Test
    void anInstanceSpeaksTheAgentsProtocolWithItsOwnKey() throws Exception {
        assertEquals(401, call("GET", "/v1/instances", null, "wrong-token-0123456789").statusCode(), "the API needs the token");
        assertEquals(400, call("POST", "/v1/instances", "{\"instanceId\":\"x\"}", TOKEN).statusCode());

        String keyId = PLATFORM.forInstance(DEPLOYMENT, INSTANCE).keyId();
        String key = Base64.getEncoder().encodeToString(PLATFORM.forInstance(DEPLOYMENT, INSTANCE).key());
        String deploy = ProtoJsonSerde.toJson(command("deploy-1", AgentOp.AGENT_OP_DEPLOY).toBuilder().setRole(Role.ROLE_PRIMARY)
                .setEngine(Engine.ENGINE_MARIADB).setVersion("10.11").setSize(Size.SIZE_SMALL).setAdminUser("shop_admin")
                .setAdminPassword(box.seal("secret-admin-pw")).build());
        String body = JSON.createObjectNode().put("instanceId", INSTANCE).put("deployment", DEPLOYMENT).put("keyId", keyId)
                .put("key", key).put("commandsSince", Instant.now().toString()).put("firstCommandJson", deploy).toString();
        HttpResponse<String> created = call("POST", "/v1/instances", body, TOKEN);
        assertEquals(200, created.statusCode(), created.body());
        JsonNode view = JSON.readTree(created.body());
        assertTrue(view.path("address").asText().startsWith("198.1"), view.toString());
        assertEquals(200, call("POST", "/v1/instances", body, TOKEN).statusCode(), "create is idempotent");
        assertEquals(1, JSON.readTree(call("GET", "/v1/instances", null, TOKEN).body()).size());

        // The handed-over DEPLOY: answered READY, writable, proven with the instance's key.
        AgentEvent ready = awaitEvent("deploy-1");
        assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_READY, ready.getOutcome(), ready.getReason());
        assertFalse(ready.getReadOnly());

        // Heartbeats: every 200 ms, proven, the primary's GTID advancing, the agent build saying "simulated".
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> heartbeats().size() >= 5);
        List<Heartbeat> beats = heartbeats();
        Heartbeat last = beats.get(beats.size() - 1);
        assertEquals(Role.ROLE_PRIMARY, last.getRole());
        assertEquals(SimulatedPlane.AGENT_BUILD, last.getAgentBuild());
        assertTrue(last.getDatabaseReachable());
        assertFalse(last.getGtidPosition().isEmpty(), "a writable primary commits");

        // A command the platform proved is carried out; one a forger proved is skipped without an answer.
        send(command("forged-1", AgentOp.AGENT_OP_FENCE), FORGER);
        send(command("csr-1", AgentOp.AGENT_OP_MAKE_CSR).toBuilder().addDnsNames("orders.example.test").setCertRequestId("req-1").build(),
                PLATFORM);
        AgentEvent csr = awaitEvent("csr-1");
        assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, csr.getOutcome(), csr.getReason());
        assertTrue(csr.getCsrPem().startsWith("-----BEGIN CERTIFICATE REQUEST-----"));
        assertTrue(events().stream().noneMatch(e -> e.getCommandId().equals("forged-1")), "a forged command is never answered");
        assertEquals(1, plane.stats().proofFailures());

        // Killed: silent; revived: heartbeats again, still the deployment's (fenced) primary.
        assertEquals(200, call("POST", "/v1/instances/" + INSTANCE + "/kill", "", TOKEN).statusCode());
        Thread.sleep(500);
        int silentFrom = heartbeats().size();
        Thread.sleep(1000);
        assertEquals(silentFrom, heartbeats().size(), "a dead host sends nothing");
        assertEquals(409, call("POST", "/v1/instances/" + INSTANCE + "/kill", "", TOKEN).statusCode());
        assertEquals(200, call("POST", "/v1/instances/" + INSTANCE + "/revive", "", TOKEN).statusCode());
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> heartbeats().size() > silentFrom + 3);
        assertEquals(1, heartbeats().get(silentFrom).getSequence(), "a new agent counts its heartbeats from 1");

        assertEquals(200, call("DELETE", "/v1/instances/" + INSTANCE, null, TOKEN).statusCode());
        assertEquals(404, call("GET", "/v1/instances/" + INSTANCE, null, TOKEN).statusCode());
    }

    private static AgentCommand command(String id, AgentOp op) {
        return AgentCommand.newBuilder().setCommandId(id).setInstanceId(INSTANCE).setDeployment(DeploymentKey.parse(DEPLOYMENT))
                .setOp(op).setEpoch(1).build();
    }

    private static void send(AgentCommand command, PlatformProofKey keys) throws Exception {
        byte[] key = DEPLOYMENT.getBytes(StandardCharsets.UTF_8);
        byte[] value = ProtoJsonSerde.toJson(command).getBytes(StandardCharsets.UTF_8);
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(Topics.AGENT_COMMANDS.name(), key, value);
        MessageProof.sign(keys, Topics.AGENT_COMMANDS.name(), record.headers(), key, value, INSTANCE);
        platformProducer.send(record).get();
    }

    private static AgentEvent awaitEvent(String commandId) {
        return Awaitility.await().atMost(Duration.ofSeconds(20)).until(
                () -> events().stream().filter(e -> e.getCommandId().equals(commandId)).findFirst(), java.util.Optional::isPresent).get();
    }

    /** Answers on agent-events, each checked against the instance's key (as intent-service checks them). */
    private static List<AgentEvent> events() {
        List<AgentEvent> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : seen) {
            if (r.topic().equals(Topics.AGENT_EVENTS.name())) {
                assertEquals(MessageProof.Outcome.PROVEN, MessageProof.verify(PLATFORM, r.topic(), r.headers(), r.key(), r.value(),
                        INSTANCE).outcome());
                out.add(ProtoJsonSerde.fromJson(AgentEvent.getDefaultInstance(), r.value()).value());
            }
        }
        return out;
    }

    private static List<Heartbeat> heartbeats() {
        List<Heartbeat> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : seen) {
            if (r.topic().equals(Topics.HEARTBEATS.name())) {
                assertEquals(MessageProof.Outcome.PROVEN, MessageProof.verify(PLATFORM, r.topic(), r.headers(), r.key(), r.value(),
                        INSTANCE).outcome());
                out.add(ProtoJsonSerde.fromJson(Heartbeat.getDefaultInstance(), r.value()).value());
            }
        }
        return out;
    }

    private HttpResponse<String> call(String method, String path, String body, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + path))
                .header("Authorization", "Bearer " + token);
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static byte[] random() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return key;
    }
}
