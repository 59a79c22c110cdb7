package dev.marina.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.agent.database.MariaDbServer;
import dev.marina.agent.database.MariaDbSettings;
import dev.marina.agent.database.TemplateDataDirectory;
import dev.marina.agent.decision.Lease;
import dev.marina.agent.kafka.HeartbeatLoop;
import dev.marina.agent.metrics.SamplingGate;
import dev.marina.schemas.engine.ServerParameters;
import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.v1.AgentCommand;
import dev.marina.schemas.v1.AgentEvent;
import dev.marina.schemas.v1.AgentOp;
import dev.marina.schemas.v1.AgentOutcome;
import dev.marina.schemas.v1.AgentReason;
import dev.marina.schemas.v1.Durability;
import dev.marina.schemas.v1.Engine;
import dev.marina.schemas.v1.Heartbeat;
import dev.marina.schemas.v1.Role;
import dev.marina.schemas.v1.ServerConfig;
import dev.marina.schemas.v1.Size;
import dev.marina.schemas.v1.TlsMode;
import dev.marina.service.SecretBox;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two real builds through the agent's {@link CommandHandler}: DEPLOY on the unpacked 10.11.18, a replica updated to the
 * installed 10.11.19 (mariadb-upgrade, replication resumes, no GTID of its own), dynamic parameters set live and kept
 * over a restart, a static one restarting, a build that does not start undone; and the allow-list's DYNAMIC/STATIC
 * checked against the server. The 10.11.18 build must be unpacked ({@code ./marina deps}): without it this test fails.
 */
class EngineUpdateIT {

    private static final String OLD = "10.11.18";
    private static final String BROKEN = "10.11.99";
    private static final String ADMIN = "shop_admin";
    private static final String PASSWORD = "pw-" + UUID.randomUUID();
    private static final String REPLICATION_PASSWORD = "repl-" + UUID.randomUUID();
    private static final String DEPLOYMENT = "acme/engines";
    private static final Duration WAIT = Duration.ofSeconds(20);

    private static Path home;
    private static Path engines;
    private static String installed;
    private static SecretBox box;

    @BeforeAll
    static void setUp() throws Exception {
        LocalServers.requireMariaDb();
        Path unpacked = MariaDbSettings.defaultEnginesRoot().resolve("mariadb-" + OLD);
        assertTrue(Files.isExecutable(unpacked.resolve("usr/sbin/mariadbd")), "MariaDB " + OLD + " is not unpacked in " + unpacked
                + ": run ./marina deps");
        home = Files.createTempDirectory("marina-engines-it-");
        box = SecretBox.fromKeyFile(home.resolve("secrets/platform.key"));
        // The engines root of this test: the real 10.11.18 and a build whose mariadbd cannot start.
        engines = Files.createDirectories(home.resolve("engines"));
        Files.createSymbolicLink(engines.resolve("mariadb-" + OLD), unpacked);
        Path broken = Files.createDirectories(engines.resolve("mariadb-" + BROKEN + "/usr/sbin")).resolve("mariadbd");
        Files.writeString(broken, "#!/bin/sh\necho \"this build is broken on purpose\" >&2\nexit 1\n");
        Files.setPosixFilePermissions(broken, PosixFilePermissions.fromString("rwxr-xr-x"));
        installed = new MariaDbServer(new InstanceFiles(home), "127.0.0.1", home, settings()).version();
    }

    @AfterAll
    static void tearDown() {
        if (home != null) {
            LocalServers.killServersUnder(home);
            TemplateDataDirectory.deleteTree(home);
        }
    }

    private static MariaDbSettings settings() {
        return MariaDbSettings.defaults().withEnginesRoot(engines);
    }

