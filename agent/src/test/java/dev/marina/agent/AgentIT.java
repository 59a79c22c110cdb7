package dev.marina.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.agent.database.MariaDbServer;
import dev.marina.agent.database.MariaDbSettings;
import dev.marina.agent.database.TemplateDataDirectory;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.topics.TopicBootstrap;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.ActionKey;
import dev.marina.schemas.v1.ActionKind;
import dev.marina.schemas.v1.AgentCommand;
import dev.marina.schemas.v1.AgentEvent;
import dev.marina.schemas.v1.AgentOp;
import dev.marina.schemas.v1.AgentOutcome;
import dev.marina.schemas.v1.DeadLetter;
import dev.marina.schemas.v1.Engine;
import dev.marina.schemas.v1.Heartbeat;
import dev.marina.schemas.v1.Size;
import dev.marina.service.SecretBox;
import dev.marina.testkit.SharedKafka;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The agent against a real broker and a real MariaDB: commands in on {@code agent-commands}, answers
 * on {@code agent-events}, heartbeats on {@code heartbeats}, a real {@code mariadbd} in between. An
 * agent restart is simulated by closing the agent's components and assembling them again on the same
 * folder, as a new process would.
 */
class AgentIT {

    private static final String ADMIN = "shop_admin";
    private static final String PASSWORD = "pw-" + UUID.randomUUID();
    private static final Duration EVENT_WAIT = Duration.ofSeconds(60);

    private static String servers;
    private static Path home;
    private static SecretBox box;
    private static KafkaProducer<byte[], byte[]> producer;

    private Agent agent;

    @BeforeAll
    static void setUp() throws Exception {
        LocalServers.requireMariaDb();
        servers = SharedKafka.bootstrapServers();
        new TopicBootstrap(SharedKafka.clientProperties(), (short) 1, Duration.ofSeconds(30)).ensure(Topics.ALL);
        home = Files.createTempDirectory("marina-agent-it-");
        box = SecretBox.fromKeyFile(home.resolve("secrets/platform.key"));
        Properties props = new Properties();
        props.putAll(SharedKafka.clientProperties());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        producer = new KafkaProducer<>(props);

        // Once per host in real life: built here so the deploy below is timed as every later one is.
        long started = System.nanoTime();
        String version = new MariaDbServer(new InstanceFiles(home), "127.0.0.1", home, MariaDbSettings.defaults()).version();
        TemplateDataDirectory.ensure(home, version, LocalServers.INSTALL_DB);
        System.out.printf("AgentIT figure: template_build_ms=%d version=%s%n", (System.nanoTime() - started) / 1_000_000, version);
    }

    @AfterEach
    void stopAgent() {
        if (agent != null) {
            agent.close();
        }
        LocalServers.killServersUnder(home);
    }

    @AfterAll
    static void tearDown() {
        if (producer != null) {
            producer.close();
        }
        if (home != null) {
            LocalServers.killServersUnder(home);
            TemplateDataDirectory.deleteTree(home);
        }
    }

