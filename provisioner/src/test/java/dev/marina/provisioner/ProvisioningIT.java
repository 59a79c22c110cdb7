package dev.marina.provisioner;

import dev.marina.testkit.TopicTail;
import dev.marina.testkit.SharedKafka;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.provisioner.driver.InstanceDriver;
import dev.marina.provisioner.local.AddressAllocator;
import dev.marina.provisioner.local.AddressRange;
import dev.marina.provisioner.local.InstanceRecord;
import dev.marina.provisioner.local.InstanceRegistry;
import dev.marina.provisioner.local.StandInAgent;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.DeadLetter;
import dev.marina.schemas.v1.DeploymentRef;
import dev.marina.schemas.v1.DeploymentStatus;
import dev.marina.schemas.v1.InstanceState;
import dev.marina.schemas.v1.InstanceStatus;
import dev.marina.schemas.v1.ProvisionCommand;
import dev.marina.schemas.v1.ProvisionEvent;
import dev.marina.schemas.v1.ProvisionOp;
import dev.marina.schemas.v1.Size;
import dev.marina.service.Timestamps;
import dev.marina.testkit.KafkaTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.awaitility.Awaitility;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The provisioner against the real broker with the local driver, agents played by a stand-in script
 * (the real agent is exercised by the end-to-end test): commands in, processes and folders on this
 * machine, events out.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@TestProfile(ProvisioningIT.StandInAgents.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProvisioningIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** State in a folder of its own, agents played by the stand-in, quick supervision and reaping. */
    public static class StandInAgents implements QuarkusTestProfile {
        static Path home() {
            // Derived, not random: the profile may be instantiated more than once in the same JVM.
            return Path.of("target", "provisioning-it-" + ProcessHandle.current().pid()).toAbsolutePath();
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            Path script = StandInAgent.install(home().resolve("bin"));
            return Map.of(
                    "marina.home", home().toString(),
                    "marina.provisioner.agent-command", String.join(",", StandInAgent.command(script)),
                    "marina.provisioner.supervise-interval", "250ms",
                    "marina.provisioner.stop-timeout", "3s",
                    "marina.provisioner.orphan-grace", "2s",
                    "marina.provisioner.reap-interval", "500ms");
        }
    }

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @ConfigProperty(name = "marina.home")
    String marinaHome;

    private Path home;
    private KafkaProducer<byte[], byte[]> producer;
    private TopicTail<ProvisionEvent> events;
    private TopicTail<DeadLetter> deadLetters;
    private final String run = UUID.randomUUID().toString().substring(0, 6);

    @Inject
    InstanceDriver driver;

    @BeforeAll
    void openTopics() {
        home = Path.of(marinaHome);
        awaitTopics();
        Properties props = new Properties();
        props.putAll(SharedKafka.clientProperties());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        producer = new KafkaProducer<>(props);
        events = new TopicTail<>(Topics.PROVISION_EVENTS);
        deadLetters = new TopicTail<>(Topics.DEAD_LETTERS);
    }

    @AfterAll
    void cleanUp() {
        // Agents outlive the provisioner by design; the test's stand-ins must not. Destroying through
        // the driver also stops supervision from relaunching them; the kill catches whatever is left.
        try {
            driver.list().forEach(instance -> driver.destroy(instance.instanceId()));
        } finally {
            StandInAgent.killEverythingUnder(home);
        }
        producer.close();
        events.close();
        deadLetters.close();
    }

    // ---------------------------------------------------------------- create

    @Test
    void create_hands_the_first_command_to_the_agent_in_a_file_only_it_reads() throws Exception {
        DeploymentRef deployment = deployment("handover");
        String instanceId = instanceId(deployment, 1);
        dev.marina.schemas.v1.AgentCommand deploy = dev.marina.schemas.v1.AgentCommand.newBuilder()
                .setCommandId("handover-deploy").setInstanceId(instanceId).setDeployment(deployment)
                .setOp(dev.marina.schemas.v1.AgentOp.AGENT_OP_DEPLOY).build();
        ProvisionCommand create = command(deployment, instanceId, ProvisionOp.PROVISION_OP_CREATE, "1").toBuilder()
                .setFirstCommand(deploy).build();
        send(create);
        events.awaitRecord(answers(create, InstanceState.INSTANCE_STATE_RUNNING), TIMEOUT, "RUNNING for " + instanceId);

        Path handed = home.resolve("instances").resolve(instanceId).resolve("first-command.json");
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(handed)));
        assertEquals(deploy, ProtoJsonSerde.of(dev.marina.schemas.v1.AgentCommand.getDefaultInstance()).deserializer()
                .deserialize("", Files.readAllBytes(handed)));
    }

    @Test
    void create_launches_the_agent_in_its_folder_with_the_contract_environment_and_answers_running() throws Exception {
        DeploymentRef deployment = deployment("create");
        String instanceId = instanceId(deployment, 1);
        ProvisionCommand create = command(deployment, instanceId, ProvisionOp.PROVISION_OP_CREATE, "1");
        send(create);

        ConsumerRecord<byte[], byte[]> answer = events.awaitRecord(answers(create, InstanceState.INSTANCE_STATE_RUNNING),
                TIMEOUT, "RUNNING for " + instanceId);
        assertEquals(DeploymentKey.of(deployment), new String(answer.key(), StandardCharsets.UTF_8), "keyed by deployment");
        ProvisionEvent running = ProtoJsonSerde.of(ProvisionEvent.getDefaultInstance()).deserializer()
                .deserialize("", answer.value());
        assertEquals(instanceId, running.getInstanceId());
        assertEquals(deployment, running.getDeployment());
        assertTrue(running.getAddress().matches("127\\.10\\.\\d{1,3}\\.\\d{1,3}"), running.getAddress());

        Path folder = home.resolve("instances").resolve(instanceId);
        InstanceRecord record = record(instanceId);
        assertEquals(folder, record.folderPath());
        assertEquals(running.getAddress(), record.address());
        assertTrue(StandInAgent.isRunning(record.pid()), "the agent runs");
        assertEquals(folder, StandInAgent.workingDirectory(record.pid()).orElseThrow(), "in the instance folder");

        Map<String, String> env = awaitEnvironment(folder);
        assertEquals(instanceId, env.get("MARINA_INSTANCE_ID"));
        assertEquals(DeploymentKey.of(deployment), env.get("MARINA_DEPLOYMENT"));
        assertEquals(running.getAddress(), env.get("MARINA_INSTANCE_ADDRESS"));
        assertEquals(folder.toString(), env.get("MARINA_INSTANCE_DIR"));
        assertEquals(home.toString(), env.get("MARINA_HOME"));
        assertEquals(Long.toString(Timestamps.toInstant(create.getIssuedAt()).toEpochMilli()), env.get("MARINA_COMMANDS_SINCE"));
        assertEquals(bootstrapServers, env.get("KAFKA_BOOTSTRAP_SERVERS"));
        assertEquals(home.resolve("secrets/platform.key").toString(), env.get("MARINA_SECRETS_KEY_FILE"));
        assertEquals(running.getAddress(), env.get("QUARKUS_HTTP_HOST"));
        assertEquals("8086", env.get("QUARKUS_HTTP_PORT"));
        assertTrue(Files.readString(folder.resolve("agent.log")).contains("launching the agent"), "output goes to agent.log");
    }

    @Test
    void a_repeated_create_answers_the_same_address_without_a_second_agent() throws Exception {
        DeploymentRef deployment = deployment("repeat");
        String instanceId = instanceId(deployment, 1);
        ProvisionCommand first = command(deployment, instanceId, ProvisionOp.PROVISION_OP_CREATE, "1");
        send(first);
        ProvisionEvent firstAnswer = events.await(answers(first, InstanceState.INSTANCE_STATE_RUNNING), TIMEOUT, "first RUNNING");
        long pid = record(instanceId).pid();

        ProvisionCommand again = command(deployment, instanceId, ProvisionOp.PROVISION_OP_CREATE, "2");
        send(again);
        ProvisionEvent secondAnswer = events.await(answers(again, InstanceState.INSTANCE_STATE_RUNNING), TIMEOUT, "second RUNNING");

        assertEquals(firstAnswer.getAddress(), secondAnswer.getAddress());
        assertEquals(again.getAction(), secondAnswer.getAction(), "the answer echoes the command's action");
        assertEquals(pid, record(instanceId).pid(), "the same agent");
        assertEquals(1, StandInAgent.launches(home.resolve("instances").resolve(instanceId)), "launched once");
    }

    @Test
    void a_create_for_an_instance_of_another_deployment_fails_with_the_reason() {
        DeploymentRef owner = deployment("owner");
        String instanceId = instanceId(owner, 1);
        ProvisionCommand create = command(owner, instanceId, ProvisionOp.PROVISION_OP_CREATE, "1");
        send(create);
        events.await(answers(create, InstanceState.INSTANCE_STATE_RUNNING), TIMEOUT, "RUNNING");

        ProvisionCommand clash = command(deployment("intruder"), instanceId, ProvisionOp.PROVISION_OP_CREATE, "1");
        send(clash);
        ProvisionEvent failed = events.await(answers(clash, InstanceState.INSTANCE_STATE_FAILED), TIMEOUT, "FAILED");
        assertTrue(failed.getReason().contains("belongs to deployment " + DeploymentKey.of(owner)), failed.getReason());
    }

    @Test
    void exposes_the_instance_count_and_restarts_as_metrics() {
        given().get("/q/metrics").then().statusCode(200)
                .body(org.hamcrest.Matchers.containsString("marina_provisioner_instances"))
                .body(org.hamcrest.Matchers.containsString("marina_provisioner_agent_restarts_total"));
    }

    // ---------------------------------------------------------------- supervision

    @Test
    void a_killed_agent_is_relaunched_on_the_same_folder_and_address() {
        DeploymentRef deployment = deployment("crash");
        String instanceId = instanceId(deployment, 1);
        ProvisionCommand create = command(deployment, instanceId, ProvisionOp.PROVISION_OP_CREATE, "1");
        send(create);
        ProvisionEvent created = events.await(answers(create, InstanceState.INSTANCE_STATE_RUNNING), TIMEOUT, "RUNNING");
        Path folder = home.resolve("instances").resolve(instanceId);
        long firstPid = record(instanceId).pid();

        StandInAgent.crash(firstPid);

        ProvisionEvent restarted = events.await(e -> e.getInstanceId().equals(instanceId) && e.getCommandId().isEmpty()
                && e.getState() == InstanceState.INSTANCE_STATE_RUNNING, TIMEOUT, "RUNNING after the restart");
        assertEquals(List.of(InstanceState.INSTANCE_STATE_RUNNING, InstanceState.INSTANCE_STATE_RESTARTING,
                        InstanceState.INSTANCE_STATE_RUNNING),
                events.seen(e -> e.getInstanceId().equals(instanceId)).stream().map(ProvisionEvent::getState).toList());
        assertEquals(created.getAddress(), restarted.getAddress(), "same address");

        InstanceRecord record = record(instanceId);
        assertNotEquals(firstPid, record.pid(), "a new agent process");
        assertTrue(StandInAgent.isRunning(record.pid()));
        assertEquals(folder, StandInAgent.workingDirectory(record.pid()).orElseThrow(), "in the same folder");
        assertEquals(created.getAddress(), record.address());
        // The relaunched stand-in records its launch once its shell runs, which may be just after RUNNING.
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> StandInAgent.launches(folder) >= 2);
        assertEquals(2, StandInAgent.launches(folder));
    }

    // ---------------------------------------------------------------- destroy

    @Test
    void destroy_stops_the_agent_and_its_mariadbd_removes_the_folder_and_frees_the_address() throws Exception {
        DeploymentRef deployment = deployment("destroy");
        String instanceId = instanceId(deployment, 1);
        ProvisionCommand create = command(deployment, instanceId, ProvisionOp.PROVISION_OP_CREATE, "1");
        send(create);
        ProvisionEvent created = events.await(answers(create, InstanceState.INSTANCE_STATE_RUNNING), TIMEOUT, "RUNNING");
        Path folder = home.resolve("instances").resolve(instanceId);
        long agentPid = record(instanceId).pid();
        // A mariadbd that outlived its agent, in its own session: only its pid file leads to it.
        Path data = Files.createDirectories(folder.resolve("data"));
        Process mariadbd = new ProcessBuilder("setsid", "sleep", "300").directory(data.toFile()).start();
        try {
            Files.writeString(folder.resolve("mariadbd.pid"), mariadbd.pid() + "\n");

            ProvisionCommand destroy = command(deployment, instanceId, ProvisionOp.PROVISION_OP_DESTROY, "2");
            send(destroy);
            events.await(answers(destroy, InstanceState.INSTANCE_STATE_DESTROYED), TIMEOUT, "DESTROYED");

            assertFalse(StandInAgent.isRunning(agentPid), "the agent is stopped");
            assertTrue(mariadbd.waitFor(5, TimeUnit.SECONDS), "the left-over mariadbd is stopped");
            assertFalse(Files.exists(folder), "the folder is removed");
            InstanceRegistry registry = registry();
            assertTrue(registry.find(instanceId).isEmpty());
            assertFalse(registry.addressesInUse().contains(created.getAddress()), "the address is free");

            // The next instance gets the lowest free address, which may well be the one just freed.
            String expected = AddressAllocator.lowestFree(AddressRange.parse("127.10.0.0/16"), registry.addressesInUse())
                    .orElseThrow();
            ProvisionCommand next = command(deployment("after-destroy"), instanceId(deployment("after-destroy"), 1),
                    ProvisionOp.PROVISION_OP_CREATE, "1");
            send(next);
            ProvisionEvent reused = events.await(answers(next, InstanceState.INSTANCE_STATE_RUNNING), TIMEOUT, "RUNNING");
            assertEquals(expected, reused.getAddress());
            assertTrue(AddressRange.parseAddress(reused.getAddress()) <= AddressRange.parseAddress(created.getAddress()),
                    "the freed address " + created.getAddress() + " (or a lower one) is handed out again");
        } finally {
            mariadbd.destroyForcibly();
        }
    }

    @Test
    void destroying_an_unknown_instance_answers_destroyed() {
        DeploymentRef deployment = deployment("unknown");
        ProvisionCommand destroy = command(deployment, instanceId(deployment, 9), ProvisionOp.PROVISION_OP_DESTROY, "1");
        send(destroy);
        events.await(answers(destroy, InstanceState.INSTANCE_STATE_DESTROYED), TIMEOUT, "DESTROYED");
    }

    // ---------------------------------------------------------------- bad input

    @Test
    void an_undecodable_record_goes_to_dead_letters_and_the_next_command_still_works() {
        DeploymentRef deployment = deployment("dead-letter");
        byte[] key = DeploymentKey.of(deployment).getBytes(StandardCharsets.UTF_8);
        byte[] garbage = ("not a command " + run).getBytes(StandardCharsets.UTF_8);
        send(key, garbage);

        DeadLetter deadLetter = deadLetters.await(d -> Arrays.equals(garbage, d.getValue().toByteArray()), TIMEOUT,
                "the dead letter");
        assertEquals("provisioner", deadLetter.getConsumer());
        assertEquals(Topics.PROVISION_COMMANDS.name(), deadLetter.getSourceTopic());
        assertArrayEquals(key, deadLetter.getKey().toByteArray());
        assertTrue(deadLetter.getReason().contains("ProvisionCommand"), deadLetter.getReason());

        ProvisionCommand create = command(deployment, instanceId(deployment, 1), ProvisionOp.PROVISION_OP_CREATE, "1");
        send(create);
        events.await(answers(create, InstanceState.INSTANCE_STATE_RUNNING), TIMEOUT, "RUNNING after the dead letter");
    }

    // ---------------------------------------------------------------- orphans

    @Test
    void reaps_instances_the_deployment_status_no_longer_lists() {
        DeploymentRef deployment = deployment("orphans");
        String kept = instanceId(deployment, 1);
        String orphan = instanceId(deployment, 2);
        ProvisionCommand createKept = command(deployment, kept, ProvisionOp.PROVISION_OP_CREATE, "1");
        ProvisionCommand createOrphan = command(deployment, orphan, ProvisionOp.PROVISION_OP_CREATE, "1");
        send(createKept);
        send(createOrphan);
        events.await(answers(createKept, InstanceState.INSTANCE_STATE_RUNNING), TIMEOUT, "RUNNING");
        events.await(answers(createOrphan, InstanceState.INSTANCE_STATE_RUNNING), TIMEOUT, "RUNNING");
        long orphanPid = record(orphan).pid();

        publishStatus(deployment, DeploymentStatus.newBuilder().setDeployment(deployment)
                .addInstances(InstanceStatus.newBuilder().setInstanceId(kept)).build());

        events.await(e -> e.getInstanceId().equals(orphan) && e.getState() == InstanceState.INSTANCE_STATE_DESTROYED,
                TIMEOUT, "DESTROYED of the orphan");
        assertFalse(StandInAgent.isRunning(orphanPid));
        assertFalse(Files.exists(home.resolve("instances").resolve(orphan)));
        assertTrue(StandInAgent.isRunning(record(kept).pid()), "the listed instance stays");

        publishStatus(deployment, null);
        events.await(e -> e.getInstanceId().equals(kept) && e.getState() == InstanceState.INSTANCE_STATE_DESTROYED,
                TIMEOUT, "DESTROYED after the status was deleted");
        Awaitility.await().atMost(TIMEOUT).until(() -> registry().find(kept).isEmpty());
    }

    // ---------------------------------------------------------------- helpers

    /** The service creates the topics at startup; read and write them only once they exist. */
    private void awaitTopics() {
        List<String> needed = List.of(Topics.PROVISION_COMMANDS.name(), Topics.PROVISION_EVENTS.name(),
                Topics.DEAD_LETTERS.name(), Topics.DEPLOYMENT_STATUS.name());
        try (Admin admin = Admin.create(SharedKafka.clientProperties())) {
            Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() ->
                    admin.listTopics().names().get(10, TimeUnit.SECONDS).containsAll(needed));
        }
    }

    private DeploymentRef deployment(String name) {
        return DeploymentRef.newBuilder().setTenant("it" + run).setName(name).build();
    }

    private static String instanceId(DeploymentRef deployment, int n) {
        return deployment.getTenant() + "-" + deployment.getName() + "-" + n;
    }

    private static ProvisionCommand command(DeploymentRef deployment, String instanceId, ProvisionOp op, String generation) {
        String step = op == ProvisionOp.PROVISION_OP_CREATE ? "create" : "destroy";
        return ProvisionCommand.newBuilder()
                .setCommandId(DeploymentKey.of(deployment) + "/" + generation + "/" + step + "/" + instanceId)
                .setDeployment(deployment)
                .setInstanceId(instanceId)
                .setOp(op)
                .setSize(Size.SIZE_SMALL)
                .setIssuedAt(Timestamps.of(Instant.now().truncatedTo(ChronoUnit.MILLIS)))
                .setAction(dev.marina.schemas.v1.ActionKey.newBuilder().setInstanceId(instanceId)
                        .setKind(op == ProvisionOp.PROVISION_OP_CREATE ? dev.marina.schemas.v1.ActionKind.ACTION_KIND_CREATE_INSTANCE
                                : dev.marina.schemas.v1.ActionKind.ACTION_KIND_DESTROY_INSTANCE))
                .build();
    }

    private static java.util.function.Predicate<ProvisionEvent> answers(ProvisionCommand command, InstanceState state) {
        return e -> e.getCommandId().equals(command.getCommandId()) && e.getInstanceId().equals(command.getInstanceId())
                && e.getState() == state;
    }

    private void send(ProvisionCommand command) {
        send(DeploymentKey.of(command.getDeployment()).getBytes(StandardCharsets.UTF_8),
                ProtoJsonSerde.toJson(command).getBytes(StandardCharsets.UTF_8));
    }

    private void send(byte[] key, byte[] value) {
        try {
            producer.send(new ProducerRecord<>(Topics.PROVISION_COMMANDS.name(), key, value)).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("could not publish the command", e);
        }
    }

    /** Writes the deployment's status (null: a tombstone) as intent-service would. */
    private void publishStatus(DeploymentRef deployment, DeploymentStatus status) {
        byte[] value = status == null ? null : ProtoJsonSerde.toJson(status).getBytes(StandardCharsets.UTF_8);
        try {
            producer.send(new ProducerRecord<>(Topics.DEPLOYMENT_STATUS.name(),
                    DeploymentKey.of(deployment).getBytes(StandardCharsets.UTF_8), value)).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("could not publish the status", e);
        }
    }

    private InstanceRegistry registry() {
        return InstanceRegistry.load(home.resolve("provisioner/instances.json"));
    }

    private InstanceRecord record(String instanceId) {
        return registry().find(instanceId).orElseThrow(() -> new AssertionError(instanceId + " is not in the registry"));
    }

    private static Map<String, String> awaitEnvironment(Path folder) {
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(folder.resolve(StandInAgent.ENV_FILE))
                && Files.readString(folder.resolve(StandInAgent.ENV_FILE)).contains("QUARKUS_HTTP_PORT"));
        return StandInAgent.recordedEnvironment(folder);
    }
}
