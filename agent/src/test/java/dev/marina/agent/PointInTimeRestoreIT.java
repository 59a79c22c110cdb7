package dev.marina.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.agent.archive.ArchiveIndex;
import dev.marina.agent.archive.BinlogArchiver;
import dev.marina.agent.backup.BackupJobs;
import dev.marina.agent.backup.BackupKey;
import dev.marina.agent.backup.BackupRunner;
import dev.marina.agent.backup.BackupTools;
import dev.marina.agent.backup.ReplayTools;
import dev.marina.agent.backup.RestoreRunner;
import dev.marina.agent.backup.SealingOutputStream;
import dev.marina.agent.backup.ServerLogin;
import dev.marina.agent.database.MariaDbServer;
import dev.marina.agent.database.MariaDbSettings;
import dev.marina.agent.database.TemplateDataDirectory;
import dev.marina.agent.metrics.SamplingGate;
import dev.marina.agent.replication.GtidPosition;
import dev.marina.objectstore.ObjectStore;
import dev.marina.objectstore.ObjectStoreConfig;
import dev.marina.objectstore.S3ObjectStore;
import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.v1.AgentCommand;
import dev.marina.schemas.v1.AgentEvent;
import dev.marina.schemas.v1.AgentOp;
import dev.marina.schemas.v1.AgentOutcome;
import dev.marina.schemas.v1.AgentReason;
import dev.marina.schemas.v1.ArchivedBinlog;
import dev.marina.schemas.v1.BackupManifest;
import dev.marina.schemas.v1.Engine;
import dev.marina.schemas.v1.RestoreSource;
import dev.marina.schemas.v1.Role;
import dev.marina.schemas.v1.Size;
import dev.marina.schemas.v1.StoredObject;
import dev.marina.schemas.v1.TlsMode;
import dev.marina.service.SecretBox;
import dev.marina.service.Timestamps;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * DEPLOY from a backup to a point in time, with real servers and the local s3proxy: a source primary writes numbered
 * rows, is backed up, writes more, T is noted, it writes more; its binary logs are archived (encrypted like backups,
 * with index entries); a new primary restored to T holds exactly the rows committed before T and continues the
 * source's GTIDs; a replica restored from the same backup replays nothing and gets the rest from the new primary. The
 * archive is the agent's own ({@link BinlogArchiver}, one pass).
 * Refusals and failures leave no data behind.
 */
class PointInTimeRestoreIT {

    private static final String ADMIN = "shop_admin";
    private static final String SOURCE_PASSWORD = "source-" + UUID.randomUUID();
    private static final String PASSWORD = "copy-" + UUID.randomUUID();
    private static final String REPLICATION_PASSWORD = "repl-" + UUID.randomUUID();

    private static Path home;
    private static SecretBox box;
    private final List<Node> nodes = new ArrayList<>();

    @BeforeAll
    static void setUp() throws Exception {
        LocalServers.requireMariaDb();
        assertTrue(Files.isExecutable(BackupTools.installed().mariadbBackup()), "mariadb-backup is not installed: apt-get install mariadb-backup");
        home = Files.createTempDirectory("marina-pitr-it-");
        box = SecretBox.fromKeyFile(home.resolve("secrets/platform.key"));
        String version = new MariaDbServer(new InstanceFiles(home), "127.0.0.1", home, MariaDbSettings.defaults()).version();
        TemplateDataDirectory.ensure(home, version, LocalServers.INSTALL_DB);
    }

    @AfterAll
    static void tearDown() {
        if (home != null) {
            LocalServers.killServersUnder(home);
            TemplateDataDirectory.deleteTree(home);
        }
    }

