package dev.marina.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.agent.backup.BackupJobs;
import dev.marina.agent.backup.BackupRunner;
import dev.marina.agent.backup.BackupTools;
import dev.marina.agent.backup.RestoreRunner;
import dev.marina.agent.backup.ServerLogin;
import dev.marina.agent.database.MariaDbServer;
import dev.marina.agent.database.MariaDbSettings;
import dev.marina.agent.database.TemplateDataDirectory;
import dev.marina.agent.metrics.SamplingGate;
import dev.marina.agent.replication.GtidPosition;
import dev.marina.objectstore.ObjectStoreConfig;
import dev.marina.objectstore.S3ObjectStore;
import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.v1.AgentCommand;
import dev.marina.schemas.v1.AgentEvent;
import dev.marina.schemas.v1.AgentOp;
import dev.marina.schemas.v1.AgentOutcome;
import dev.marina.schemas.v1.AgentReason;
import dev.marina.schemas.v1.BackupManifest;
import dev.marina.schemas.v1.Engine;
import dev.marina.schemas.v1.RestoreSource;
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
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * DEPLOY from a backup with real servers and the local s3proxy: a source primary with rows and a customer's user is
 * backed up; a new deployment's primary and replica are deployed from that backup, get the new deployment's
 * passwords, continue the backup's GTID history, and the replica replicates from the new primary.
 */
class RestoreIT {

    private static final String ADMIN = "shop_admin";
    private static final String SOURCE_PASSWORD = "source-" + UUID.randomUUID();
    private static final String PASSWORD = "copy-" + UUID.randomUUID();
    private static final String REPLICATION_PASSWORD = "repl-" + UUID.randomUUID();
    private static final int ROWS = 5_000;

    private static Path home;
    private static SecretBox box;
    private final List<Node> nodes = new ArrayList<>();

