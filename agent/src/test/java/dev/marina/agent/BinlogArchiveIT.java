package dev.marina.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.agent.archive.ArchiveChain;
import dev.marina.agent.archive.ArchiveIndex;
import dev.marina.agent.archive.BinlogArchiver;
import dev.marina.agent.archive.BinlogFile;
import dev.marina.agent.backup.BackupKey;
import dev.marina.agent.backup.OpeningInputStream;
import dev.marina.agent.database.MariaDbServer;
import dev.marina.agent.database.MariaDbSettings;
import dev.marina.agent.database.TemplateDataDirectory;
import dev.marina.agent.decision.Lease;
import dev.marina.agent.metrics.SamplingGate;
import dev.marina.agent.replication.GtidPosition;
import dev.marina.objectstore.ObjectKeys;
import dev.marina.objectstore.ObjectStoreConfig;
import dev.marina.objectstore.S3ObjectStore;
import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.v1.AgentCommand;
import dev.marina.schemas.v1.AgentEvent;
import dev.marina.schemas.v1.AgentOp;
import dev.marina.schemas.v1.AgentOutcome;
import dev.marina.schemas.v1.ArchiveCoverage;
import dev.marina.schemas.v1.ArchiveRun;
import dev.marina.schemas.v1.ArchivedBinlog;
import dev.marina.schemas.v1.BinlogArchiveSettings;
import dev.marina.schemas.v1.DeploymentRef;
import dev.marina.schemas.v1.Durability;
import dev.marina.schemas.v1.Engine;
import dev.marina.schemas.v1.Role;
import dev.marina.schemas.v1.Size;
import dev.marina.schemas.v1.TlsMode;
import dev.marina.service.SecretBox;
import dev.marina.service.Timestamps;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
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
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Real {@code mariadbd} primaries archiving their binary logs into the local s3proxy while a client writes: the
 * files arrive encrypted and indexed, decrypt to the server's bytes, chain without a gap; the store down leaves
 * them on the server until it is back; purge waits for the archive and for keep_after_gtid; a promoted replica
 * continues the same run under its own keys; a missing index entry shows as a gap a replay refuses to cross.
 */
class BinlogArchiveIT {

    private static final String ADMIN = "shop_admin";
    private static final String PASSWORD = "pw-" + UUID.randomUUID();
    private static final String REPLICATION_PASSWORD = "repl-" + UUID.randomUUID();
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Duration INTERVAL = Duration.ofMillis(300);

    private static Path home;
    private static SecretBox box;
    private static byte[] keyBytes;
    private static BackupKey key;

