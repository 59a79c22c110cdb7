package dev.marina.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.agent.database.MariaDbFigures;
import dev.marina.agent.database.MariaDbServer;
import dev.marina.agent.database.MariaDbSettings;
import dev.marina.agent.database.TemplateDataDirectory;
import dev.marina.agent.decision.Lease;
import dev.marina.agent.kafka.HeartbeatLoop;
import dev.marina.agent.metrics.DatabaseStatus;
import dev.marina.agent.metrics.SamplingGate;
import dev.marina.agent.tls.TestCa;
import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.v1.ActionKey;
import dev.marina.schemas.v1.ActionKind;
import dev.marina.schemas.v1.AgentCommand;
import dev.marina.schemas.v1.AgentEvent;
import dev.marina.schemas.v1.AgentOp;
import dev.marina.schemas.v1.AgentOutcome;
import dev.marina.schemas.v1.Durability;
import dev.marina.schemas.v1.Engine;
import dev.marina.schemas.v1.Heartbeat;
import dev.marina.schemas.v1.Role;
import dev.marina.schemas.v1.Size;
import dev.marina.schemas.v1.TlsMode;
import dev.marina.service.SecretBox;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * PAUSE and RESUME with real servers through the agent's {@link CommandHandler}, TLS required as deployments have it:
 * a semi-sync primary and its replica; the replica paused and resumed (it replicates on); the primary paused with wake on
 * connect, woken by the real {@code mariadb} client (its first query answered, no retry; several clients at once), the
 * woken event; an agent restarted while paused keeps it paused and wakes it; a killed listener is armed again. Client-only
 * figures beside: the agent's own statements do not count.
 */
class PauseWakeIT {

    private static final String ADMIN = "shop_admin";
    private static final String PASSWORD = "pw-" + UUID.randomUUID();
    private static final String REPLICATION_PASSWORD = "repl-" + UUID.randomUUID();
    private static final String DEPLOYMENT = "acme/pausing";
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final List<String> NAMES = List.of("pausing.acme.db.test");

    private static Path home;
    private static SecretBox box;
    private static TestCa ca;
    private static Path caFile;

    @BeforeAll
    static void setUp() throws Exception {
        LocalServers.requireMariaDb();
        assertTrue(Files.isExecutable(Path.of("/usr/bin/systemd-socket-activate")), "systemd-socket-activate is missing: run ./marina deps");
        assertTrue(Files.isExecutable(Path.of("/usr/bin/mariadb")), "the mariadb client is missing: run ./marina deps");
        home = Files.createTempDirectory("marina-pause-it-");
        box = SecretBox.fromKeyFile(home.resolve("secrets/platform.key"));
        ca = TestCa.root("marina pause IT CA");
        caFile = home.resolve("ca.pem");
        Files.writeString(caFile, ca.pem());
    }

    @AfterAll
    static void tearDown() {
        if (home != null) {
            String prefix = "--defaults-file=" + home.toAbsolutePath();
            ProcessHandle.allProcesses().filter(p -> p.info().arguments().map(a -> List.of(a).stream().anyMatch(x -> x.startsWith(prefix)))
                    .orElse(false)).forEach(ProcessHandle::destroyForcibly);
            LocalServers.killServersUnder(home);
            TemplateDataDirectory.deleteTree(home);
        }
    }