    @BeforeAll
    static void setUp() throws Exception {
        LocalServers.requireMariaDb();
        assertTrue(Files.isExecutable(BackupTools.installed().mariadbBackup()) && Files.isExecutable(BackupTools.installed().mbstream()),
                "mariadb-backup is not installed: apt-get install mariadb-backup (./marina deps)");
        home = Files.createTempDirectory("marina-restore-it-");
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
    void deploys_a_primary_and_a_replica_from_a_backup_with_this_deployments_users_and_the_backups_history() throws Exception {
        ObjectStoreConfig storeConfig = dev.marina.testkit.SharedObjectStore.freshConfig();
        byte[] keyBytes = new byte[32];
        new SecureRandom().nextBytes(keyBytes);
        try {
            // --- The source: rows, a customer's own user, a backup.
            Node source = new Node("shop-1", "acme/shop", storeConfig);
            assertReady(source.handle(source.deploy(Role.ROLE_PRIMARY, SOURCE_PASSWORD, null)));
            source.execute(SOURCE_PASSWORD, "CREATE DATABASE shop",
                    "CREATE TABLE shop.orders (id INT PRIMARY KEY, item VARCHAR(40))",
                    "INSERT INTO shop.orders SELECT seq, CONCAT('boat-', seq) FROM shop.seq_1_to_" + ROWS,
                    "CREATE USER 'shopper'@'%' IDENTIFIED BY 'shopper-pw'", "GRANT SELECT ON shop.* TO 'shopper'@'%'");
            BlockingQueue<AgentEvent> later = new LinkedBlockingQueue<>();
            BackupManifest manifest;
            try (BackupJobs jobs = new BackupJobs(() -> new S3ObjectStore(storeConfig),
                    new BackupRunner(BackupTools.installed(), ServerLogin.of(source.files), source.files.dir(), Clock.systemUTC()))) {
                source.handler.useBackups(jobs, later::add);
                assertNull(source.handler.handle(source.command("backup-1", AgentOp.AGENT_OP_BACKUP).setBackupId("b1")
                        .setBackupKeyId("bk-1").setBackupKey(box.seal(Base64.getUrlEncoder().encodeToString(keyBytes))).build()));
                AgentEvent done = later.poll(120, TimeUnit.SECONDS);
                assertTrue(done != null && done.getOutcome() == AgentOutcome.AGENT_OUTCOME_DONE, String.valueOf(done));
                manifest = done.getBackup();
            }
            String position = manifest.getGtidPosition();
            GtidPosition.Gtid backupGtid = GtidPosition.parse(position).byDomain().get(0L);
            // Written after the backup: must not appear in the copies.
            source.execute(SOURCE_PASSWORD, "INSERT INTO shop.orders VALUES (-1, 'after the backup')");
            RestoreSource restore = RestoreSource.newBuilder().setSource(DeploymentKey.parse("acme/shop")).setBackupId("b1")
                    .setBackupKey(box.seal(Base64.getUrlEncoder().encodeToString(keyBytes))).setBackupKeyId("bk-1")
                    .setGtidPosition(position).build();

            // --- A new primary from the backup.
            Node primary = new Node("copy-1", "acme/copy", storeConfig);
            AgentEvent ready = primary.handle(primary.deploy(Role.ROLE_PRIMARY, PASSWORD, restore));
            assertReady(ready);
            assertFalse(ready.getReadOnly(), "a restored primary takes writes");
            assertEquals(Integer.toString(ROWS), primary.query(PASSWORD, "SELECT COUNT(*) FROM shop.orders"));
            assertEquals("0", primary.query(PASSWORD, "SELECT COUNT(*) FROM shop.orders WHERE id = -1"));
            SQLException old = assertThrows(SQLException.class, () -> primary.query(SOURCE_PASSWORD, "SELECT 1"));
            assertTrue(old.getMessage().contains("Access denied"), old.getMessage());
            assertEquals("1", primary.query(PASSWORD, "SELECT COUNT(*) FROM mysql.user WHERE User = 'shopper'"),
                    "the customer's own user came along");
            assertEquals(position, primary.query(PASSWORD, "SELECT @@gtid_binlog_pos"),
                    "the backup's position, and not one GTID of the platform's own");
            assertFalse(Files.exists(primary.files.restorePending()));
            assertFalse(Files.exists(primary.files.restoreStaging()));
            primary.execute(PASSWORD, "INSERT INTO shop.orders VALUES (-2, 'after the restore')");
            GtidPosition.Gtid next = GtidPosition.parse(primary.query(PASSWORD, "SELECT @@gtid_binlog_pos")).byDomain().get(0L);
            assertEquals(backupGtid.sequence() + 1, next.sequence(), "the history continues after the backup's position");

            // A repeated DEPLOY restores nothing again.
            AgentEvent again = primary.handle(primary.deploy(Role.ROLE_PRIMARY, PASSWORD, restore));
            assertReady(again);
            assertEquals("1", primary.query(PASSWORD, "SELECT COUNT(*) FROM shop.orders WHERE id = -2"));

            // --- A replica from the same backup, replicating from the new primary.
            Node replica = new Node("copy-2", "acme/copy", storeConfig);
            AgentEvent replicaReady = replica.handle(replica.deploy(Role.ROLE_REPLICA, PASSWORD, restore));
            assertReady(replicaReady);
            assertTrue(replicaReady.getReadOnly());
            assertEquals(position, replica.query(PASSWORD, "SELECT @@gtid_slave_pos"));
            assertEquals(position, replica.query(PASSWORD, "SELECT @@gtid_binlog_pos"), "a replica writes nothing of its own");
            AgentEvent replicating = replica.handle(replica.command("replicate-1", AgentOp.AGENT_OP_REPLICATE)
                    .setPrimaryAddress(primary.address).setPrimaryInstanceId(primary.id)
                    .setReplicationPassword(box.seal(REPLICATION_PASSWORD)).build());
            assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, replicating.getOutcome(), replicating.getReason());
            awaitEquals("1", () -> replica.query(PASSWORD, "SELECT COUNT(*) FROM shop.orders WHERE id = -2"),
                    "the row written on the new primary after the restore");
            primary.execute(PASSWORD, "INSERT INTO shop.orders VALUES (-3, 'later')");
            awaitEquals(primary.query(PASSWORD, "SELECT @@gtid_binlog_pos"), () -> replica.query(PASSWORD, "SELECT @@gtid_slave_pos"),
                    "the replica follows");
            assertEquals(Integer.toString(ROWS + 2), replica.query(PASSWORD, "SELECT COUNT(*) FROM shop.orders"));
        } finally {
            nodes.forEach(n -> n.database.close());
        }
    }