    @Test
    void a_primary_restored_to_a_point_in_time_holds_exactly_the_rows_committed_before_it_and_a_replica_follows() throws Exception {
        ObjectStoreConfig storeConfig = dev.marina.testkit.SharedObjectStore.freshConfig();
        byte[] keyBytes = randomKey();
        try {
            Node source = new Node("shop-1", "acme/shop", storeConfig);
            assertReady(source.handle(source.deploy(Role.ROLE_PRIMARY, SOURCE_PASSWORD, null)));
            source.execute(SOURCE_PASSWORD, "CREATE DATABASE shop", "CREATE TABLE shop.orders (id INT PRIMARY KEY, at DATETIME(6))",
                    "INSERT INTO shop.orders SELECT seq, NOW(6) FROM shop.seq_1_to_100");
            BackupManifest manifest = backUp(source, storeConfig, keyBytes);
            source.insertEach(101, 150);
            source.execute(SOURCE_PASSWORD, "FLUSH BINARY LOGS");
            source.insertEach(151, 200);
            String beforeT = source.query(SOURCE_PASSWORD, "SELECT @@gtid_binlog_pos");
            // T: a second boundary after row 200, plus 0.9 s. Row 201 commits within T's second, before T: the binlog's
            // times are whole seconds, T is rounded down, so it is left out (documented).
            Instant second = waitPastSecondBoundary();
            source.insertEach(201, 201);
            Instant t = second.plusMillis(900);
            assertTrue(Instant.now().isBefore(t), "row 201 committed before T");
            sleepUntil(t.plusMillis(1_100));
            source.insertEach(301, 330);
            source.execute(SOURCE_PASSWORD, "FLUSH BINARY LOGS");
            source.insertEach(331, 340);
            String sourceEnd = source.query(SOURCE_PASSWORD, "SELECT @@gtid_binlog_pos");
            int archived = archive(source, storeConfig, keyBytes);
            assertTrue(archived >= 3, "files archived: " + archived);

            RestoreSource restore = restoreSource("acme/shop", manifest, keyBytes).setPointInTime(Timestamps.of(t)).build();
            Node primary = new Node("copy-1", "acme/copy", storeConfig);
            long started = System.nanoTime();
            AgentEvent ready = primary.handle(primary.deploy(Role.ROLE_PRIMARY, PASSWORD, restore));
            long tookMs = (System.nanoTime() - started) / 1_000_000;
            assertReady(ready);
            assertFalse(ready.getReadOnly(), "a restored primary takes writes");
            assertEquals("200", primary.query(PASSWORD, "SELECT COUNT(*) FROM shop.orders"), "rows 1..200, nothing at or after T");
            assertEquals("200", primary.query(PASSWORD, "SELECT MAX(id) FROM shop.orders"));
            assertEquals(beforeT, primary.query(PASSWORD, "SELECT @@gtid_binlog_pos"),
                    "the replayed transactions with their own GTIDs; the source later went on to " + sourceEnd);
            assertEquals(beforeT, primary.query(PASSWORD, "SELECT @@gtid_current_pos"), "the replica position follows the binlog");
            assertFalse(Files.exists(primary.files.restorePending()));
            assertFalse(Files.exists(primary.files.replayPending()));
            assertFalse(Files.exists(primary.files.replayWork()), "the decrypted binlogs are gone");
            System.out.printf("point-in-time DEPLOY took_ms=%d (restore, replay of %d archived files' needed part, adoption)%n", tookMs, archived);

            primary.execute(PASSWORD, "INSERT INTO shop.orders VALUES (-1, NOW(6))");
            GtidPosition.Gtid next = GtidPosition.parse(primary.query(PASSWORD, "SELECT @@gtid_binlog_pos")).byDomain().get(0L);
            assertEquals(GtidPosition.parse(beforeT).byDomain().get(0L).sequence() + 1, next.sequence(), "the history continues after T");

            // A replica of the new deployment, from the same restore source: no replay, the rest through replication.
            Node replica = new Node("copy-2", "acme/copy", storeConfig);
            AgentEvent replicaReady = replica.handle(replica.deploy(Role.ROLE_REPLICA, PASSWORD, restore));
            assertReady(replicaReady);
            assertEquals("100", replica.query(PASSWORD, "SELECT COUNT(*) FROM shop.orders"), "the backup only");
            assertEquals(manifest.getGtidPosition(), replica.query(PASSWORD, "SELECT @@gtid_binlog_pos"));
            AgentEvent replicating = replica.handle(replica.command("replicate-1", AgentOp.AGENT_OP_REPLICATE)
                    .setPrimaryAddress(primary.address).setPrimaryInstanceId(primary.id)
                    .setReplicationPassword(box.seal(REPLICATION_PASSWORD)).build());
            assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, replicating.getOutcome(), replicating.getReason());
            String primaryPosition = primary.query(PASSWORD, "SELECT @@gtid_binlog_pos");
            awaitEquals(primaryPosition, () -> replica.query(PASSWORD, "SELECT @@gtid_slave_pos"), "the replica follows");
            assertEquals("201", replica.query(PASSWORD, "SELECT COUNT(*) FROM shop.orders"), "rows 1..200 and -1");
            assertEquals("200", replica.query(PASSWORD, "SELECT MAX(id) FROM shop.orders"));
        } finally {
            nodes.forEach(n -> n.database.close());
        }
    }

    @Test
    void a_point_in_time_not_covered_a_damaged_object_and_a_failing_tool_fail_the_deploy_and_leave_no_data() throws Exception {
        ObjectStoreConfig storeConfig = dev.marina.testkit.SharedObjectStore.freshConfig();
        byte[] keyBytes = randomKey();
        try {
            Node source = new Node("tiny-1", "acme/tiny", storeConfig);
            assertReady(source.handle(source.deploy(Role.ROLE_PRIMARY, SOURCE_PASSWORD, null)));
            source.execute(SOURCE_PASSWORD, "CREATE DATABASE shop", "CREATE TABLE shop.orders (id INT PRIMARY KEY, at DATETIME(6))");
            BackupManifest manifest = backUp(source, storeConfig, keyBytes);
            source.execute(SOURCE_PASSWORD, "FLUSH BINARY LOGS");
            source.insertEach(1, 300);
            Instant t = waitPastSecondBoundary();
            source.insertEach(1001, 1010);
            archive(source, storeConfig, keyBytes);
            RestoreSource.Builder restore = restoreSource("acme/tiny", manifest, keyBytes);
            Node copy = new Node("copy-9", "acme/copy9", storeConfig);

            // T after what the archive covers.
            Instant late = Instant.now().plus(1, ChronoUnit.HOURS);
            AgentEvent notCovered = copy.handle(copy.deploy(Role.ROLE_PRIMARY, PASSWORD, restore.setPointInTime(Timestamps.of(late)).build()));
            assertRestoreFailed(notCovered);
            assertTrue(notCovered.getReason().contains("is after what the archive covers") && notCovered.getReason().contains("until "),
                    notCovered.getReason());
            assertNoData(copy);

            // The file holding rows 1..300: damaged in the store, then unreadable for mariadb-binlog.
            ArchivedBinlog rows;
            try (ObjectStore store = new S3ObjectStore(storeConfig)) {
                rows = ArchiveIndex.read(store, DeploymentKey.parse("acme/tiny")).stream()
                        .filter(e -> e.getTransactions() >= 300).findFirst().orElseThrow();
                byte[] sealed = store.get(rows.getObject().getKey()).readAllBytes();
                byte[] damaged = sealed.clone();
                damaged[damaged.length / 2] ^= 1;
                store.put(rows.getObject().getKey(), damaged);
                restore.setPointInTime(Timestamps.of(t));
                AgentEvent refused = copy.handle(copy.deploy(Role.ROLE_PRIMARY, PASSWORD, restore.build()));
                assertRestoreFailed(refused);
                assertTrue(refused.getReason().contains(rows.getObject().getKey()), refused.getReason());
                assertNoData(copy);

                // Cut in the middle of an event: mariadb-binlog applies what comes before, then fails.
                byte[] plain = Files.readAllBytes(source.files.data().resolve(rows.getFileName()));
                byte[] cut = Arrays.copyOf(plain, plain.length * 2 / 3);
                StoredObject object = seal(store, rows.getObject().getKey(), cut, keyBytes);
                ArchiveIndex.write(store, rows.toBuilder().setObject(object).setSizeBytes(cut.length).build());
                AgentEvent toolFailed = copy.handle(copy.deploy(Role.ROLE_PRIMARY, PASSWORD, restore.build()));
                assertRestoreFailed(toolFailed);
                assertTrue(toolFailed.getReason().contains("mariadb-binlog failed on " + rows.getFileName()), toolFailed.getReason());
                assertNoData(copy);
                assertTrue(Files.size(copy.files.replayLog()) > 0, "the tools' output is kept");

                // Put right, the next DEPLOY restores from scratch and replays to T.
                ArchiveIndex.write(store, rows.toBuilder().setObject(seal(store, rows.getObject().getKey(), plain, keyBytes)).build());
            }
            AgentEvent ready = copy.handle(copy.deploy(Role.ROLE_PRIMARY, PASSWORD, restore.build()));
            assertReady(ready);
            assertEquals("300", copy.query(PASSWORD, "SELECT COUNT(*) FROM shop.orders"));
            assertEquals("300", copy.query(PASSWORD, "SELECT MAX(id) FROM shop.orders"));
        } finally {
            nodes.forEach(n -> n.database.close());
        }
    }

    @Test
    void a_replay_cut_short_by_an_agent_crash_is_never_resumed_the_next_deploy_restores_from_scratch() throws Exception {
        ObjectStoreConfig storeConfig = dev.marina.testkit.SharedObjectStore.freshConfig();
        byte[] keyBytes = randomKey();
        Path stalling = home.resolve("stalling-mariadb-binlog");
        // The real tool, cut after 40 kB of its output, then silence with the pipe open: the agent waits for ever, as
        // one that died midway would leave it; what came before the cut is applied.
        Files.writeString(stalling, "#!/bin/sh\n/usr/bin/mariadb-binlog \"$@\" | head -c 40000\nexec sleep 300\n");
        stalling.toFile().setExecutable(true);
        Thread crashed = null;
        try {
            Node source = new Node("crash-1", "acme/crash", storeConfig);
            assertReady(source.handle(source.deploy(Role.ROLE_PRIMARY, SOURCE_PASSWORD, null)));
            source.execute(SOURCE_PASSWORD, "CREATE DATABASE shop", "CREATE TABLE shop.orders (id INT PRIMARY KEY, at DATETIME(6))");
            BackupManifest manifest = backUp(source, storeConfig, keyBytes);
            source.insertEach(1, 300);
            Instant t = waitPastSecondBoundary();
            source.insertEach(1001, 1010);
            archive(source, storeConfig, keyBytes);
            Node first = new Node("copy-8", "acme/copy8", storeConfig);
            AgentCommand deploy = first.deploy(Role.ROLE_PRIMARY, PASSWORD,
                    restoreSource("acme/crash", manifest, keyBytes).setPointInTime(Timestamps.of(t)).build());
            first.handler.useReplayTools(new ReplayTools(stalling, ReplayTools.installed().mariadb()));
            crashed = new Thread(() -> first.handle(deploy), "agent-that-crashes");
            crashed.setDaemon(true);
            crashed.start();
            awaitTrue(() -> first.files.replayPending().toFile().exists() && replayedRows(first) > 0, "part of the file replayed");
            Thread.sleep(500);
            long partly = replayedRows(first);
            assertTrue(partly > 0 && partly < 300, "rows applied before the cut: " + partly);
            assertTrue(Files.exists(first.files.data()) && Files.exists(first.files.replayPending()));

            // A new agent process on the same instance folder (the old one is gone, its server still runs).
            Node again = new Node("copy-8", "acme/copy8", storeConfig, first.address);
            assertTrue(again.handler.recover().isEmpty(), "an agent restart does not start (or announce) half-replayed data");
            AgentEvent ready = again.handle(deploy);
            assertReady(ready);
            assertEquals("300", again.query(PASSWORD, "SELECT COUNT(*) FROM shop.orders"), "restored from scratch and replayed once");
            assertEquals("300", again.query(PASSWORD, "SELECT MAX(id) FROM shop.orders"));
            assertFalse(Files.exists(again.files.replayPending()));
            System.out.println("interrupted replay had applied rows=" + partly);
        } finally {
            // The stalled tool goes; the abandoned thread then fails on its own (its data marker is gone: it discards nothing).
            ProcessHandle.current().descendants().filter(p -> p.info().commandLine().orElse("").contains("sleep 300"))
                    .forEach(ProcessHandle::destroyForcibly);
            if (crashed != null) {
                crashed.join(30_000);
            }
            nodes.forEach(n -> n.database.close());
        }
    }

    /** Rows in the server, read as the agent's own user (the admin user is not adopted yet); -1 when it does not answer. */
    private static long replayedRows(Node node) {
        try (Connection c = DriverManager.getConnection("jdbc:mysql://" + node.address + ":3306/?sslMode=PREFERRED&connectTimeout=2000",
                MariaDbServer.AGENT_USER, Files.readString(node.files.agentSecret()).trim());
                Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT COUNT(*) FROM shop.orders")) {
            r.next();
            return r.getLong(1);
        } catch (SQLException | IOException e) {
            return -1;
        }
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, what + " within 60 s");
            Thread.sleep(100);
        }
    }

    // --- The archive, written by the agent's own archiver (one pass: it rotates the binary log and uploads every closed file).

    /** Archives the source's binary logs; returns how many archived files hold transactions. */
    private static int archive(Node source, ObjectStoreConfig storeConfig, byte[] keyBytes) {
        BinlogArchiver.Plan plan = new BinlogArchiver.Plan(true, Optional.of(new BinlogArchiver.Session(1, "",
                new BackupKey("bk-1", keyBytes), "")));
        try (BinlogArchiver archiver = new BinlogArchiver(new InstanceIdentity(source.id, source.deployment, source.address),
                source.database, () -> new S3ObjectStore(storeConfig), () -> plan, event -> { }, Clock.systemUTC(), Duration.ofHours(1))) {
            archiver.passNow();
            assertEquals("", archiver.coverage().getLastError(), "the archiver's pass");
        }
        try (ObjectStore store = new S3ObjectStore(storeConfig)) {
            return (int) ArchiveIndex.read(store, DeploymentKey.parse(source.deployment)).stream().filter(e -> e.getTransactions() > 0).count();
        }
    }

    private static StoredObject seal(ObjectStore store, String key, byte[] plain, byte[] keyBytes) throws IOException {
        ByteArrayOutputStream sealed = new ByteArrayOutputStream();
        try (OutputStream out = new SealingOutputStream(sealed, new BackupKey("bk-1", keyBytes))) {
            out.write(plain);
        }
        byte[] bytes = sealed.toByteArray();
        store.put(key, bytes);
        try {
            return StoredObject.newBuilder().setKey(key).setStoredBytes(bytes.length)
                    .setSha256(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes))).build();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // --- Helpers.

    private BackupManifest backUp(Node source, ObjectStoreConfig storeConfig, byte[] keyBytes) throws Exception {
        BlockingQueue<AgentEvent> later = new LinkedBlockingQueue<>();
        try (BackupJobs jobs = new BackupJobs(() -> new S3ObjectStore(storeConfig),
                new BackupRunner(BackupTools.installed(), ServerLogin.of(source.files), source.files.dir(), Clock.systemUTC()))) {
            source.handler.useBackups(jobs, later::add);
            source.handler.handle(source.command("backup-1", AgentOp.AGENT_OP_BACKUP).setBackupId("b1")
                    .setBackupKeyId("bk-1").setBackupKey(box.seal(Base64.getUrlEncoder().encodeToString(keyBytes))).build());
            AgentEvent done = later.poll(120, TimeUnit.SECONDS);
            assertTrue(done != null && done.getOutcome() == AgentOutcome.AGENT_OUTCOME_DONE, String.valueOf(done));
            return done.getBackup();
        }
    }

    private static RestoreSource.Builder restoreSource(String source, BackupManifest manifest, byte[] keyBytes) {
        return RestoreSource.newBuilder().setSource(DeploymentKey.parse(source)).setBackupId(manifest.getBackupId())
                .setBackupKey(box.seal(Base64.getUrlEncoder().encodeToString(keyBytes))).setBackupKeyId("bk-1")
                .setGtidPosition(manifest.getGtidPosition());
    }

    private static byte[] randomKey() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return key;
    }

    /** Sleeps into the next whole second (and 50 ms past it); returns that second. */
    private static Instant waitPastSecondBoundary() throws InterruptedException {
        Instant next = Instant.now().truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
        sleepUntil(next.plusMillis(50));
        return next;
    }

    private static void sleepUntil(Instant when) throws InterruptedException {
        long ms = Instant.now().until(when, ChronoUnit.MILLIS);
        if (ms > 0) {
            Thread.sleep(ms);
        }
    }

    private static void assertReady(AgentEvent event) {
        assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_READY, event.getOutcome(), event.getReason());
    }

    private static void assertRestoreFailed(AgentEvent event) {
        assertEquals(AgentOutcome.AGENT_OUTCOME_FAILED, event.getOutcome(), event.getReason());
        assertEquals(AgentReason.AGENT_REASON_RESTORE_FAILED, event.getReasonCode(), event.getReason());
    }

    private static void assertNoData(Node node) {
        assertFalse(Files.exists(node.files.data()), "no data directory a later DEPLOY would start on");
        assertFalse(Files.exists(node.files.restoreStaging()));
        assertFalse(Files.exists(node.files.replayPending()));
        assertFalse(Files.exists(node.files.replayWork()));
        assertTrue(LocalServers.serversUnder(node.files.dir()).isEmpty(), "no server left running");
    }

    interface Query {
        String get() throws Exception;
    }

    private static void awaitEquals(String expected, Query actual, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String seen = actual.get();
        while (!expected.equals(seen)) {
            if (System.nanoTime() > deadline) {
                assertEquals(expected, seen, what + " within 30 s");
            }
            Thread.sleep(100);
            seen = actual.get();
        }
    }

    /** One agent's instance: its files, a real server, the handler. */
    private final class Node {
        final String id;
        final String deployment;
        final String address;
        final InstanceFiles files;
        final MariaDbServer database;
        final CommandHandler handler;

        Node(String id, String deployment, ObjectStoreConfig storeConfig) {
            this(id, deployment, storeConfig, LocalServers.freeAddress());
        }

        /** Another agent process for an instance that exists: same folder, same address. */
        Node(String id, String deployment, ObjectStoreConfig storeConfig, String address) {
            this.id = id;
            this.deployment = deployment;
            this.address = address;
            this.files = new InstanceFiles(home.resolve("instances/" + id));
            this.database = new MariaDbServer(files, address, home, MariaDbSettings.defaults());
            this.handler = new CommandHandler(new InstanceIdentity(id, deployment, address), files, database, () -> box,
                    new AgentMetrics(new SimpleMeterRegistry()), new SamplingGate(), Clock.systemUTC());
            handler.useRestores(() -> new S3ObjectStore(storeConfig), new RestoreRunner(BackupTools.installed()));
            nodes.add(this);
        }

        AgentEvent handle(AgentCommand command) {
            return handler.handle(command);
        }

        AgentCommand.Builder command(String commandId, AgentOp op) {
            return AgentCommand.newBuilder().setCommandId(commandId).setInstanceId(id).setOp(op).setEpoch(1)
                    .setDeployment(DeploymentKey.parse(deployment));
        }

        AgentCommand deploy(Role role, String password, RestoreSource restore) {
            AgentCommand.Builder command = command("deploy-" + id, AgentOp.AGENT_OP_DEPLOY).setEngine(Engine.ENGINE_MARIADB)
                    .setVersion("10.11").setSize(Size.SIZE_SMALL).setAdminUser(ADMIN).setAdminPassword(box.seal(password))
                    .setTlsMode(TlsMode.TLS_MODE_DISABLED).setRole(role).setReplicationPassword(box.seal(REPLICATION_PASSWORD));
            if (restore != null) {
                command.setRestore(restore);
            }
            return command.build();
        }

        Connection admin(String password) throws SQLException {
            return DriverManager.getConnection("jdbc:mysql://" + address + ":3306/?sslMode=PREFERRED&connectTimeout=2000", ADMIN, password);
        }

        void execute(String password, String... statements) throws SQLException {
            try (Connection c = admin(password); Statement s = c.createStatement()) {
                for (String sql : statements) {
                    s.execute(sql);
                }
            }
        }

        /** Rows {@code from..to} of shop.orders, one transaction each (the source's own password). */
        void insertEach(int from, int to) throws SQLException {
            try (Connection c = admin(SOURCE_PASSWORD); Statement s = c.createStatement()) {
                for (int id = from; id <= to; id++) {
                    s.execute("INSERT INTO shop.orders VALUES (" + id + ", NOW(6))");
                }
            }
        }

        String query(String password, String sql) throws SQLException {
            try (Connection c = admin(password); Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
                r.next();
                return r.getString(1);
            }
        }
    }
}