    @Test
    void pauses_a_replica_and_a_primary_that_a_client_wakes_and_resumes_them() throws Exception {
        Set<String> taken = new HashSet<>();
        Node a = new Node("acme-pausing-1", taken);
        Node b = new Node("acme-pausing-2", taken);
        try {
            // --- A semi-sync primary and its replica, TLS required (a certificate installed), rows written.
            assertReady(a.handle(a.deploy(Role.ROLE_PRIMARY)));
            a.installCertificate();
            a.admin("CREATE DATABASE shop");
            a.admin("CREATE TABLE shop.orders (id INT PRIMARY KEY)");
            a.admin("INSERT INTO shop.orders VALUES (1), (2), (3)");
            assertReady(b.handle(b.deploy(Role.ROLE_REPLICA)));
            b.installCertificate();
            assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, b.handle(b.replicate(a)).getOutcome());
            await("the replica has the rows", () -> b.count() == 3);
            await("the primary's semi-sync is armed by its replica", () -> a.heartbeat().getSemiSyncReplicasConnected() == 1);

            // --- Client-only figures: the agent's own statements (probes, sampling) do not count; a client's do.
            MariaDbFigures figures = new MariaDbFigures(a.files, a.address);
            DatabaseStatus before = figures.read().status();
            for (int i = 0; i < 5; i++) {
                a.heartbeat();
                figures.read();
            }
            DatabaseStatus idle = figures.read().status();
            assertEquals(before.clientQueries(), idle.clientQueries(), "the agent's own statements are not clients'");
            assertEquals(0, idle.clientConnections(), "no client connected");
            assertTrue(idle.questions() > before.questions(), "Questions counts the agent's statements");
            try (Connection c = a.adminConnection(); Statement s = c.createStatement()) {
                for (int i = 0; i < 10; i++) {
                    s.executeQuery("SELECT " + i).close();
                }
                DatabaseStatus busy = figures.read().status();
                assertEquals(1, busy.clientConnections(), "one client connected");
                long counted = busy.clientQueries() - idle.clientQueries();
                System.out.printf("PauseWakeIT: client queries counted for 10 SELECTs over a new JDBC connection: %d (its session set-up included)%n",
                        counted);
                assertTrue(counted >= 10 && counted <= 20, "counted " + counted);
            }
            figures.close();

            // --- The replica paused (no wake): stopped, its memory freed, heartbeat says paused.
            AgentEvent bPaused = b.handle(b.command("pause-b-1", AgentOp.AGENT_OP_PAUSE, 2).build());
            assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_STOPPED, bPaused.getOutcome(), bPaused.getReason());
            assertTrue(bPaused.getPaused());
            assertTrue(LocalServers.serversUnder(b.files.dir()).isEmpty(), "no mariadbd of the paused replica");
            Heartbeat bBeat = b.heartbeat();
            assertTrue(bBeat.getPaused());
            assertFalse(bBeat.getDatabaseReachable());
            assertFalse(bBeat.getWakeOnConnect());

