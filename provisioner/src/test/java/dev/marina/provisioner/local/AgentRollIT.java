package dev.marina.provisioner.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.marina.provisioner.driver.CreateRequest;
import dev.marina.schemas.access.Role;
import dev.marina.schemas.proof.PlatformProofKey;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.topics.TopicBootstrap;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.ActionKey;
import dev.marina.schemas.v1.ActionKind;
import dev.marina.schemas.v1.AgentCommand;
import dev.marina.schemas.v1.AgentOp;
import dev.marina.schemas.v1.Engine;
import dev.marina.schemas.v1.Heartbeat;
import dev.marina.schemas.v1.Size;
import dev.marina.service.SecretBox;
import dev.marina.testkit.SharedKafka;
import dev.marina.testkit.TopicTail;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The agent roll with a real agent and a real {@code mariadbd}: an instance is created through the local driver
 * (its first command deploys the database), a client connects, then the agent build changes (the jar is touched)
 * and the roll replaces the agent. The database must not notice: same pid, uptime still counting, the client's
 * connection still answering.
 */
class AgentRollIT {

    private static final Path MARIADBD = Path.of("/usr/sbin/mariadbd");
    private static final Path INSTALL_DB = Path.of("/usr/bin/mariadb-install-db");
    private static final String ADMIN = "roll_admin";
    private static final String PASSWORD = "pw-" + UUID.randomUUID();
    private static final int AGENT_HTTP_PORT = 8086;
    private static final PlatformProofKey PROOF = new PlatformProofKey(new byte[32]);

    private Path home;
    private Path agentCopy;
    private LocalDriver driver;
    private AgentCredentials credentials;
    private String instanceId;