    @BeforeAll
    static void setUp() throws Exception {
        LocalServers.requireMariaDb();
        home = Files.createTempDirectory("marina-binlog-archive-it-");
        box = SecretBox.fromKeyFile(home.resolve("secrets/platform.key"));
        keyBytes = new byte[32];
        new SecureRandom().nextBytes(keyBytes);
        key = new BackupKey("bk-archive", keyBytes);
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
    void archives_a_writing_primary_keeps_its_files_while_the_store_is_down_and_purges_only_what_is_archived() throws Exception {
        ObjectStoreConfig config = dev.marina.testkit.SharedObjectStore.freshConfig();
        // The archiver reaches the store through a TCP relay the test can cut: a real outage, connections and all.
        Relay relay = new Relay(config.endpoint().orElseThrow());
        AtomicReference<ObjectStoreConfig> current = new AtomicReference<>(ObjectStoreConfig.of(relay.endpoint(), config.bucket(),
                config.prefix(), config.accessKey(), config.secretKey()));
        String deployment = "acme/ledger";
        Node a = new Node("ledger-1", deployment, current);
        Writer writer = null;
        try (S3ObjectStore store = new S3ObjectStore(config); relay) {
            assertReady(a.handle(a.deploy(Role.ROLE_PRIMARY, archive(true, ""))));
            a.adminExecute("CREATE DATABASE shop");
            a.adminExecute("CREATE TABLE shop.orders (id BIGINT AUTO_INCREMENT PRIMARY KEY, item VARCHAR(40), note VARCHAR(200))");
            writer = new Writer(a.address);
            a.archiver.start();

            // --- Files arrive, indexed, and chain into one run.
            await("three files archived", () -> ArchiveIndex.read(store, a.deployment).size() >= 3);
            assertEquals("0", a.agentQuery("SELECT @@binlog_expire_logs_seconds"), "nothing expires while archiving");
            assertTrue(Files.readString(a.files.myCnf()).contains("binlog_expire_logs_seconds=0"), "nor after a restart");
            List<ArchivedBinlog> entries = sorted(ArchiveIndex.read(store, a.deployment));
            ArchiveChain chain = ArchiveChain.of(entries);
            assertEquals(1, chain.runs().size(), chain.describe());
            for (int i = 0; i < entries.size(); i++) {
                ArchivedBinlog entry = entries.get(i);
                assertEquals(BinlogArchiver.FORMAT, entry.getFormat());
                assertEquals("bk-archive", entry.getKeyId());
                assertEquals(1, entry.getEpoch());
                assertEquals(ObjectKeys.binlogData("acme", "ledger", "ledger-1", entry.getFileName()), entry.getObject().getKey());
                // The scanner on the server's own files: the state before a file is the last transaction of the one before.
                long first = seq(entry.getFirstGtid());
                long last = seq(entry.getLastGtid());
                assertEquals(last - first + 1, entry.getTransactions(), "one primary, domain 0: consecutive numbers");
                assertEquals(first - 1, seq(entry.getStartState()), entry.getFileName());
                if (i > 0) {
                    assertEquals(seq(entries.get(i - 1).getLastGtid()) + 1, first, "no transaction between two files");
                }
                assertFalse(Timestamps.toInstant(entry.getLastEventAt()).isBefore(Timestamps.toInstant(entry.getFirstEventAt())));
                // The data object is the server's file, byte for byte, once decrypted; its checksum is the stored bytes'.
                byte[] stored;
                try (InputStream in = store.get(entry.getObject().getKey())) {
                    stored = in.readAllBytes();
                }
                assertEquals(entry.getObject().getStoredBytes(), stored.length);
                assertEquals(entry.getObject().getSha256(), HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(stored)));
                byte[] plain;
                try (InputStream in = new OpeningInputStream(new java.io.ByteArrayInputStream(stored), key)) {
                    plain = in.readAllBytes();
                }
                assertArrayEquals(Files.readAllBytes(a.files.data().resolve(entry.getFileName())), plain, entry.getFileName());
                assertEquals(entry.getSizeBytes(), plain.length);
            }
            BinlogFile scanned = BinlogFile.scan(a.files.data().resolve(entries.get(0).getFileName()));
            assertTrue(scanned.closed(), "a rotated file is closed");
            assertTrue(a.events.stream().anyMatch(e -> e.getCommandId().isEmpty() && e.hasArchive() && e.getArchive().getArchivedFiles() > 0
                    && e.getArchive().getArchiving() && e.getEpoch() == 1), "coverage published unasked after uploads");

            // --- The store down: failures reported, the files stay, nothing is purged although keep_after_gtid allows it.
            relay.cut();
            String firstFile = a.binaryLogs().get(0);
            int archivedBefore = ArchiveIndex.read(store, a.deployment).size();
            Instant down = Instant.now();
            await("a failure reported", () -> a.events.stream().anyMatch(e -> e.hasArchive() && !e.getArchive().getLastError().isEmpty()
                    && Timestamps.toInstant(e.getArchive().getLastErrorAt()).isAfter(down)));
            String keepAfter = a.agentQuery("SELECT @@gtid_binlog_pos");
            AgentEvent told = a.handle(a.command("archive-keep", AgentOp.AGENT_OP_ARCHIVE_BINLOGS, 1).setArchive(archive(true, keepAfter))
                    .setBackupKeyId("bk-archive").setBackupKey(sealedKey()).build());
            assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, told.getOutcome(), told.getReason());
            assertTrue(told.hasArchive() && told.getArchive().getArchiving(), ProtoJsonSerdeText.of(told));
            await("files wait on the server", () -> a.binaryLogs().size() >= archivedBefore + 3);
            assertEquals(firstFile, a.binaryLogs().get(0), "nothing purged while the store is down");
            assertEquals(archivedBefore, ArchiveIndex.read(store, a.deployment).size());
            ArchiveCoverage failing = a.archiver.coverage();
            assertTrue(failing.getPendingFiles() > 0, "pending files counted: " + failing);
            assertFalse(failing.getLastError().isEmpty());

            // --- The store back: everything archived, then purged up to keep_after_gtid and no further.
            relay.restore();
            Instant back = Instant.now();
            a.archiver.passNow();
            await("archived again", () -> {
                ArchiveCoverage c = a.archiver.coverage();
                return c.hasLastUploadAt() && Timestamps.toInstant(c.getLastUploadAt()).isAfter(back) && c.getPendingFiles() == 0;
            });
            long keepSeq = seq(keepAfter);
            List<ArchivedBinlog> after = sorted(ArchiveIndex.read(store, a.deployment));
            ArchiveChain afterChain = ArchiveChain.of(after);
            assertEquals(1, afterChain.runs().size(), afterChain.describe());
            await("purged up to keep_after_gtid", () -> !a.binaryLogs().contains(firstFile));
            List<String> onServer = a.binaryLogs();
            Map<String, ArchivedBinlog> byName = after.stream().collect(Collectors.toMap(ArchivedBinlog::getFileName, e -> e));
            for (ArchivedBinlog entry : after) {
                if (!onServer.contains(entry.getFileName())) {
                    assertTrue(seq(entry.getLastGtid()) <= keepSeq, entry.getFileName() + " purged although it holds transactions after "
                            + keepAfter);
                }
            }
            String oldest = onServer.get(0);
            assertTrue(!byName.containsKey(oldest) || seq(byName.get(oldest).getLastGtid()) > keepSeq,
                    "the oldest file left is needed: " + oldest + " of " + onServer);
            long rows = writer.stop();
            System.out.printf("BinlogArchiveIT figures: rows=%d files=%d %s%n", rows, after.size(), figures(after));

            // --- A missing index entry in the middle: two runs, and a replay across the gap refused, naming it.
            ArchivedBinlog middle = after.get(after.size() / 2);
            store.delete(ArchiveIndex.keyOf(middle));
            ArchiveChain gapped = ArchiveChain.of(ArchiveIndex.read(store, a.deployment));
            assertEquals(2, gapped.runs().size(), gapped.describe());
            ArchiveChain.ArchiveRefusal refusal = assertThrows(ArchiveChain.ArchiveRefusal.class,
                    () -> gapped.plan(after.get(0).getStartState(), Timestamps.toInstant(gapped.runs().get(1).getCoveredUntil())));
            assertTrue(refusal.getMessage().contains("gap: seq " + seq(middle.getFirstGtid()) + ".." + seq(middle.getLastGtid()) + " missing"),
                    refusal.getMessage());
            System.out.printf("BinlogArchiveIT gap: %s%n", refusal.getMessage());

            // --- Archiving off: binary logs expire again after 7 days.
            AgentEvent off = a.handle(a.command("archive-off", AgentOp.AGENT_OP_ARCHIVE_BINLOGS, 1).setArchive(archive(false, "")).build());
            assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, off.getOutcome(), off.getReason());
            a.archiver.passNow();
            assertEquals("604800", a.agentQuery("SELECT @@binlog_expire_logs_seconds"));
            assertFalse(a.archiver.coverage().getArchiving());
        } finally {
            if (writer != null) {
                writer.stop();
            }
            a.close();
        }
    }

    @Test
    void a_promoted_replica_continues_the_archive_in_one_run_and_a_missing_entry_is_a_gap() throws Exception {
        ObjectStoreConfig config = dev.marina.testkit.SharedObjectStore.freshConfig();
        AtomicReference<ObjectStoreConfig> current = new AtomicReference<>(config);
        String deployment = "acme/orders";
        Node a = new Node("orders-1", deployment, current);
        Node b = new Node("orders-2", deployment, current);
        Writer writer = null;
        try (S3ObjectStore store = new S3ObjectStore(config)) {
            assertReady(a.handle(a.deploy(Role.ROLE_PRIMARY, archive(true, ""))));
            assertReady(b.handle(b.deploy(Role.ROLE_REPLICA, null)));
            assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, b.handle(b.replicate(a, 1)).getOutcome());
            a.adminExecute("CREATE DATABASE shop");
            a.adminExecute("CREATE TABLE shop.orders (id BIGINT AUTO_INCREMENT PRIMARY KEY, item VARCHAR(40), note VARCHAR(200))");
            writer = new Writer(a.address);
            a.archiver.start();
            b.archiver.start();
            await("a archived three files", () -> ArchiveIndex.read(store, a.deployment).size() >= 3);
            assertTrue(ArchiveIndex.read(store, a.deployment).stream().allMatch(e -> e.getInstanceId().equals("orders-1")),
                    "a replica archives nothing");
            writer.stop();
            await("b holds all of a's transactions", () -> b.agentQuery("SELECT @@gtid_slave_pos").equals(a.agentQuery("SELECT @@gtid_binlog_pos")));
            a.adminExecute("INSERT INTO shop.orders (item) VALUES ('replicated, never archived by a')");
            await("b holds it", () -> b.agentQuery("SELECT @@gtid_slave_pos").equals(a.agentQuery("SELECT @@gtid_binlog_pos")));
            Map<String, ArchivedBinlog> aBefore = ArchiveIndex.read(store, a.deployment).stream()
                    .collect(Collectors.toMap(ArchivedBinlog::getFileName, e -> e));

            // --- Failover: a's server dies (its agent with it); b is promoted at epoch 2 and archives from then on.
            long aServer = a.serverId();
            a.archiver.close();
            LocalServers.signal(a.serverPid(), "KILL");
            AgentEvent promoted = b.handle(b.command("promote-2", AgentOp.AGENT_OP_PROMOTE, 2).setDurability(Durability.DURABILITY_ASYNC)
                    .setArchive(archive(true, "")).setBackupKeyId("bk-archive").setBackupKey(sealedKey()).build());
            assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, promoted.getOutcome(), promoted.getReason());
            String promotedAt = promoted.getGtidPosition();
            Writer bWriter = new Writer(b.address);
            writer = bWriter;
            await("b's own writes", () -> bWriter.rows() > 50);
            long writes = bWriter.stop();
            String bEnd = b.agentQuery("SELECT @@gtid_binlog_pos");
            await("the archive reaches b's writes", () -> ArchiveChain.of(ArchiveIndex.read(store, b.deployment)).endSeq() >= seq(bEnd));

            List<ArchivedBinlog> all = sorted(ArchiveIndex.read(store, b.deployment));
            ArchiveChain chain = ArchiveChain.of(all);
            assertEquals(1, chain.runs().size(), chain.describe());
            ArchiveRun run = chain.runs().get(0);
            assertEquals(1, run.getFirstSeq(), "from the first transaction");
            List<ArchivedBinlog> bEntries = all.stream().filter(e -> e.getInstanceId().equals("orders-2")).toList();
            assertFalse(bEntries.isEmpty());
            for (ArchivedBinlog entry : bEntries) {
                assertEquals(2, entry.getEpoch());
                assertEquals(promotedAt, entry.getPromotedAtPosition());
                assertTrue(entry.getObject().getKey().contains("/binlogs/orders-2/"), entry.getObject().getKey());
            }
            for (ArchivedBinlog entry : all.stream().filter(e -> e.getInstanceId().equals("orders-1")).toList()) {
                assertEquals(aBefore.get(entry.getFileName()), entry, "a's entries untouched by b's files of the same names");
            }
            assertTrue(b.events.stream().anyMatch(e -> e.hasArchive() && e.getEpoch() == 2 && e.getArchive().getEpoch() == 2
                    && e.getArchive().getInstanceId().equals("orders-2")), "b reports the coverage at its epoch");
            // A replay across the failover: one plan, every step after the previous one's last transaction.
            ArchiveChain.ReplayPlan plan = chain.plan("0-" + aServer + "-1", Timestamps.toInstant(run.getCoveredUntil()));
            assertFalse(plan.steps().isEmpty());
            assertEquals(seq(bEnd), Math.max(seq(bEnd), chain.endSeq()));

            // --- b's first file repeats every transaction it replicated (same GTIDs): without one of a's entries the
            // archive still has no gap.
            ArchivedBinlog ofA = all.stream().filter(e -> e.getInstanceId().equals("orders-1")).skip(1).findFirst().orElseThrow();
            store.delete(ArchiveIndex.keyOf(ofA));
            ArchiveChain still = ArchiveChain.of(ArchiveIndex.read(store, b.deployment));
            assertEquals(1, still.runs().size(), still.describe());
            System.out.printf("BinlogArchiveIT failover: entries=%d of_b=%d rows_on_b=%d promoted_at=%s run=%s%n", all.size(), bEntries.size(),
                    writes, promotedAt, chain.describe());
        } finally {
            if (writer != null) {
                writer.stop();
            }
            a.close();
            b.close();
        }
    }

    private static long seq(String position) {
        GtidPosition.Gtid gtid = GtidPosition.parse(position).byDomain().get(0L);
        return gtid == null ? 0 : gtid.sequence();
    }

    private static List<ArchivedBinlog> sorted(List<ArchivedBinlog> entries) {
        List<ArchivedBinlog> copy = new ArrayList<>(entries);
        copy.sort(Comparator.comparingLong((ArchivedBinlog e) -> e.getEpoch()).thenComparing(ArchivedBinlog::getFileName));
        return copy;
    }

    /** Time from rotation to the index entry, per file: what a point-in-time restore may miss while the primary lives. */
    private static String figures(List<ArchivedBinlog> entries) {
        List<Long> lags = entries.stream().map(e -> Duration.between(Timestamps.toInstant(e.getRotatedAt()),
                Timestamps.toInstant(e.getArchivedAt())).toMillis()).sorted().toList();
        long bytes = entries.stream().mapToLong(ArchivedBinlog::getSizeBytes).sum();
        return "rotate_to_indexed_ms_median=" + lags.get(lags.size() / 2) + " max=" + lags.get(lags.size() - 1) + " mean_file_bytes="
                + bytes / entries.size() + " interval_ms=" + INTERVAL.toMillis();
    }

    private static BinlogArchiveSettings archive(boolean enabled, String keepAfter) {
        return BinlogArchiveSettings.newBuilder().setEnabled(enabled).setKeepAfterGtid(keepAfter).build();
    }

    private static dev.marina.schemas.v1.SealedSecret sealedKey() {
        return box.seal(Base64.getEncoder().encodeToString(keyBytes));
    }

    private static void assertReady(AgentEvent event) {
        assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_READY, event.getOutcome(), event.getReason());
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
            } catch (RuntimeException notYet) {
                // e.g. a server not answering yet
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out: " + what);
            }
            Thread.sleep(100);
        }
    }

    /** Proto JSON for assertion messages. */
    private static final class ProtoJsonSerdeText {
        static String of(com.google.protobuf.Message m) {
            return dev.marina.schemas.serde.ProtoJsonSerde.toJson(m);
        }
    }

    /** Forwards TCP connections to the store; {@link #cut} closes the port and every open connection, {@link #restore} reopens. */
    private static final class Relay implements AutoCloseable {
        private final String upstreamHost;
        private final int upstreamPort;
        private final int port;
        private final List<java.net.Socket> open = new CopyOnWriteArrayList<>();
        private volatile ServerSocket server;

        Relay(URI upstream) throws java.io.IOException {
            this.upstreamHost = upstream.getHost();
            this.upstreamPort = upstream.getPort();
            try (ServerSocket probe = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
                this.port = probe.getLocalPort();
            }
            restore();
        }

        URI endpoint() {
            return URI.create("http://127.0.0.1:" + port);
        }

        synchronized void restore() throws java.io.IOException {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port));
            server = s;
            Thread accept = new Thread(() -> {
                while (!s.isClosed()) {
                    try {
                        java.net.Socket in = s.accept();
                        java.net.Socket out = new java.net.Socket(upstreamHost, upstreamPort);
                        open.add(in);
                        open.add(out);
                        pump(in, out);
                        pump(out, in);
                    } catch (java.io.IOException e) {
                        return;
                    }
                }
            }, "relay-accept");
            accept.setDaemon(true);
            accept.start();
        }

        private void pump(java.net.Socket from, java.net.Socket to) {
            Thread t = new Thread(() -> {
                try {
                    from.getInputStream().transferTo(to.getOutputStream());
                } catch (java.io.IOException e) {
                    // cut
                } finally {
                    closeQuietly(from);
                    closeQuietly(to);
                }
            }, "relay-pump");
            t.setDaemon(true);
            t.start();
        }

        synchronized void cut() {
            closeQuietly(server);
            for (java.net.Socket s : open) {
                closeQuietly(s);
            }
            open.clear();
        }

        @Override
        public void close() {
            cut();
        }

        private static void closeQuietly(java.io.Closeable c) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (java.io.IOException e) {
                // closing anyway
            }
        }
    }

    /** A client inserting a row every few milliseconds, like an application. */
    private static final class Writer {
        private final Thread thread;
        private final AtomicLong rows = new AtomicLong();
        private volatile boolean running = true;

        Writer(String address) {
            thread = new Thread(() -> {
                while (running) {
                    try (Connection c = DriverManager.getConnection("jdbc:mysql://" + address + ":3306/?sslMode=DISABLED&connectTimeout=2000",
                            ADMIN, PASSWORD); Statement s = c.createStatement()) {
                        while (running) {
                            s.execute("INSERT INTO shop.orders (item, note) VALUES ('boat', REPEAT(MD5(RAND()), 4))");
                            rows.incrementAndGet();
                            Thread.sleep(5);
                        }
                    } catch (SQLException e) {
                        sleep();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "writer-" + address);
            thread.setDaemon(true);
            thread.start();
        }

        long rows() {
            return rows.get();
        }

        long stop() throws InterruptedException {
            running = false;
            thread.join(10_000);
            return rows.get();
        }

        private static void sleep() {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** One instance: its folder, its server, its agent's command handler and archiver. */
    private static final class Node {
        final String id;
        final String address;
        final InstanceFiles files;
        final MariaDbServer database;
        final CommandHandler handler;
        final BinlogArchiver archiver;
        final DeploymentRef deployment;
        final List<AgentEvent> events = new CopyOnWriteArrayList<>();

        Node(String id, String deploymentKey, AtomicReference<ObjectStoreConfig> store) {
            this.id = id;
            this.address = LocalServers.freeAddress();
            this.files = new InstanceFiles(home.resolve("instances").resolve(id));
            this.deployment = DeploymentKey.parse(deploymentKey);
            InstanceIdentity identity = new InstanceIdentity(id, deploymentKey, address);
            this.database = new MariaDbServer(files, address, home, MariaDbSettings.defaults());
            this.handler = new CommandHandler(identity, files, database, () -> box, new AgentMetrics(new SimpleMeterRegistry()),
                    new SamplingGate(), Clock.systemUTC(), new Lease(Duration.ofHours(1)), Duration.ofSeconds(3));
            this.archiver = new BinlogArchiver(identity, database, () -> new S3ObjectStore(store.get()), handler::archivePlan, events::add,
                    Clock.systemUTC(), INTERVAL);
            handler.useArchive(archiver);
        }

        AgentEvent handle(AgentCommand command) {
            return handler.handle(command);
        }

        AgentCommand.Builder command(String commandId, AgentOp op, long epoch) {
            return AgentCommand.newBuilder().setCommandId(commandId).setInstanceId(id).setOp(op).setEpoch(epoch).setDeployment(deployment);
        }

        AgentCommand deploy(Role role, BinlogArchiveSettings archive) {
            AgentCommand.Builder deploy = command("deploy-" + id, AgentOp.AGENT_OP_DEPLOY, 1).setEngine(Engine.ENGINE_MARIADB)
                    .setVersion("10.11").setSize(Size.SIZE_SMALL).setAdminUser(ADMIN).setAdminPassword(box.seal(PASSWORD))
                    .setTlsMode(TlsMode.TLS_MODE_DISABLED).setRole(role).setReplicationPassword(box.seal(REPLICATION_PASSWORD))
                    .setDurability(Durability.DURABILITY_ASYNC);
            if (archive != null) {
                deploy.setArchive(archive).setBackupKeyId("bk-archive").setBackupKey(sealedKey());
            }
            return deploy.build();
        }

        AgentCommand replicate(Node primary, long epoch) {
            return command("replicate-" + id, AgentOp.AGENT_OP_REPLICATE, epoch).setPrimaryAddress(primary.address)
                    .setPrimaryInstanceId(primary.id).setReplicationPassword(box.seal(REPLICATION_PASSWORD))
                    .setDurability(Durability.DURABILITY_ASYNC).build();
        }

        List<String> binaryLogs() {
            return database.binaryLogs().stream().map(dev.marina.agent.archive.BinlogServer.BinaryLog::name).toList();
        }

        long serverId() throws SQLException {
            return Long.parseLong(agentQuery("SELECT @@server_id"));
        }

        long serverPid() {
            return LocalServers.serversUnder(files.dir()).get(0).pid();
        }

        String agentQuery(String sql) {
            try (Connection c = DriverManager.getConnection("jdbc:mysql://" + address + ":3306/?sslMode=DISABLED&connectTimeout=2000",
                    MariaDbServer.AGENT_USER, Files.readString(files.agentSecret()).trim()); Statement s = c.createStatement();
                    ResultSet r = s.executeQuery(sql)) {
                r.next();
                String value = r.getString(1);
                return value == null ? "" : value;
            } catch (Exception e) {
                throw new IllegalStateException(sql + ": " + e.getMessage(), e);
            }
        }

        void adminExecute(String sql) throws SQLException {
            try (Connection c = DriverManager.getConnection("jdbc:mysql://" + address + ":3306/?sslMode=DISABLED&connectTimeout=2000",
                    ADMIN, PASSWORD); Statement s = c.createStatement()) {
                s.execute(sql);
            }
        }

        void close() {
            archiver.close();
            database.close();
            LocalServers.killServersUnder(files.dir());
        }
    }
}