    @Test
    void deploys_serves_survives_a_crash_and_restarts_of_its_agent_and_is_destroyed() throws Exception {
        Instance it = new Instance();
        try (TopicTail<AgentEvent> events = new TopicTail<>(Topics.AGENT_EVENTS.name(), AgentEvent.getDefaultInstance(), it.key);
                TopicTail<Heartbeat> heartbeats = new TopicTail<>(Topics.HEARTBEATS.name(), Heartbeat.getDefaultInstance(), it.key)) {
            agent = Agent.start(it.settings(), new SimpleMeterRegistry());

            // Heartbeats from the start, before anything is deployed.
            Heartbeat first = heartbeats.await(h -> true, Duration.ofSeconds(20));
            // 1 unless the very first beats were dropped while the producer fetched metadata (it waits only 500 ms).
            assertTrue(first.getSequence() >= 1 && first.getSequence() <= 5, "sequence " + first.getSequence());
            Heartbeat second = heartbeats.awaitAfter(heartbeats.mark(), h -> true, Duration.ofSeconds(5));
            assertTrue(second.getSequence() > first.getSequence());
            assertEquals(it.id, first.getInstanceId());
            assertFalse(first.getDatabaseReachable());
            assertEquals("no database deployed", first.getDatabaseError());

            // DEPLOY → DATABASE_READY.
            long sent = System.nanoTime();
            send(it.key, it.deploy("deploy-1"));
            AgentEvent ready = events.await(e -> e.getCommandId().equals("deploy-1"), EVENT_WAIT);
            long deployMs = (System.nanoTime() - sent) / 1_000_000;
            assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_READY, ready.getOutcome(), ready.getReason());
            assertEquals(it.address + ":3306", ready.getEndpoint());
            assertEquals(it.id, ready.getInstanceId());
            assertEquals(it.action(ActionKind.ACTION_KIND_DEPLOY), ready.getAction(), "the answer on the topic echoes the action");
            System.out.printf("AgentIT figure: deploy_to_ready_ms=%d%n", deployMs);

            // The admin user works over TCP; the data lives in the instance folder.
            try (Connection c = it.connectAsAdmin(); Statement s = c.createStatement()) {
                s.execute("CREATE DATABASE shop");
                s.execute("CREATE TABLE shop.orders (id INT PRIMARY KEY, item VARCHAR(40))");
                s.execute("INSERT INTO shop.orders VALUES (1, 'boat')");
            }
            assertEquals("boat", it.item());
            assertTrue(Files.isDirectory(it.files.data().resolve("shop")));

            // BACKUP is answered off the command thread, when it ends; without an object store configured for this
            // instance it fails as OBJECT_STORE_ERROR (BackupIT covers a backup that succeeds).
            send(it.key, it.command("backup-1", AgentOp.AGENT_OP_BACKUP).toBuilder().setBackupId("b1").setBackupKeyId("bk1")
                    .setBackupKey(box.seal(java.util.Base64.getEncoder().encodeToString(new byte[32]))).build());
            AgentEvent backup = events.await(e -> e.getCommandId().equals("backup-1"), EVENT_WAIT);
            assertEquals(AgentOutcome.AGENT_OUTCOME_FAILED, backup.getOutcome(), backup.getReason());
            assertEquals(dev.marina.schemas.v1.AgentReason.AGENT_REASON_OBJECT_STORE_ERROR, backup.getReasonCode());
            assertTrue(backup.getReason().contains("object-store.properties is missing"), backup.getReason());
            assertEquals("rw-------", permissions(it.files.agentSecret()));
            assertFalse(Files.exists(it.files.initSql()), "the init file is deleted once the server is up");
            assertFalse(Files.readString(it.files.serverLog()).contains(PASSWORD));
            assertTrue(LocalServers.serversUnder(it.files.dir()).size() == 1);

            // Heartbeats see the database, its GTID position and, once the DEPLOY made the primary writable, read_only off
            // (a heartbeat taken while the DEPLOY wrote the users, before that, says read-only).
            Heartbeat up = heartbeats.await(h -> h.getDatabaseReachable() && !h.getGtidPosition().isEmpty() && !h.getReadOnly(),
                    Duration.ofSeconds(10));
            assertEquals(dev.marina.schemas.v1.Role.ROLE_PRIMARY, up.getRole());
            assertFalse(up.getFenced());
            assertEquals(it.address + ":3306", up.getEndpoint());
            assertTrue(up.getGtidPosition().matches("0-\\d+-\\d+"), up.getGtidPosition());
            assertFalse(up.getReadOnly());

            // A repeated DEPLOY answers READY again and changes nothing.
            send(it.key, it.deploy("deploy-1-again"));
            assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_READY,
                    events.await(e -> e.getCommandId().equals("deploy-1-again"), EVENT_WAIT).getOutcome());
            assertEquals("boat", it.item());

            // kill -9 of the server: heartbeats say unreachable (the agent does not restart it on its own).
            long crashedPid = it.serverPid();
            LocalServers.signal(crashedPid, "KILL");
            int beforeCrash = heartbeats.mark();
            Heartbeat down = heartbeats.awaitAfter(beforeCrash, h -> !h.getDatabaseReachable(), Duration.ofSeconds(10));
            assertFalse(down.getDatabaseError().isEmpty());