    @Test
    void a_backup_that_is_missing_or_opens_with_another_key_fails_the_deploy_and_leaves_no_data() throws Exception {
        ObjectStoreConfig storeConfig = dev.marina.testkit.SharedObjectStore.freshConfig();
        byte[] keyBytes = new byte[32];
        new SecureRandom().nextBytes(keyBytes);
        try {
            Node source = new Node("tiny-1", "acme/tiny", storeConfig);
            assertReady(source.handle(source.deploy(Role.ROLE_PRIMARY, SOURCE_PASSWORD, null)));
            BlockingQueue<AgentEvent> later = new LinkedBlockingQueue<>();
            try (BackupJobs jobs = new BackupJobs(() -> new S3ObjectStore(storeConfig),
                    new BackupRunner(BackupTools.installed(), ServerLogin.of(source.files), source.files.dir(), Clock.systemUTC()))) {
                source.handler.useBackups(jobs, later::add);
                source.handler.handle(source.command("backup-1", AgentOp.AGENT_OP_BACKUP).setBackupId("b1")
                        .setBackupKeyId("bk-1").setBackupKey(box.seal(Base64.getUrlEncoder().encodeToString(keyBytes))).build());
                AgentEvent done = later.poll(120, TimeUnit.SECONDS);
                assertTrue(done != null && done.getOutcome() == AgentOutcome.AGENT_OUTCOME_DONE, String.valueOf(done));
            }
            RestoreSource missing = RestoreSource.newBuilder().setSource(DeploymentKey.parse("acme/tiny")).setBackupId("b-missing")
                    .setBackupKey(box.seal(Base64.getUrlEncoder().encodeToString(keyBytes))).setBackupKeyId("bk-1").build();
            Node copy = new Node("copy-9", "acme/copy9", storeConfig);
            AgentEvent failed = copy.handle(copy.deploy(Role.ROLE_PRIMARY, PASSWORD, missing));
            assertEquals(AgentOutcome.AGENT_OUTCOME_FAILED, failed.getOutcome());
            assertEquals(AgentReason.AGENT_REASON_RESTORE_FAILED, failed.getReasonCode());
            assertTrue(failed.getReason().contains("acme/tiny/backups/b-missing/manifest.json is missing"), failed.getReason());
            assertFalse(Files.exists(copy.files.data()));
            assertFalse(Files.exists(copy.files.restoreStaging()));

            byte[] otherKey = new byte[32];
            new SecureRandom().nextBytes(otherKey);
            RestoreSource wrongKey = missing.toBuilder().setBackupId("b1")
                    .setBackupKey(box.seal(Base64.getUrlEncoder().encodeToString(otherKey))).build();
            AgentEvent refused = copy.handle(copy.deploy(Role.ROLE_PRIMARY, PASSWORD, wrongKey));
            assertEquals(AgentReason.AGENT_REASON_RESTORE_FAILED, refused.getReasonCode());
            assertTrue(refused.getReason().contains("acme/tiny/backups/b1/data.xb.zst.enc"), refused.getReason());
            assertFalse(Files.exists(copy.files.data()));
            assertFalse(Files.exists(copy.files.restoreStaging()));

            // The next DEPLOY, with the right key, tries again and succeeds.
            RestoreSource right = wrongKey.toBuilder().setBackupKey(box.seal(Base64.getUrlEncoder().encodeToString(keyBytes))).build();
            assertReady(copy.handle(copy.deploy(Role.ROLE_PRIMARY, PASSWORD, right)));
        } finally {
            nodes.forEach(n -> n.database.close());
        }
    }

    private static void assertReady(AgentEvent event) {
        assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_READY, event.getOutcome(), event.getReason());
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
            this.id = id;
            this.deployment = deployment;
            this.address = LocalServers.freeAddress();
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

        String query(String password, String sql) throws SQLException {
            try (Connection c = admin(password); Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
                r.next();
                return r.getString(1);
            }
        }
    }
}