    @Test
    void deploys_an_older_build_updates_a_replica_to_the_newer_one_sets_parameters_and_undoes_a_broken_build() throws Exception {
        Set<String> taken = new HashSet<>();
        Node a = new Node("acme-engines-1", taken);
        Node b = new Node("acme-engines-2", taken);
        try {
            // --- (a) DEPLOY on 10.11.18: the server says so, and so do the answer and the heartbeat.
            AgentEvent deployed = a.handle(a.deploy(Role.ROLE_PRIMARY, config(OLD, Map.of())));
            assertReady(deployed);
            assertEquals(OLD, deployed.getRunning().getVersion());
            assertTrue(a.agentQuery("SELECT VERSION()").startsWith(OLD + "-"), a.agentQuery("SELECT VERSION()"));
            Heartbeat beat = a.heartbeat();
            assertEquals(OLD, beat.getRunning().getVersion());
            assertEquals(Size.SIZE_SMALL, beat.getRunning().getSize());
            assertTrue(beat.getServerUptimeS() >= 0);
            a.adminExecute("CREATE DATABASE shop");
            a.adminExecute("CREATE TABLE shop.orders (id INT PRIMARY KEY)");
            a.adminExecute("INSERT INTO shop.orders VALUES (1), (2)");

            AgentEvent replica = b.handle(b.deploy(Role.ROLE_REPLICA, config(OLD, Map.of("max_connections", "100"))));
            assertReady(replica);
            assertEquals(Map.of("max_connections", "100"), replica.getRunning().getParametersMap());
            AgentEvent linked = b.handle(b.replicate(a));
            assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, linked.getOutcome(), linked.getReason());
            await("b has the rows", () -> b.count() == 2);

            // A writable primary is never restarted by UPDATE.
            AgentEvent primaryRestart = a.handle(a.update(config(installed, Map.of())));
            assertEquals(AgentOutcome.AGENT_OUTCOME_REFUSED, primaryRestart.getOutcome());
            assertEquals(AgentReason.AGENT_REASON_WRONG_STATE, primaryRestart.getReasonCode());

            // --- (b) UPDATE the replica to the installed 10.11.19: a restart, mariadb-upgrade, no GTID of its own.
            String positionBefore = b.agentQuery("SELECT @@gtid_binlog_pos");
            String currentBefore = b.agentQuery("SELECT @@gtid_current_pos");
            long pidBefore = b.serverPid();
            AgentEvent upgraded = b.handle(b.update(config(installed, Map.of("max_connections", "100"))));
            assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_READY, upgraded.getOutcome(), upgraded.getReason());
            System.out.printf("EngineUpdateIT: %s → %s: %s; drain: %s%n", OLD, installed, upgraded.getReason(), upgraded.getDrain());
            assertEquals(installed, upgraded.getRunning().getVersion());
            assertEquals("no open transactions", upgraded.getDrain());
            assertTrue(upgraded.getReason().contains("mariadb-upgrade done"), upgraded.getReason());
            assertNotEquals(pidBefore, b.serverPid());
            assertTrue(b.agentQuery("SELECT VERSION()").startsWith(installed + "-"));
            assertTrue(Files.readString(b.files.data().resolve("mysql_upgrade_info")).startsWith(installed),
                    "mariadb-upgrade ran for " + installed);
            assertEquals(positionBefore, b.agentQuery("SELECT @@gtid_binlog_pos"), "mariadb-upgrade wrote nothing to the binary log");
            assertEquals(currentBefore, b.agentQuery("SELECT @@gtid_current_pos"), "the GTID position did not move");
            assertEquals(installed, b.heartbeat().getRunning().getVersion());
            // Replication resumed by itself.
            a.adminExecute("INSERT INTO shop.orders VALUES (3)");
            await("b replicates again after the restart", () -> b.count() == 3);
            assertTrue(b.heartbeat().getReplicationConnected());
            // The same UPDATE again changes nothing.
            AgentEvent again = b.handle(b.update(config(installed, Map.of("max_connections", "100"))));
            assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, again.getOutcome(), again.getReason());
            assertEquals(installed, again.getRunning().getVersion());

            // --- (c) A dynamic parameter: set live, no restart (uptime keeps counting), kept over a restart.
            long pidLive = b.serverPid();
            long uptimeBefore = b.heartbeat().getServerUptimeS();
            Thread.sleep(1100);
            AgentEvent live = b.handle(b.update(config(installed, Map.of("max_connections", "200"))));
            assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, live.getOutcome(), live.getReason());
            assertEquals("200", live.getRunning().getParametersMap().get("max_connections"));
            assertEquals("200", b.agentQuery("SELECT @@max_connections"));
            assertEquals(pidLive, b.serverPid());
            Heartbeat afterLive = b.heartbeat();
            assertTrue(afterLive.getServerUptimeS() > uptimeBefore, afterLive.getServerUptimeS() + " > " + uptimeBefore);
            assertEquals("200", afterLive.getRunning().getParametersMap().get("max_connections"));

            // --- (d) A static parameter restarts; the dynamic one set before stays.
            AgentEvent restarted = b.handle(b.update(config(installed, Map.of("max_connections", "200", "performance_schema", "ON"))));
            assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_READY, restarted.getOutcome(), restarted.getReason());
            assertNotEquals(pidLive, b.serverPid());
            assertEquals("1", b.agentQuery("SELECT @@performance_schema"));
            assertEquals("200", b.agentQuery("SELECT @@max_connections"), "the live change was persisted for later starts");

            // --- Drain: an open transaction that ends in time is waited for; one that does not, only up to the timeout.
            try (Connection open = b.admin(); Statement s = open.createStatement()) {
                // A replica is read-only (no FOR UPDATE): a reading transaction with its snapshot is open all the same.
                s.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT");
                s.executeQuery("SELECT COUNT(*) FROM shop.orders").close();
                Thread finisher = new Thread(() -> {
                    try {
                        Thread.sleep(400);
                        try (Statement end = open.createStatement()) {
                            end.execute("COMMIT");
                        }
                    } catch (InterruptedException | SQLException e) {
                        throw new IllegalStateException(e);
                    }
                });
                finisher.start();
                AgentEvent waited = b.handle(b.update(config(installed, Map.of("max_connections", "200", "performance_schema", "OFF"))));
                finisher.join();
                System.out.printf("EngineUpdateIT: drain of a transaction that ends: %s%n", waited.getDrain());
                assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_READY, waited.getOutcome(), waited.getReason());
                assertTrue(waited.getDrain().matches("1 finished in 0\\.\\d s"), waited.getDrain());
            }
            try (Connection open = b.admin(); Statement s = open.createStatement()) {
                s.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT");
                s.executeQuery("SELECT COUNT(*) FROM shop.orders").close();
                AgentEvent timedOut = b.handle(b.update(config(installed, Map.of("max_connections", "200", "performance_schema", "ON")))
                        .toBuilder().setDrainTimeoutMs(1_000).build());
                System.out.printf("EngineUpdateIT: drain of a transaction that stays open: %s%n", timedOut.getDrain());
                assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_READY, timedOut.getOutcome(), timedOut.getReason());
                assertEquals("drain timeout after 1 s with 1 open", timedOut.getDrain());
            }

            // --- (e) A build that does not start: back on the previous one, still serving and replicating.
            long pidGood = b.serverPid();
            AgentEvent broken = b.handle(b.update(config(BROKEN, Map.of("max_connections", "200", "performance_schema", "ON"))));
            System.out.printf("EngineUpdateIT: broken build: %s%n", broken.getReason());
            assertEquals(AgentOutcome.AGENT_OUTCOME_FAILED, broken.getOutcome(), broken.getReason());
            assertEquals(AgentReason.AGENT_REASON_UPDATE_FAILED, broken.getReasonCode());
            assertTrue(broken.getReason().contains("broken on purpose"), broken.getReason());
            assertEquals(installed, broken.getRunning().getVersion());
            assertNotEquals(pidGood, b.serverPid());
            assertTrue(b.agentQuery("SELECT VERSION()").startsWith(installed + "-"));
            a.adminExecute("INSERT INTO shop.orders VALUES (4)");
            await("b replicates on the previous build", () -> b.count() == 4);

            // An agent restart starts (or adopts) the same build.
            Node b2 = b.restartAgent();
            assertEquals(installed, b2.heartbeat().getRunning().getVersion());
        } finally {
            a.database.close();
            b.database.close();
        }
    }

    @Test
    void every_dynamic_parameter_is_dynamic_and_every_static_one_is_not() throws Exception {
        Node c = new Node("acme-engines-3", new HashSet<>());
        try {
            assertReady(c.handle(c.deploy(Role.ROLE_REPLICA, config(installed, Map.of()))));
            List<String> wrong = new ArrayList<>();
            for (ServerParameters.Parameter parameter : ServerParameters.allowed().values()) {
                String name = parameter.name();
                boolean dynamic;
                try {
                    c.agentExecute("SET GLOBAL " + name + " = @@global." + name);
                    dynamic = true;
                } catch (SQLException e) {
                    // 1238: "Variable '…' is a read only variable"
                    assertEquals(1238, e.getErrorCode(), name + ": " + e.getMessage());
                    dynamic = false;
                }
                if (dynamic != (parameter.apply() == ServerParameters.Apply.DYNAMIC)) {
                    wrong.add(name + " is " + (dynamic ? "dynamic" : "static") + " on " + installed);
                }
            }
            assertEquals(List.of(), wrong);
        } finally {
            c.database.close();
        }
    }

    private static ServerConfig config(String version, Map<String, String> parameters) {
        return ServerConfig.newBuilder().setVersion(version).setSize(Size.SIZE_SMALL).putAllParameters(parameters).build();
    }

    private static void assertReady(AgentEvent event) {
        assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_READY, event.getOutcome(), event.getReason());
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out: " + what);
            }
            Thread.sleep(50);
        }
    }

    /** One instance: its folder, its server, its agent's command handler. */
    private static final class Node {
        final String id;
        final String address;
        final InstanceFiles files;
        final MariaDbServer database;
        final CommandHandler handler;
        final InstanceIdentity identity;
        private long sequence;

        Node(String id, Set<String> taken) {
            this(id, distinctAddress(taken));
        }

        private Node(String id, String address) {
            this.id = id;
            this.address = address;
            this.files = new InstanceFiles(home.resolve("instances").resolve(id));
            this.identity = new InstanceIdentity(id, DEPLOYMENT, address);
            this.database = new MariaDbServer(files, address, home, settings());
            this.handler = new CommandHandler(identity, files, database, () -> box, new AgentMetrics(new SimpleMeterRegistry()),
                    new SamplingGate(), Clock.systemUTC(), new Lease(Duration.ofSeconds(1)), Duration.ofSeconds(3));
        }

        Node restartAgent() {
            database.close();
            Node next = new Node(id, address);
            AgentEvent recovered = next.handler.recover().orElseThrow();
            assertReady(recovered);
            return next;
        }

        private static String distinctAddress(Set<String> taken) {
            while (true) {
                String address = LocalServers.freeAddress();
                if (taken.add(address)) {
                    return address;
                }
            }
        }

        AgentEvent handle(AgentCommand command) {
            return handler.handle(command);
        }

        AgentCommand.Builder command(String commandId, AgentOp op, long epoch) {
            return AgentCommand.newBuilder().setCommandId(commandId).setInstanceId(id).setOp(op).setEpoch(epoch)
                    .setDeployment(DeploymentKey.parse(DEPLOYMENT));
        }

        AgentCommand deploy(Role role, ServerConfig config) {
            return command("deploy-" + id, AgentOp.AGENT_OP_DEPLOY, 1).setEngine(Engine.ENGINE_MARIADB).setVersion(config.getVersion())
                    .setSize(config.getSize()).setConfig(config).setAdminUser(ADMIN).setAdminPassword(box.seal(PASSWORD))
                    .setTlsMode(TlsMode.TLS_MODE_DISABLED).setRole(role).setReplicationPassword(box.seal(REPLICATION_PASSWORD))
                    .setDurability(Durability.DURABILITY_ASYNC).build();
        }

        AgentCommand update(ServerConfig config) {
            return command("update-" + id + "-" + UUID.randomUUID(), AgentOp.AGENT_OP_UPDATE, 2).setConfig(config)
                    .setVersion(config.getVersion()).setSize(config.getSize()).setDrainTimeoutMs(5_000).build();
        }

        AgentCommand replicate(Node primary) {
            return command("replicate-" + id, AgentOp.AGENT_OP_REPLICATE, 2).setPrimaryAddress(primary.address)
                    .setPrimaryInstanceId(primary.id).setReplicationPassword(box.seal(REPLICATION_PASSWORD))
                    .setDurability(Durability.DURABILITY_ASYNC).build();
        }

        Heartbeat heartbeat() {
            return HeartbeatLoop.heartbeat(identity, database.observe(), handler.roleFacts(), ++sequence, Clock.systemUTC());
        }

        Connection admin() throws SQLException {
            return DriverManager.getConnection("jdbc:mysql://" + address + ":3306/?sslMode=REQUIRED&connectTimeout=2000", ADMIN, PASSWORD);
        }

        void adminExecute(String sql) throws SQLException {
            try (Connection c = admin(); Statement s = c.createStatement()) {
                s.execute(sql);
            }
        }

        private Connection agent() throws SQLException, IOException {
            return DriverManager.getConnection("jdbc:mysql://" + address + ":3306/?sslMode=REQUIRED&connectTimeout=2000",
                    MariaDbServer.AGENT_USER, Files.readString(files.agentSecret()).trim());
        }

        String agentQuery(String sql) throws SQLException, IOException {
            try (Connection c = agent(); Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
                assertTrue(r.next(), sql);
                String value = r.getString(1);
                return value == null ? "" : value;
            }
        }

        void agentExecute(String sql) throws SQLException, IOException {
            try (Connection c = agent(); Statement s = c.createStatement()) {
                s.execute(sql);
            }
        }

        int count() {
            try {
                return Integer.parseInt(agentQuery("SELECT COUNT(*) FROM shop.orders"));
            } catch (SQLException | IOException e) {
                return -1;
            }
        }

        long serverPid() throws IOException {
            return Long.parseLong(Files.readString(files.pidFile()).trim());
        }
    }
}