            // Agent restart: it starts the server on its data on its own and announces READY again.
            agent.close();
            int beforeRestart = events.mark();
            long restarted = System.nanoTime();
            agent = Agent.start(it.settings(), new SimpleMeterRegistry());
            AgentEvent again = events.awaitAfter(beforeRestart, e -> true, EVENT_WAIT);
            long restartMs = (System.nanoTime() - restarted) / 1_000_000;
            assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_READY, again.getOutcome(), again.getReason());
            assertEquals("deploy-1", again.getCommandId());
            assertEquals(it.action(ActionKind.ACTION_KIND_DEPLOY), again.getAction(), "sent unasked, with the DEPLOY's action");
            assertTrue(again.getReason().contains("started"), again.getReason());
            assertEquals("boat", it.item());
            System.out.printf("AgentIT figure: agent_restart_to_ready_ms=%d (server killed -9 before)%n", restartMs);

            // Agent restart while the server still runs: adopted, not restarted.
            long runningPid = it.serverPid();
            agent.close();
            int beforeAdopt = events.mark();
            agent = Agent.start(it.settings(), new SimpleMeterRegistry());
            AgentEvent adopted = events.awaitAfter(beforeAdopt, e -> true, EVENT_WAIT);
            assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_READY, adopted.getOutcome());
            assertTrue(adopted.getReason().contains("adopted"), adopted.getReason());
            assertEquals(it.action(ActionKind.ACTION_KIND_DEPLOY), adopted.getAction());
            assertEquals(runningPid, it.serverPid());

            // Agent restart while the server hangs (alive, not answering): killed and started fresh.
            LocalServers.signal(runningPid, "STOP");
            agent.close();
            int beforeHung = events.mark();
            agent = Agent.start(it.settings(), new SimpleMeterRegistry());
            AgentEvent fresh = events.awaitAfter(beforeHung, e -> true, EVENT_WAIT);
            assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_READY, fresh.getOutcome(), fresh.getReason());
            assertTrue(fresh.getReason().contains("started"), fresh.getReason());
            assertFalse(ProcessHandle.of(runningPid).map(ProcessHandle::isAlive).orElse(false), "the hung server was killed");
            assertNotEquals(runningPid, it.serverPid());
            assertEquals("boat", it.item());

            // DESTROY → DATABASE_STOPPED: no server left, data and server files gone, the agent's log kept.
            Files.writeString(it.files.dir().resolve("agent.log"), "the provisioner's log of this agent\n");
            send(it.key, it.destroy("destroy-1"));
            AgentEvent stopped = events.await(e -> e.getCommandId().equals("destroy-1"), EVENT_WAIT);
            assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_STOPPED, stopped.getOutcome(), stopped.getReason());
            assertEquals(it.action(ActionKind.ACTION_KIND_STOP_DATABASE), stopped.getAction());
            assertEquals(0, LocalServers.serversUnder(it.files.dir()).size(), "no mariadbd left");
            assertFalse(Files.exists(it.files.data()));
            for (Path file : it.files.databaseFiles()) {
                assertFalse(Files.exists(file), file + " is removed");
            }
            assertTrue(Files.exists(it.files.dir().resolve("agent.log")));
            assertEquals(AgentState.Phase.DESTROYED, AgentState.load(it.files.stateFile()).phase());

            // A repeated DESTROY answers STOPPED again; heartbeats go on, unreachable.
            send(it.key, it.destroy("destroy-2"));
            assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_STOPPED,
                    events.await(e -> e.getCommandId().equals("destroy-2"), EVENT_WAIT).getOutcome());
            int afterDestroy = heartbeats.mark();
            assertFalse(heartbeats.awaitAfter(afterDestroy, h -> true, Duration.ofSeconds(10)).getDatabaseReachable());

            // The password never travelled in plaintext.
            assertTrue(events.values().stream().noneMatch(e -> ProtoJsonSerde.toJson(e).contains(PASSWORD)));
        }
    }

    @Test
    void an_undecodable_command_goes_to_dead_letters_and_the_next_command_is_still_handled() throws Exception {
        Instance it = new Instance();
        try (TopicTail<AgentEvent> events = new TopicTail<>(Topics.AGENT_EVENTS.name(), AgentEvent.getDefaultInstance(), it.key);
                TopicTail<DeadLetter> deadLetters = new TopicTail<>(Topics.DEAD_LETTERS.name(), DeadLetter.getDefaultInstance(), it.key)) {
            agent = Agent.start(it.settings(), new SimpleMeterRegistry());

            byte[] garbage = "{not an agent command".getBytes(StandardCharsets.UTF_8);
            RecordMetadata bad = producer.send(new ProducerRecord<>(Topics.AGENT_COMMANDS.name(),
                    it.key.getBytes(StandardCharsets.UTF_8), garbage)).get(10, TimeUnit.SECONDS);
            send(it.key, it.destroy("for-someone-else").toBuilder().setInstanceId(it.id + "-other").build());
            RecordMetadata promote = send(it.key, it.command("unsupported-1", AgentOp.AGENT_OP_UNSPECIFIED));

            AgentEvent refused = events.await(e -> e.getCommandId().equals("unsupported-1"), EVENT_WAIT);
            assertEquals(AgentOutcome.AGENT_OUTCOME_REFUSED, refused.getOutcome());
            assertTrue(refused.getReason().startsWith("not supported yet"), refused.getReason());

            DeadLetter letter = deadLetters.await(d -> d.getSourceOffset() == bad.offset(), EVENT_WAIT);
            assertEquals(Topics.AGENT_COMMANDS.name(), letter.getSourceTopic());
            assertEquals(bad.partition(), letter.getSourcePartition());
            assertEquals("agent", letter.getConsumer());
            assertArrayEquals(garbage, letter.getValue().toByteArray());
            assertArrayEquals(it.key.getBytes(StandardCharsets.UTF_8), letter.getKey().toByteArray());
            assertTrue(letter.getReason().contains("AgentCommand"), letter.getReason());

            // Commands for other instances get no answer; the position is saved past the last command.
            assertTrue(events.values().stream().noneMatch(e -> e.getCommandId().equals("for-someone-else")));
            assertEquals(promote.offset() + 1, Long.parseLong(Files.readString(it.files.commandsOffset()).trim()));
        }
    }

    @Test
    void forged_commands_without_a_valid_proof_are_refused_counted_and_never_carried_out() throws Exception {
        Instance it = new Instance();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (TopicTail<AgentEvent> events = new TopicTail<>(Topics.AGENT_EVENTS.name(), AgentEvent.getDefaultInstance(), it.key);
                TopicTail<Heartbeat> heartbeats = new TopicTail<>(Topics.HEARTBEATS.name(), Heartbeat.getDefaultInstance(), it.key);
                TopicTail<DeadLetter> deadLetters = new TopicTail<>(Topics.DEAD_LETTERS.name(), DeadLetter.getDefaultInstance(), it.key)) {
            agent = Agent.start(it.settings(), registry);
            send(it.key, it.deploy("deploy-1"));
            assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_READY, events.await(e -> e.getCommandId().equals("deploy-1"), EVENT_WAIT).getOutcome());

            // What a forger with write access to agent-commands can send: FENCE, PROMOTE with an epoch that would lock
            // the reconciler out, DESTROY — without a proof, with another platform's key, with another instance's key
            // (its agent forging), and a valid proof whose record was altered (the epoch raised).
            String topic = Topics.AGENT_COMMANDS.name();
            dev.marina.schemas.proof.PlatformProofKey otherPlatform = new dev.marina.schemas.proof.PlatformProofKey(TestProofs.random());
            dev.marina.schemas.proof.ProofKeys sibling = TestProofs.speakingForAnyone(
                    TestProofs.PLATFORM.forInstance(it.key, it.id.replace("-1", "-2")));
            AgentCommand fence = it.command("forged-fence", AgentOp.AGENT_OP_FENCE).toBuilder().setEpoch(51).build();
            AgentCommand promote = it.command("forged-promote", AgentOp.AGENT_OP_PROMOTE).toBuilder().setEpoch(51).build();
            AgentCommand destroy = it.destroy("forged-destroy").toBuilder().setEpoch(51).build();
            ProducerRecord<byte[], byte[]> altered = TestProofs.proven(topic, it.key,
                    it.command("forged-altered", AgentOp.AGENT_OP_FENCE).toBuilder().setEpoch(1).build());
            altered = new ProducerRecord<>(topic, null, altered.key(),
                    new String(altered.value(), StandardCharsets.UTF_8).replace("\"epoch\":\"1\"", "\"epoch\":\"51\"").getBytes(StandardCharsets.UTF_8),
                    altered.headers());
            List<ProducerRecord<byte[], byte[]>> forged = List.of(
                    TestProofs.unproven(topic, it.key, fence),
                    TestProofs.unproven(topic, it.key, promote),
                    TestProofs.unproven(topic, it.key, destroy),
                    TestProofs.provenWith(otherPlatform, topic, it.key, fence.toBuilder().setCommandId("forged-fence-2").build()),
                    TestProofs.provenWith(otherPlatform, topic, it.key, destroy.toBuilder().setCommandId("forged-destroy-2").build()),
                    TestProofs.provenWith(sibling, topic, it.key, promote.toBuilder().setCommandId("forged-promote-2").build()),
                    TestProofs.provenWith(sibling, topic, it.key, destroy.toBuilder().setCommandId("forged-destroy-3").build()),
                    altered);
            List<Long> offsets = new java.util.ArrayList<>();
            for (ProducerRecord<byte[], byte[]> record : forged) {
                offsets.add(producer.send(record).get(10, TimeUnit.SECONDS).offset());
            }
            // A real command after them: the loop went on, and the epoch the forgers named locks nobody out.
            send(it.key, it.command("fence-1", AgentOp.AGENT_OP_FENCE).toBuilder().setEpoch(2).build());
            AgentEvent fenced = events.await(e -> e.getCommandId().equals("fence-1"), EVENT_WAIT);
            assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, fenced.getOutcome(), fenced.getReason());

            for (long offset : offsets) {
                DeadLetter letter = deadLetters.await(d -> d.getSourceOffset() == offset && d.getSourceTopic().equals(topic), EVENT_WAIT);
                assertEquals("agent", letter.getConsumer());
                assertTrue(letter.getReason().startsWith("proof missing") || letter.getReason().startsWith("proof invalid"), letter.getReason());
            }
            assertTrue(events.values().stream().noneMatch(e -> e.getCommandId().startsWith("forged")), "forged commands get no answer");
            assertEquals(3.0, registry.get("marina.agent.commands.unproven").tag("outcome", "missing").counter().count());
            assertEquals(5.0, registry.get("marina.agent.commands.unproven").tag("outcome", "invalid").counter().count());

            // Nothing was carried out: the data is there, the server answers, the epoch is the real one.
            assertTrue(Files.isDirectory(it.files.data()));
            assertEquals(1, LocalServers.serversUnder(it.files.dir()).size());
            assertEquals(2, AgentState.load(it.files.stateFile()).highestEpoch());
            Heartbeat beat = heartbeats.awaitAfter(heartbeats.mark(), h -> h.getDatabaseReachable(), Duration.ofSeconds(10));
            assertEquals(2, beat.getEpoch());
        }
    }

    private static RecordMetadata send(String key, AgentCommand command) throws Exception {
        return producer.send(TestProofs.proven(Topics.AGENT_COMMANDS.name(), key, command)).get(10, TimeUnit.SECONDS);
    }

    private static String permissions(Path file) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
    }

    /** A fresh instance: its own deployment key, id, address and folder. */
    private static final class Instance {
        final String tenant = "it" + UUID.randomUUID().toString().substring(0, 8);
        final String key = tenant + "/orders";
        final String id = tenant + "-orders-1";
        final String address = LocalServers.freeAddress();
        final InstanceFiles files = new InstanceFiles(home.resolve("instances").resolve(id));
        final Instant since = Instant.now();

        AgentSettings settings() {
            return new AgentSettings(new InstanceIdentity(id, key, address), files, home, Optional.of(since), SharedKafka.agentClientProperties(id),
                    home.resolve("secrets/platform.key"), TestProofs.keyFile(files, key, id), Duration.ofMillis(200),
                    Duration.ofSeconds(5), MariaDbSettings.defaults());
        }

        AgentCommand command(String commandId, AgentOp op) {
            return AgentCommand.newBuilder().setCommandId(commandId).setInstanceId(id).setOp(op)
                    .setDeployment(DeploymentKey.parse(key)).build();
        }

        ActionKey action(ActionKind kind) {
            return ActionKey.newBuilder().setKind(kind).setInstanceId(id).build();
        }

        AgentCommand deploy(String commandId) {
            return command(commandId, AgentOp.AGENT_OP_DEPLOY).toBuilder().setAction(action(ActionKind.ACTION_KIND_DEPLOY))
                    .setEngine(Engine.ENGINE_MARIADB)
                    .setVersion("10.11").setSize(Size.SIZE_SMALL).setAdminUser(ADMIN).setAdminPassword(box.seal(PASSWORD))
                    .setGeneration(1).build();
        }

        AgentCommand destroy(String commandId) {
            return command(commandId, AgentOp.AGENT_OP_DESTROY).toBuilder().setAction(action(ActionKind.ACTION_KIND_STOP_DATABASE)).build();
        }

        Connection connectAsAdmin() throws SQLException {
            return DriverManager.getConnection("jdbc:mysql://" + address + ":3306/?sslMode=DISABLED&connectTimeout=2000",
                    ADMIN, PASSWORD);
        }

        String item() throws SQLException {
            try (Connection c = connectAsAdmin(); Statement s = c.createStatement();
                    ResultSet r = s.executeQuery("SELECT item FROM shop.orders WHERE id = 1")) {
                assertTrue(r.next(), "the row written before is there");
                return r.getString(1);
            }
        }

        long serverPid() throws IOException {
            return Long.parseLong(Files.readString(files.pidFile()).trim());
        }
    }
}
