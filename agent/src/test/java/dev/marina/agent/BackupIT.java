package dev.marina.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.agent.backup.BackupFailure;
import dev.marina.agent.backup.BackupJobs;
import dev.marina.agent.backup.BackupKey;
import dev.marina.agent.backup.BackupRunner;
import dev.marina.agent.backup.BackupTools;
import dev.marina.agent.backup.RestoreRunner;
import dev.marina.agent.backup.ServerLogin;
import dev.marina.agent.database.MariaDbServer;
import dev.marina.agent.database.MariaDbSettings;
import dev.marina.agent.database.TemplateDataDirectory;
import dev.marina.agent.metrics.SamplingGate;
import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.v1.AgentCommand;
import dev.marina.schemas.v1.AgentEvent;
import dev.marina.schemas.v1.AgentOp;
import dev.marina.schemas.v1.AgentOutcome;
import dev.marina.schemas.v1.AgentReason;
import dev.marina.schemas.v1.BackupManifest;
import dev.marina.schemas.v1.Engine;
import dev.marina.schemas.v1.Role;
import dev.marina.schemas.v1.Size;
import dev.marina.schemas.v1.TlsMode;
import dev.marina.service.SecretBox;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.Base64;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A real {@code mariadbd} backed up by the agent with the real mariadb-backup into a store, restored with mbstream
 * and {@code --prepare} into a fresh directory, started, and its rows read back.
 *
 * <p>The store is the local s3proxy (the same S3 client code that talks to Amazon S3).
 */
class BackupIT {

    private static final String ADMIN = "shop_admin";
    private static final String PASSWORD = "pw-" + UUID.randomUUID();
    private static final String DEPLOYMENT = "acme/shop";
    private static final int ROWS = 200_000;

    private static Path home;
    private static SecretBox box;