            // --- The primary paused with wake on connect.
            long serverRss = rss(a.serverPid());
            long agentRss = rss(ProcessHandle.current().pid());
            AgentEvent paused = a.handle(a.pause("pause-a-1"));
            assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_STOPPED, paused.getOutcome(), paused.getReason());
            assertTrue(paused.getPaused());
            assertEquals(ActionKind.ACTION_KIND_PAUSE, paused.getAction().getKind(), "the action is echoed");
            assertTrue(LocalServers.serversUnder(a.files.dir()).isEmpty(), "no mariadbd of the paused primary");
            long listener = a.listenerPid().orElseThrow();
            System.out.printf("PauseWakeIT: RSS before pause: mariadbd %d kB + agent (test JVM) %d kB; paused: listener %d kB + agent %d kB%n",
                    serverRss / 1024, agentRss / 1024, rss(listener) / 1024, rss(ProcessHandle.current().pid()) / 1024);
            Heartbeat beat = a.heartbeat();
            assertTrue(beat.getPaused());
            assertTrue(beat.getWakeOnConnect());
            assertFalse(beat.getDatabaseReachable());
            assertTrue(LocalServers.serversUnder(a.files.dir()).isEmpty(), "the heartbeat did not wake it");
            assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_STOPPED, a.handle(a.pause("pause-a-1")).getOutcome(), "a repeat");
            assertEquals(listener, a.listenerPid().orElseThrow(), "a repeated PAUSE keeps the listener");

            // --- A real client wakes it: its first query answered (no retry), the rows from before; it is writable and
            // its commits do not wait for the paused replica.
            List<Long> millis = new ArrayList<>();
            try (WakeWatch watch = a.watch()) {
                long started = System.nanoTime();
                String out = mariadb(a.address, "SELECT COUNT(*) FROM shop.orders; INSERT INTO shop.orders VALUES (4); "
                        + "SHOW SESSION STATUS LIKE 'Ssl_version'");
                millis.add((System.nanoTime() - started) / 1_000_000);
                assertTrue(out.startsWith("3\n"), out);
                assertTrue(out.contains("Ssl_version\tTLS"), out);
                AgentEvent woken = a.awaitWoken();
                assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_READY, woken.getOutcome(), woken.getReason());
                assertTrue(woken.getWoken());
                assertFalse(woken.getReadOnly());
                assertEquals(a.address + ":3306", woken.getEndpoint());
                assertFalse(woken.getRunning().getVersion().isEmpty());
                assertEquals(2, woken.getEpoch());
                assertTrue(a.writablePrimary(), "a woken primary takes writes");
                assertFalse(a.heartbeat().getPaused());
                assertTrue(a.heartbeat().getDatabaseReachable());

                // A RESUME of the woken server answers READY again, changing nothing.
                long pid = a.serverPid();
                AgentEvent resumed = a.handle(a.command("resume-a-1", AgentOp.AGENT_OP_RESUME, 2).build());
                assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_READY, resumed.getOutcome(), resumed.getReason());
                assertFalse(resumed.getReadOnly());
                assertEquals(pid, a.serverPid());

                // More rounds, one of them with several clients at once.
                for (int round = 2; round <= 5; round++) {
                    assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_STOPPED, a.handle(a.pause("pause-a-" + round)).getOutcome());
                    assertTrue(LocalServers.serversUnder(a.files.dir()).isEmpty());
                    if (round == 3) {
                        ExecutorService clients = Executors.newFixedThreadPool(6);
                        List<Future<String>> answers = new ArrayList<>();
                        for (int i = 0; i < 6; i++) {
                            answers.add(clients.submit(() -> mariadb(a.address, "SELECT COUNT(*) FROM shop.orders")));
                        }
                        for (Future<String> answer : answers) {
                            assertEquals("4\n", answer.get());
                        }
                        clients.shutdown();
                    } else {
                        long at = System.nanoTime();
                        assertEquals("4\n", mariadb(a.address, "SELECT COUNT(*) FROM shop.orders"));
                        millis.add((System.nanoTime() - at) / 1_000_000);
                    }
                    assertTrue(a.awaitWoken().getWoken());
                }
            }
            List<Long> sorted = new ArrayList<>(millis);
            Collections.sort(sorted);
            System.out.printf("PauseWakeIT: woken by the mariadb client, connect to first answer (client process included), ms: %s; p50 %d%n",
                    millis, sorted.get(sorted.size() / 2));

            // --- An agent restarted while paused keeps it paused; a killed listener is armed again; the wake still works.
            assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_STOPPED, a.handle(a.pause("pause-a-6")).getOutcome());
            long before6 = a.listenerPid().orElseThrow();
            Node a2 = a.restartAgent();
            assertTrue(LocalServers.serversUnder(a2.files.dir()).isEmpty(), "a restarted agent does not start a paused server");
            assertTrue(a2.heartbeat().getPaused());
            assertEquals(before6, a2.listenerPid().orElseThrow(), "the listener outlives the agent");
            try (WakeWatch watch = a2.watch()) {
                ProcessHandle killed = ProcessHandle.of(before6).orElseThrow();
                killed.destroyForcibly();
                killed.onExit().get();
                await("the listener is armed again", () -> a2.listenerPid().filter(p -> p != before6).isPresent());
                assertEquals("4\n", mariadb(a2.address, "SELECT COUNT(*) FROM shop.orders"));
                AgentEvent woken = a2.awaitWoken();
                assertTrue(woken.getWoken());
                assertEquals("deploy-" + a2.id, woken.getCommandId(), "unasked: the DEPLOY's id");
            }
            a2.admin("INSERT INTO shop.orders VALUES (5)");

            // --- The replica resumed: read-only, semi-sync as before, replicating from where it was.
            AgentEvent bResumed = b.handle(b.command("resume-b-1", AgentOp.AGENT_OP_RESUME, 2).build());
            assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_READY, bResumed.getOutcome(), bResumed.getReason());
            assertTrue(bResumed.getReadOnly());
            await("the resumed replica has what the primary wrote while it was paused", () -> b.count() == 5);
            a2.admin("INSERT INTO shop.orders VALUES (6)");
            await("and what it writes after", () -> b.count() == 6);
            assertEquals("1", b.agentQuery("SELECT @@read_only"));
            assertEquals("1", b.agentQuery("SELECT @@rpl_semi_sync_slave_enabled"));
            await("the primary's semi-sync sees the replica again", () -> a2.heartbeat().getSemiSyncReplicasConnected() == 1);
            assertFalse(b.heartbeat().getPaused());

            // --- A paused primary resumed (no wake): writable at the command's epoch.
            assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_STOPPED, a2.handle(a2.command("pause-a-7", AgentOp.AGENT_OP_PAUSE, 2)
                    .build()).getOutcome());
            assertTrue(LocalServers.serversUnder(a2.files.dir()).isEmpty());
            AgentEvent aResumed = a2.handle(a2.command("resume-a-2", AgentOp.AGENT_OP_RESUME, 3).build());
            assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_READY, aResumed.getOutcome(), aResumed.getReason());
            assertFalse(aResumed.getReadOnly());
            a2.admin("INSERT INTO shop.orders VALUES (7)");
            await("the replica follows", () -> b.count() == 7);
        } finally {
            a.database.close();
            b.database.close();
        }
    }

    // --- helpers

    private static void assertReady(AgentEvent event) {
        assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_READY, event.getOutcome(), event.getReason());
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out: " + what);
            }
            Thread.sleep(20);
        }
    }

    /** The real client, as a user runs it: TLS against the deployment's CA, one attempt; its output (batch mode). */
    private static String mariadb(String address, String sql) throws IOException, InterruptedException {
        Process client = new ProcessBuilder("/usr/bin/mariadb", "--no-defaults", "-h", address, "-P", "3306", "-u", ADMIN,
                "-p" + PASSWORD, "--ssl", "--ssl-ca=" + caFile, "--connect-timeout=10", "-N", "-B", "-e", sql)
                .redirectErrorStream(true).start();
        String out = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, client.waitFor(), out);
        return out;
    }

    /** VmRSS of a process, in bytes. */
    private static long rss(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmRSS for " + pid);
    }

    private static final class Node {
        final String id;
        final String address;
        final InstanceFiles files;
        final MariaDbServer database;
        final CommandHandler handler;
        final InstanceIdentity identity;
        final List<AgentEvent> unasked = new CopyOnWriteArrayList<>();
        private long sequence;

        Node(String id, Set<String> taken) {
            this(id, distinctAddress(taken));
        }

        private Node(String id, String address) {
            this.id = id;
            this.address = address;
            this.files = new InstanceFiles(home.resolve("instances").resolve(id));
            this.identity = new InstanceIdentity(id, DEPLOYMENT, address);
            this.database = new MariaDbServer(files, address, home, MariaDbSettings.defaults());
            this.handler = new CommandHandler(identity, files, database, () -> box, new AgentMetrics(new SimpleMeterRegistry()),
                    new SamplingGate(), Clock.systemUTC(), new Lease(Duration.ofSeconds(30)), Duration.ofSeconds(3));
            handler.useUnaskedEvents(unasked::add);
        }

        Node restartAgent() {
            database.close();
            Node next = new Node(id, address);
            assertTrue(next.handler.recover().isEmpty(), "a paused instance is not announced at the agent's start");
            return next;
        }

        WakeWatch watch() {
            WakeWatch watch = new WakeWatch(identity, handler::watchWake);
            watch.start();
            return watch;
        }

        AgentEvent awaitWoken() throws InterruptedException {
            await("the woken event of " + id, () -> !unasked.isEmpty());
            return unasked.remove(0);
        }

        boolean writablePrimary() {
            return handler.writablePrimary();
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

        AgentCommand deploy(Role role) {
            return command("deploy-" + id, AgentOp.AGENT_OP_DEPLOY, 1).setEngine(Engine.ENGINE_MARIADB).setVersion("10.11")
                    .setSize(Size.SIZE_SMALL).setAdminUser(ADMIN).setAdminPassword(box.seal(PASSWORD))
                    .setTlsMode(TlsMode.TLS_MODE_ACME).setRole(role).setReplicationPassword(box.seal(REPLICATION_PASSWORD))
                    .setDurability(Durability.DURABILITY_SEMI_SYNC).setReplicasWanted(1).build();
        }

        AgentCommand pause(String commandId) {
            return command(commandId, AgentOp.AGENT_OP_PAUSE, 2).setWakeOnConnect(true)
                    .setAction(ActionKey.newBuilder().setKind(ActionKind.ACTION_KIND_PAUSE).setRequest(1)).build();
        }

        AgentCommand replicate(Node primary) {
            return command("replicate-" + id, AgentOp.AGENT_OP_REPLICATE, 2).setPrimaryAddress(primary.address)
                    .setPrimaryInstanceId(primary.id).setReplicationPassword(box.seal(REPLICATION_PASSWORD))
                    .setDurability(Durability.DURABILITY_SEMI_SYNC).build();
        }

        /** MAKE_CSR, signed by the test CA, INSTALL_CERT: TLS required from then on. */
        void installCertificate() {
            AgentEvent csr = handle(command("csr-" + id, AgentOp.AGENT_OP_MAKE_CSR, 1).setCertRequestId("r1").addAllDnsNames(NAMES).build());
            assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, csr.getOutcome(), csr.getReason());
            X509Certificate leaf = ca.sign(csr.getCsrPem());
            AgentEvent installed = handle(command("install-" + id, AgentOp.AGENT_OP_INSTALL_CERT, 1).setCertRequestId("r1")
                    .setCertChainPem(ca.chainPem(leaf)).setCaBundlePem(ca.pem()).build());
            assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, installed.getOutcome(), installed.getReason());
        }

        Heartbeat heartbeat() {
            return HeartbeatLoop.heartbeat(identity, database.observe(), handler.roleFacts(), ++sequence, Clock.systemUTC());
        }

        Connection adminConnection() throws SQLException {
            return DriverManager.getConnection("jdbc:mysql://" + address + ":3306/?sslMode=REQUIRED&connectTimeout=2000", ADMIN, PASSWORD);
        }

        void admin(String sql) throws SQLException {
            try (Connection c = adminConnection(); Statement s = c.createStatement()) {
                s.execute(sql);
            }
        }

        String agentQuery(String sql) throws SQLException, IOException {
            try (Connection c = DriverManager.getConnection("jdbc:mysql://" + address + ":3306/?sslMode=REQUIRED&connectTimeout=2000",
                    MariaDbServer.AGENT_USER, Files.readString(files.agentSecret()).trim());
                    Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
                assertTrue(r.next(), sql);
                String value = r.getString(1);
                return value == null ? "" : value;
            }
        }

        int count() {
            try {
                return Integer.parseInt(agentQuery("SELECT COUNT(*) FROM shop.orders"));
            } catch (SQLException | IOException | RuntimeException e) {
                return -1;
            }
        }

        long serverPid() throws IOException {
            return Long.parseLong(Files.readString(files.pidFile()).trim());
        }

        /** The wake listener of this instance (systemd-socket-activate naming its my.cnf), not woken yet. */
        Optional<Long> listenerPid() {
            String arg = "--defaults-file=" + files.myCnf();
            return ProcessHandle.allProcesses()
                    .filter(p -> p.info().command().map(c -> c.endsWith("/systemd-socket-activate")).orElse(false))
                    .filter(p -> p.info().arguments().map(x -> List.of(x).contains(arg)).orElse(false))
                    .map(ProcessHandle::pid).findFirst();
        }
    }
}