    @BeforeEach
    void prerequisites() throws IOException {
        assertTrue(Files.isExecutable(MARIADBD) && Files.isExecutable(INSTALL_DB),
                "MariaDB is not installed (" + MARIADBD + ", " + INSTALL_DB + "): apt-get install mariadb-server");
        Path built = repoRoot().resolve("agent/target/quarkus-app");
        assertTrue(Files.isRegularFile(built.resolve("quarkus-run.jar")), built.resolve("quarkus-run.jar")
                + " is missing: build the agent first (mvn -o -pl agent -am package -DskipTests, or ./marina test)");
        // Short: mariadbd's socket lives in the instance folder, and a socket path has at most 107 bytes.
        home = Files.createTempDirectory("mroll-");
        // Beside the build (same file system): its files are hard-linked, not copied.
        agentCopy = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "agent-roll-it-");
    }

    @AfterEach
    void cleanUp() {
        try {
            if (driver != null && instanceId != null) {
                driver.destroy(instanceId); // the agent, its mariadbd, its folder and Kafka principal
            }
        } finally {
            if (credentials != null) {
                credentials.close();
            }
            StandInAgent.killEverythingUnder(home);
            deleteTree(home);
            deleteTree(agentCopy);
        }
    }

    @Test
    void a_new_agent_build_replaces_the_agent_and_its_database_keeps_running_with_its_connections() throws Exception {
        new TopicBootstrap(SharedKafka.clientProperties(), (short) 1, Duration.ofSeconds(30)).ensure(Topics.ALL);
        // The agent as built, linked into a folder of the test's own, so touching its jar changes no one else's build.
        Path jar = linkedCopy(repoRoot().resolve("agent/target/quarkus-app"), agentCopy.resolve("quarkus-app")).resolve("quarkus-run.jar");
        Path keyFile = home.resolve("secrets/platform.key");
        SecretBox box = SecretBox.fromKeyFile(keyFile);
        AgentClassData classData = new AgentClassData(LocalDataPlane.javaCommand(), jar, home.resolve("provisioner/class-data"));
        AgentLauncher.Settings launch = new AgentLauncher.Settings(LocalDataPlane.defaultAgentCommand(jar, classData), home,
                SharedKafka.bootstrapServers(), keyFile, AGENT_HTTP_PORT, Optional.of(jar), Optional.empty());
        credentials = new AgentCredentials(SharedKafka.clientProperties(Role.PROVISIONER));
        driver = LocalDriver.open(home, AddressRange.parse(freeRange()), launch, new InstanceKeys(PROOF, credentials),
                Duration.ofSeconds(10), Clock.systemUTC());
        AgentReadiness readiness = AgentReadiness.http(AGENT_HTTP_PORT, Duration.ofSeconds(2));
        AgentRoller roller = new AgentRoller(driver, readiness,
                new AgentRoller.Settings(Duration.ZERO, Duration.ofSeconds(90), Duration.ofMillis(100)), Clock.systemUTC());

        String tenant = "roll" + UUID.randomUUID().toString().substring(0, 6);
        String deployment = tenant + "/orders";
        instanceId = tenant + "-orders-1";
        AgentCommand deploy = AgentCommand.newBuilder().setCommandId("deploy-1").setInstanceId(instanceId)
                .setOp(AgentOp.AGENT_OP_DEPLOY).setDeployment(DeploymentKey.parse(deployment))
                .setAction(ActionKey.newBuilder().setKind(ActionKind.ACTION_KIND_DEPLOY).setInstanceId(instanceId))
                .setEngine(Engine.ENGINE_MARIADB).setVersion("10.11").setSize(Size.SIZE_SMALL).setAdminUser(ADMIN)
                .setAdminPassword(box.seal(PASSWORD)).setGeneration(1).build();
        driver.create(new CreateRequest(instanceId, deployment, Size.SIZE_SMALL, Instant.now(),
                Optional.of(ProtoJsonSerde.toJson(deploy))));
        InstanceRecord before = record();
        AgentBuild firstBuild = AgentBuild.of(jar);
        assertEquals(firstBuild.fingerprint(), before.agentBuild(), "the build is recorded with the instance");
        assertEquals(firstBuild.fingerprint(), environmentOf(before.pid(), AgentBuild.ENV), "and handed to the agent");

        try (TopicTail<Heartbeat> heartbeats = new TopicTail<>(Topics.HEARTBEATS)) {
            Connection client = awaitConnection(before, Duration.ofSeconds(120));
            awaitReady(readiness, before, Duration.ofSeconds(60));
            try (Statement s = client.createStatement()) {
                s.execute("CREATE DATABASE shop");
                s.execute("CREATE TABLE shop.orders (id INT PRIMARY KEY, item VARCHAR(40))");
                s.execute("INSERT INTO shop.orders VALUES (1, 'boat')");
            }
            long connectionId = single(client, "SELECT CONNECTION_ID()");
            long serverPid = serverPid(before);
            // Uptime counts whole seconds: let it pass 1 so that "kept counting" and "reset" differ.
            while (uptime(client) < 2) {
                Thread.sleep(200);
            }
            long uptimeBefore = uptime(client);
            long measuredAt = System.nanoTime();

            roller.rollOnce();
            assertEquals(before.pid(), record().pid(), "the build has not changed: nothing is replaced");
            assertEquals(0, roller.outdated());

            // A rebuild, as far as the provisioner can tell.
            Files.setLastModifiedTime(jar, FileTime.from(Instant.now()));
            AgentBuild secondBuild = AgentBuild.of(jar);
            assertNotEquals(firstBuild.fingerprint(), secondBuild.fingerprint());

            long rollStarted = System.nanoTime();
            roller.rollOnce();
            long rollMs = (System.nanoTime() - rollStarted) / 1_000_000;

            InstanceRecord after = record();
            assertEquals(1, roller.replaced(), "one agent replaced");
            assertEquals(0, roller.failed());
            assertEquals(0, roller.outdated());
            assertNotEquals(before.pid(), after.pid(), "a new agent process serves the instance");
            assertFalse(ProcFs.isRunning(before.pid()), "the old agent is gone");
            assertTrue(InstanceProcesses.isAgentRunning(after), "the new agent runs in the instance folder");
            assertTrue(readiness.isReady(after), "and answers ready");
            assertEquals(secondBuild.fingerprint(), after.agentBuild());
            assertEquals(secondBuild.fingerprint(), environmentOf(after.pid(), AgentBuild.ENV));
            assertEquals(after, InstanceRegistry.load(driver.registryFile()).find(instanceId).orElseThrow(),
                    "on disk, for a provisioner that restarts");

            assertEquals(serverPid, serverPid(after), "mariadbd keeps its pid");
            assertTrue(ProcFs.isRunning(serverPid), "and runs");
            long elapsed = (System.nanoTime() - measuredAt) / 1_000_000_000;
            long uptimeAfter = uptime(client);
            assertTrue(uptimeAfter > uptimeBefore && uptimeAfter >= uptimeBefore + elapsed - 1,
                    "uptime kept counting: " + uptimeBefore + " s, then " + uptimeAfter + " s " + elapsed + " s later");
            assertEquals(connectionId, single(client, "SELECT CONNECTION_ID()"), "the connection opened before is the same one");
            try (Statement s = client.createStatement(); ResultSet r = s.executeQuery("SELECT item FROM shop.orders WHERE id = 1")) {
                assertTrue(r.next());
                assertEquals("boat", r.getString(1), "and still answers");
            }
            client.close();

            // The new agent adopted the database: its heartbeats see it again.
            Instant rolled = Instant.now();
            heartbeats.await(h -> h.getInstanceId().equals(instanceId) && h.getDatabaseReachable()
                    && h.getSentAt().getSeconds() >= rolled.getEpochSecond(), Duration.ofSeconds(30),
                    "a heartbeat of the new agent that reaches the database");
            List<Heartbeat> beats = heartbeats.seen(h -> h.getInstanceId().equals(instanceId)).stream()
                    .sorted(Comparator.comparingLong(h -> h.getSentAt().getSeconds() * 1_000_000_000L + h.getSentAt().getNanos()))
                    .toList();
            long longestGapMs = 0;
            for (int i = 1; i < beats.size(); i++) {
                longestGapMs = Math.max(longestGapMs, millis(beats.get(i)) - millis(beats.get(i - 1)));
            }
            System.out.printf("AgentRollIT figure: roll_ms=%d (stop, launch, until ready) heartbeat_gap_ms=%d mariadbd_uptime_s=%d->%d%n",
                    rollMs, longestGapMs, uptimeBefore, uptimeAfter);
            String agentLog = Files.readString(after.folderPath().resolve(AgentLauncher.LOG_FILE), StandardCharsets.UTF_8);
            assertTrue(agentLog.contains("(build " + firstBuild.fingerprint() + ")")
                    && agentLog.contains("(build " + secondBuild.fingerprint() + ")"), "both launches name their build in agent.log");
        }
    }

    private InstanceRecord record() {
        return driver.records().stream().filter(r -> r.instanceId().equals(instanceId)).findFirst().orElseThrow();
    }

    private static long millis(Heartbeat h) {
        return h.getSentAt().getSeconds() * 1000 + h.getSentAt().getNanos() / 1_000_000;
    }

    private static long serverPid(InstanceRecord record) throws IOException {
        return Long.parseLong(Files.readString(record.folderPath().resolve(InstanceProcesses.MARIADBD_PID_FILE)).trim());
    }

    private static long uptime(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SHOW GLOBAL STATUS LIKE 'Uptime'")) {
            assertTrue(r.next());
            return r.getLong(2);
        }
    }

    private static long single(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
            assertTrue(r.next());
            return r.getLong(1);
        }
    }

    private static Connection awaitConnection(InstanceRecord record, Duration timeout) throws InterruptedException {
        String address = record.address();
        long deadline = System.nanoTime() + timeout.toNanos();
        SQLException last = null;
        while (System.nanoTime() < deadline) {
            try {
                return DriverManager.getConnection("jdbc:mysql://" + address + ":3306/?sslMode=DISABLED&connectTimeout=2000",
                        ADMIN, PASSWORD);
            } catch (SQLException e) {
                last = e;
                Thread.sleep(500);
            }
        }
        return fail("the deployed database did not accept the admin within " + timeout + ": " + last + "\n" + logTail(record));
    }

    private static void awaitReady(AgentReadiness readiness, InstanceRecord record, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!readiness.isReady(record)) {
            if (System.nanoTime() > deadline) {
                fail("the agent of " + record.instanceId() + " did not answer ready within " + timeout + "\n" + logTail(record));
            }
            Thread.sleep(200);
        }
    }

    /** The end of the instance's agent.log, for a failure's message (the folder goes with the instance). */
    private static String logTail(InstanceRecord record) {
        try {
            List<String> lines = Files.readAllLines(record.folderPath().resolve(AgentLauncher.LOG_FILE), StandardCharsets.UTF_8);
            return "agent.log:\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return "(no agent.log: " + e.getMessage() + ")";
        }
    }

    private static String environmentOf(long pid, String name) throws IOException {
        String environ = new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ")), StandardCharsets.UTF_8);
        return Stream.of(environ.split("\0")).filter(e -> e.startsWith(name + "=")).map(e -> e.substring(name.length() + 1))
                .findFirst().orElse(null);
    }

    /** A /24 of 127.14.0.0/16 where nothing listens on 3306 nor the agent port at .1 (the first address handed out). */
    private static String freeRange() {
        for (int attempt = 0; attempt < 50; attempt++) {
            String prefix = "127.14." + ThreadLocalRandom.current().nextInt(1, 255);
            try (java.net.ServerSocket db = new java.net.ServerSocket();
                    java.net.ServerSocket http = new java.net.ServerSocket()) {
                db.bind(new java.net.InetSocketAddress(java.net.InetAddress.getByName(prefix + ".1"), 3306));
                http.bind(new java.net.InetSocketAddress(java.net.InetAddress.getByName(prefix + ".1"), AGENT_HTTP_PORT));
                return prefix + ".0/24";
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IllegalStateException("no free /24 in 127.14.0.0/16");
    }

    /**
     * The agent's fast-jar folder, every file hard-linked (or copied, across file systems) except the launcher jar,
     * which is copied: the test touches it.
     */
    private static Path linkedCopy(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path source : files.toList()) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else if (source.getFileName().toString().equals("quarkus-run.jar")) {
                    Files.copy(source, target);
                } else {
                    try {
                        Files.createLink(target, source);
                    } catch (IOException | UnsupportedOperationException crossDevice) {
                        Files.copy(source, target);
                    }
                }
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        return to;
    }

    private static void deleteTree(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException | UncheckedIOException e) {
            System.out.println("AgentRollIT: could not delete " + root + ": " + e.getMessage());
        }
    }

    private static Path repoRoot() {
        String configured = System.getProperty("marina.root");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured).toAbsolutePath().normalize();
        }
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("agent"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("cannot find the repository root above " + Path.of("").toAbsolutePath()
                    + "; set -Dmarina.root");
        }
        return dir;
    }
}