    @BeforeAll
    static void setUp() throws Exception {
        LocalServers.requireMariaDb();
        assertTrue(Files.isExecutable(BackupTools.installed().mariadbBackup()) && Files.isExecutable(BackupTools.installed().mbstream()),
                "mariadb-backup is not installed: apt-get install mariadb-backup (./marina deps)");
        home = Files.createTempDirectory("marina-backup-it-");
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
    void backs_up_a_running_server_restores_it_elsewhere_and_the_rows_are_there() throws Exception {
        String address = LocalServers.freeAddress();
        InstanceFiles files = new InstanceFiles(home.resolve("instances/shop-1"));
        InstanceIdentity identity = new InstanceIdentity("shop-1", DEPLOYMENT, address);
        MariaDbServer database = new MariaDbServer(files, address, home, MariaDbSettings.defaults());
        CommandHandler handler = new CommandHandler(identity, files, database, () -> box, new AgentMetrics(new SimpleMeterRegistry()),
                new SamplingGate(), Clock.systemUTC());
        dev.marina.objectstore.ObjectStoreConfig storeConfig = dev.marina.testkit.SharedObjectStore.freshConfig();
        dev.marina.objectstore.S3ObjectStore store = new dev.marina.objectstore.S3ObjectStore(storeConfig);
        BlockingQueue<AgentEvent> later = new LinkedBlockingQueue<>();
        try (BackupJobs jobs = new BackupJobs(() -> new dev.marina.objectstore.S3ObjectStore(storeConfig),
                new BackupRunner(BackupTools.installed(), ServerLogin.of(files), files.dir(), Clock.systemUTC()))) {
            handler.useBackups(jobs, later::add);
            AgentEvent ready = handler.handle(command("deploy-1", AgentOp.AGENT_OP_DEPLOY).setEngine(Engine.ENGINE_MARIADB)
                    .setVersion("10.11").setSize(Size.SIZE_SMALL).setAdminUser(ADMIN).setAdminPassword(box.seal(PASSWORD))
                    .setTlsMode(TlsMode.TLS_MODE_SELF_SIGNED).setRole(Role.ROLE_PRIMARY).build());
            assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_READY, ready.getOutcome(), ready.getReason());
            execute(address, "REQUIRED", "CREATE DATABASE shop",
                    "CREATE TABLE shop.orders (id INT PRIMARY KEY, item VARCHAR(40), note VARCHAR(200))",
                    "INSERT INTO shop.orders SELECT seq, CONCAT('boat-', seq), REPEAT(MD5(seq), 3) FROM shop.seq_1_to_" + ROWS);
            String position = query(address, "REQUIRED", "SELECT @@gtid_binlog_pos");

            // --- The backup, through the handler: answered later with the manifest.
            byte[] keyBytes = new byte[32];
            new SecureRandom().nextBytes(keyBytes);
            BackupKey key = new BackupKey("bk-1", keyBytes);
            long started = System.nanoTime();
            assertNull(handler.handle(backup("backup-1", "b1", keyBytes)));
            AgentEvent done = later.poll(120, TimeUnit.SECONDS);
            long backupMs = (System.nanoTime() - started) / 1_000_000;
            assertTrue(done != null, "answered within 120 s");
            assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, done.getOutcome(), done.getReason());
            BackupManifest manifest = done.getBackup();
            assertEquals(position, manifest.getGtidPosition(), "consistent at the server's GTID position");
            assertEquals(database.version(), manifest.getServerVersion());
            assertEquals(Role.ROLE_PRIMARY, manifest.getSourceRole());
            assertEquals("acme/shop/backups/b1/data.xb.zst.enc", manifest.getObjects(0).getKey());
            assertTrue(store.head("acme/shop/backups/b1/manifest.json").isPresent());
            assertFalse(Files.exists(files.dir().resolve("backup-work")), "no option file with the password stays");

            // --- Wrong credentials: BACKUP_TOOL_FAILED, nothing listed.
            Path wrong = home.resolve("wrong.secret");
            Files.writeString(wrong, "not-the-password\n");
            BackupFailure denied = assertThrows(BackupFailure.class, () -> new BackupRunner(BackupTools.installed(),
                    ServerLogin.of(files).as("nobody", wrong), files.dir(), Clock.systemUTC())
                    .run(new BackupRunner.Request("b2", DeploymentKey.parse(DEPLOYMENT), "shop-1", Role.ROLE_PRIMARY, key), store));
            assertEquals(AgentReason.AGENT_REASON_BACKUP_TOOL_FAILED, denied.code());
            assertTrue(denied.getMessage().contains("Access denied"), denied.getMessage());
            assertTrue(store.list("acme/shop/backups/b2/").isEmpty(), "a failed backup leaves nothing");

            // --- The way back: a fresh directory, a fresh server on it, the rows.
            Path restored = home.resolve("restored");
            long restoreStarted = System.nanoTime();
            BackupManifest read = new RestoreRunner(BackupTools.installed()).restore(store, DeploymentKey.parse(DEPLOYMENT), "b1", key,
                    restored.resolve("data"));
            long restoreMs = (System.nanoTime() - restoreStarted) / 1_000_000;
            assertEquals(manifest, read);
            String otherAddress = LocalServers.freeAddress();
            startServer(restored, otherAddress);
            assertEquals(Integer.toString(ROWS), query(otherAddress, "DISABLED", "SELECT COUNT(*) FROM shop.orders"));
            assertEquals("boat-4242", query(otherAddress, "DISABLED", "SELECT item FROM shop.orders WHERE id = 4242"));
            System.out.printf("BackupIT figures: rows=%d stream_bytes=%d stored_bytes=%d backup_ms=%d stream_mib_per_s=%.1f restore_ms=%d%n",
                    ROWS, manifest.getSizeBytes(), manifest.getStoredBytes(), backupMs,
                    manifest.getSizeBytes() / 1048576.0 / (backupMs / 1000.0), restoreMs);
        } finally {
            database.close();
        }
    }

    private static AgentCommand.Builder command(String id, AgentOp op) {
        return AgentCommand.newBuilder().setCommandId(id).setInstanceId("shop-1").setOp(op).setEpoch(1)
                .setDeployment(DeploymentKey.parse(DEPLOYMENT));
    }

    private static AgentCommand backup(String id, String backupId, byte[] key) {
        return command(id, AgentOp.AGENT_OP_BACKUP).setBackupId(backupId).setBackupKeyId("bk-1")
                .setBackupKey(box.seal(Base64.getEncoder().encodeToString(key))).build();
    }

    private static Connection admin(String address, String sslMode) throws SQLException {
        return DriverManager.getConnection("jdbc:mysql://" + address + ":3306/?sslMode=" + sslMode + "&connectTimeout=2000", ADMIN,
                PASSWORD);
    }

    private static void execute(String address, String sslMode, String... statements) throws SQLException {
        try (Connection c = admin(address, sslMode); Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        }
    }

    private static String query(String address, String sslMode, String sql) throws SQLException {
        try (Connection c = admin(address, sslMode); Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getString(1);
        }
    }

    /** A plain mariadbd on the restored directory (no TLS, no binlog), as a restore or a new replica would start it. */
    private static void startServer(Path dir, String address) throws Exception {
        Path cnf = dir.resolve("my.cnf");
        Files.writeString(cnf, String.join("\n", "[mysqld]", "datadir=" + dir.resolve("data"), "socket=" + dir.resolve("mariadbd.sock"),
                "pid-file=" + dir.resolve("mariadbd.pid"), "bind-address=" + address, "port=3306", "skip-name-resolve",
                "innodb_buffer_pool_size=32M", "performance_schema=OFF", ""));
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of(LocalServers.MARIADBD.toString(),
                "--defaults-file=" + cnf));
        if (((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0) {
            command.add("--user=root");
        }
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("mariadbd.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try (Connection c = admin(address, "DISABLED")) {
                return;
            } catch (SQLException e) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the restored server did not answer within 30 s: " + Files.readString(dir.resolve("mariadbd.log")), e);
                }
                Thread.sleep(200);
            }
        }
    }
}
