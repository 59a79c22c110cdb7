package dev.marina.bench;

import com.github.luben.zstd.ZstdOutputStreamNoFinalizer;
import dev.marina.agent.InstanceFiles;
import dev.marina.agent.archive.ArchiveChain;
import dev.marina.agent.archive.ArchiveIndex;
import dev.marina.agent.archive.BinlogArchiver;
import dev.marina.agent.backup.BackupKey;
import dev.marina.agent.backup.BinlogReplay;
import dev.marina.agent.backup.ReplayTools;
import dev.marina.agent.backup.BackupRunner;
import dev.marina.agent.backup.BackupTools;
import dev.marina.agent.backup.RestoreRunner;
import dev.marina.agent.backup.SealingOutputStream;
import dev.marina.agent.backup.ServerLogin;
import dev.marina.agent.database.MariaDbServer;
import dev.marina.agent.database.MariaDbSettings;
import dev.marina.objectstore.S3ObjectStore;
import dev.marina.objectstore.local.LocalObjectStore;
import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.v1.BackupManifest;
import dev.marina.schemas.v1.DeploymentRef;
import dev.marina.schemas.v1.Role;
import dev.marina.schemas.v1.Size;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
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
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Backup and restore of one real {@code mariadbd} with the agent's own code: a server started as the agent starts
 * it ({@link MariaDbServer}, size LARGE), filled with InnoDB rows to a target size, then
 * <ol>
 *   <li>a plain copy of its data directory on the same disk ({@code cp -a}, server running and idle): the yardstick;</li>
 *   <li>where a backup's time goes: mariadb-backup alone, its stream dropped; then the same stream through the
 *       agent's zstd and AES-GCM segments, dropped (no upload);</li>
 *   <li>a backup with {@link BackupRunner} (mariadb-backup → zstd → AES-256-GCM segments → S3 API) into a local
 *       s3proxy on the same disk;</li>
 *   <li>a restore with {@link RestoreRunner} (download → decrypt → zstd → mbstream, then {@code --prepare}) into a
 *       fresh directory, a server started on it and its rows counted;</li>
 *   <li>the binary-log archive's lag under a steady writer, and the point-in-time replay rate into the restored server
 *       (see {@code archiveAndReplay}).</li>
 * </ol>
 * Everything lives in one temporary folder under {@code java.io.tmpdir}, removed at the end. The page cache is
 * warm for both the copy and the backup (the rows were just written), and neither waits for its writes to reach
 * the disk.
 *
 * <pre>./marina bench backup [size-mb=1024]</pre>
 */
public final class BackupBench {

    private static final DeploymentRef DEPLOYMENT = DeploymentKey.parse("bench/backup");
    private static final String BACKUP_ID = "bench-1";
    /** Rows per INSERT … SELECT: about 30 MB of data directory each. */
    private static final int BATCH_ROWS = 100_000;
    /** BackupRunner's settings (package-private there). */
    private static final int ZSTD_LEVEL = dev.marina.agent.backup.BackupRunner.ZSTD_LEVEL;
    private static final int COPY_BYTES = 256 << 10;
    /** The steady writer of the archive-lag measurement: this long, one commit every {@link #WRITER_PAUSE_MS}. */
    private static final int WRITER_SECONDS = 40;
    private static final int WRITER_PAUSE_MS = 20;
    /** The agent's default archive interval. */
    private static final java.time.Duration ARCHIVE_INTERVAL = java.time.Duration.ofSeconds(2);
    /** Binary log written for the replay measurement: transactions of ROWS_PER_TX rows of about 1 KB. */
    private static final int REPLAY_TRANSACTIONS = 4_000;
    private static final int ROWS_PER_TX = 4;

    public static void main(String[] args) throws Exception {
        // The agent's classes log through JBoss Logging; its log manager must be the JDK's before anything logs.
        System.setProperty("java.util.logging.manager", "org.jboss.logmanager.LogManager");
        // The agent's per-file INFO lines (archive, replay) would cut through the figures printed here.
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
        int targetMb = args.length > 0 ? Integer.parseInt(args[0]) : 1024;
        if (targetMb < 10) {
            throw new IllegalArgumentException("size in MB: at least 10");
        }
        requireTools();
        Path root = Path.of(System.getProperty("marina.root", ".")).toAbsolutePath().normalize();
        Path home = Files.createTempDirectory("marina-backup-bench-");
        System.out.printf("backup: a %d MB database through the agent's BackupRunner and RestoreRunner, against a plain copy%n", targetMb);
        System.out.printf("machine: %d cores, load average %.2f at start; all files under %s (one disk); one run on a shared machine%n",
                Runtime.getRuntime().availableProcessors(), ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(), home);
        InstanceFiles files = new InstanceFiles(home.resolve("instances/bench-1"));
        String address = freeAddress();
        MariaDbServer database = new MariaDbServer(files, address, home, MariaDbSettings.defaults());
        LocalObjectStore objectStore = null;
        Process restoredServer = null;
        boolean ok = false;
        try {
            // --- A server as the agent runs it, and rows.
            long t0 = System.nanoTime();
            database.prepare(Size.SIZE_LARGE);
            database.start(Size.SIZE_LARGE, false, false);
            database.makeWritable(dev.marina.agent.database.SemiSync.Master.OFF);
            System.out.printf("server: mariadbd %s started in %.1f s (agent's my.cnf, size LARGE: buffer pool %s, redo log 8M, binlog on)%n",
                    database.version(), seconds(t0), "128M");
            String password = Files.readString(files.agentSecret()).trim();
            long fillStarted = System.nanoTime();
            long rows = fill(address, password, files.data(), targetMb);
            double fillSeconds = seconds(fillStarted);
            long dataBytes = treeBytes(files.data());
            long binlogBytes = binlogBytes(files.data());
            System.out.printf("fill: %,d rows in %.1f s (%.1f MB/s of data directory; rows not binlogged: archiving them is not this bench's part)%n",
                    rows, fillSeconds, mb(dataBytes) / fillSeconds);
            System.out.printf("data directory: %.1f MB (%.1f MB of binlogs, which mariadb-backup does not copy)%n", mb(dataBytes), mb(binlogBytes));

            long warmUpStarted = System.nanoTime();
            dev.marina.agent.backup.SegmentFormat.warmUp();
            System.out.printf("cipher warmed up, as an agent does before its first encryption: %.2f s%n", seconds(warmUpStarted));
            System.out.printf("encryption alone (SealingOutputStream, 100 MB, after the warm-up): this JVM %.0f MB/s; a JVM with the"
                    + " agent's options %s %.0f MB/s (agents once stopped their JIT at C1, without AES-GCM's intrinsics: 32 MB/s)%n",
                    SealRate.measure(), AGENT_JVM_OPTIONS, sealRateInAgentJvm());

            // --- Plain copy: the yardstick.
            Path copy = home.resolve("plain-copy");
            long copyStarted = System.nanoTime();
            run(List.of("cp", "-a", files.data().toString(), copy.toString()));
            double copySeconds = seconds(copyStarted);
            long copyBytes = treeBytes(copy);
            double copyRate = mb(dataBytes) / copySeconds;
            System.out.printf("plain copy (cp -a, same disk, server running and idle): %.1f MB in %.2f s = %.0f MB/s%n",
                    mb(copyBytes), copySeconds, copyRate);
            deleteTree(copy);

            // --- mariadb-backup alone, its stream thrown away: what the tool takes before compression, encryption, upload.
            long toolStarted = System.nanoTime();
            long toolBytes = toolAlone(files, password, home.resolve("tool-alone"), OutputStream.nullOutputStream());
            double toolSeconds = seconds(toolStarted);
            System.out.printf("mariadb-backup alone (--stream=xbstream > /dev/null): %.1f MB in %.2f s = %.0f MB/s of data directory%n",
                    mb(toolBytes), toolSeconds, mb(dataBytes) / toolSeconds);
            // --- The same through the agent's compression and encryption (same level, same segments), no upload.
            byte[] throwawayKey = new byte[BackupKey.BYTES];
            new SecureRandom().nextBytes(throwawayKey);
            long sealedStarted = System.nanoTime();
            toolAlone(files, password, home.resolve("tool-sealed"), dev.marina.agent.backup.BackupRunner.compressing(
                    new SealingOutputStream(OutputStream.nullOutputStream(), new BackupKey("throwaway", throwawayKey))));
            double sealedSeconds = seconds(sealedStarted);
            System.out.printf("mariadb-backup → zstd -%d → AES-256-GCM → /dev/null (no upload): %.2f s = %.0f MB/s of data directory%n",
                    ZSTD_LEVEL, sealedSeconds, mb(dataBytes) / sealedSeconds);

            // --- Backup into the local s3proxy.
            objectStore = LocalObjectStore.start(root, home.resolve("object-store"), LocalObjectStore.freePort());
            byte[] keyBytes = new byte[BackupKey.BYTES];
            new SecureRandom().nextBytes(keyBytes);
            BackupKey key = new BackupKey("bench-key", keyBytes);
            BackupManifest manifest;
            double backupSeconds;
            try (S3ObjectStore store = new S3ObjectStore(objectStore.config().withPrefix("bench"))) {
                BackupRunner runner = new BackupRunner(BackupTools.installed(), ServerLogin.of(files), files.dir(), Clock.systemUTC());
                // The store's process was started just now: a first backup warms it (and the SDK) up, as a long-running
                // store and agent are; it is printed, the second is the figure.
                long firstStarted = System.nanoTime();
                BackupManifest first = runner.run(new BackupRunner.Request(BACKUP_ID + "-first", DEPLOYMENT, "bench-1", Role.ROLE_PRIMARY, key), store);
                double firstSeconds = seconds(firstStarted);
                System.out.printf("first backup into the store started just now: %.2f s = %.0f MB/s of data directory (stored %.1f MB)%n",
                        firstSeconds, mb(dataBytes) / firstSeconds, mb(first.getStoredBytes()));
                long uploadStarted;
                long uploadBytes = first.getStoredBytes();
                byte[] block = new byte[8 << 20]; // random, so nothing on the way can shrink it; made before the clock starts
                new java.util.Random(7).nextBytes(block);
                uploadStarted = System.nanoTime();
                store.put("bench/upload-alone", new java.io.InputStream() {
                    private long left = uploadBytes;
                    private int at;

                    @Override
                    public int read() {
                        throw new UnsupportedOperationException("read in blocks");
                    }

                    @Override
                    public int read(byte[] b, int off, int len) {
                        if (left <= 0) {
                            return -1;
                        }
                        int n = (int) Math.min(Math.min(len, left), block.length - at);
                        System.arraycopy(block, at, b, off, n);
                        at = (at + n) % block.length;
                        left -= n;
                        return n;
                    }
                });
                double uploadSeconds = seconds(uploadStarted);
                System.out.printf("upload alone (the stored size, random bytes, one streamed put): %.2f s = %.0f MB/s%n",
                        uploadSeconds, mb(uploadBytes) / uploadSeconds);
                long backupStarted = System.nanoTime();
                manifest = runner.run(new BackupRunner.Request(BACKUP_ID, DEPLOYMENT, "bench-1", Role.ROLE_PRIMARY, key), store);
                backupSeconds = seconds(backupStarted);
                double backupRate = mb(dataBytes) / backupSeconds;
                System.out.printf("backup (mariadb-backup → zstd → AES-256-GCM → s3proxy, server running and idle): %.2f s = %.0f MB/s of data directory%n",
                        backupSeconds, backupRate);
                System.out.printf("  mariadb-backup stream %.1f MB (%.0f MB/s), stored %.1f MB (%.1f%% of the stream, %.1f%% of the data directory)%n",
                        mb(manifest.getSizeBytes()), mb(manifest.getSizeBytes()) / backupSeconds, mb(manifest.getStoredBytes()),
                        100.0 * manifest.getStoredBytes() / manifest.getSizeBytes(), 100.0 * manifest.getStoredBytes() / dataBytes);
                System.out.printf("  backup speed / plain-copy speed: %.2f (target ≥ 0.5)%n", backupRate / copyRate);

                // --- Restore into a fresh directory, and a server on it.
                Path restored = home.resolve("restored");
                long restoreStarted = System.nanoTime();
                new RestoreRunner(BackupTools.installed()).restore(store, DEPLOYMENT, BACKUP_ID, key, restored.resolve("data"));
                double restoreSeconds = seconds(restoreStarted);
                long restoredBytes = treeBytes(restored.resolve("data"));
                System.out.printf("restore (s3proxy → AES-256-GCM → zstd → mbstream, then --prepare): %.2f s = %.0f MB/s of data directory; restored directory %.1f MB%n",
                        restoreSeconds, mb(dataBytes) / restoreSeconds, mb(restoredBytes));
                String otherAddress = freeAddress();
                long startStarted = System.nanoTime();
                restoredServer = startServer(restored, otherAddress, password);
                double startSeconds = seconds(startStarted);
                long restoredRows = count(otherAddress, password);
                System.out.printf("  restored server answered in %.1f s; rows %,d (source %,d): %s; GTID position %s%n", startSeconds, restoredRows,
                        rows, restoredRows == rows ? "same" : "DIFFERENT", manifest.getGtidPosition().isEmpty() ? "(empty)" : manifest.getGtidPosition());
                if (restoredRows != rows) {
                    throw new IllegalStateException("the restored server holds " + restoredRows + " rows, the source " + rows);
                }
                archiveAndReplay(database, address, password, restored, otherAddress, store, key, manifest.getGtidPosition());
            }
            ok = true;
        } finally {
            if (restoredServer != null) {
                stop(restoredServer);
            }
            database.stop();
            database.close();
            if (objectStore != null) {
                objectStore.stop();
            }
            if (ok) {
                deleteTree(home);
            } else {
                System.err.println("backup bench: its folder (server logs, backup.log, restore log) is kept in " + home);
            }
        }
    }

    /**
     * The binary-log archive under a steady writer, then point-in-time replay. The agent's {@link BinlogArchiver} (its
     * default 2 s interval) archives the source's binary logs into the store while a writer commits one row every
     * {@value #WRITER_PAUSE_MS} ms for {@value #WRITER_SECONDS} s; each commit's lag is from its commit returning to
     * the archiver's report (after the index entry is written) that the archive holds its GTID. Then a burst of
     * binlogged transactions is written and archived, and {@link BinlogReplay} replays the whole archive (as a
     * point-in-time restore does after the backup) into the server restored from the backup.
     */
    private static void archiveAndReplay(MariaDbServer database, String address, String password, Path restored, String restoredAddress,
            S3ObjectStore store, BackupKey key, String backupPosition) throws Exception {
        List<long[]> reports = java.util.Collections.synchronizedList(new ArrayList<>()); // {nanos, last archived seq}
        String promotedAt = database.binlogPosition();
        BinlogArchiver.Plan plan = new BinlogArchiver.Plan(true, java.util.Optional.of(new BinlogArchiver.Session(1, promotedAt, key, "")));
        dev.marina.objectstore.ObjectStoreConfig config = store.config();
        try (BinlogArchiver archiver = new BinlogArchiver(new dev.marina.agent.InstanceIdentity("bench-1", "bench/backup", address), database,
                () -> new S3ObjectStore(config), () -> plan, event -> {
                    if (event.hasArchive() && event.getArchive().getRunsCount() > 0) {
                        var runs = event.getArchive().getRunsList();
                        reports.add(new long[] {System.nanoTime(), runs.get(runs.size() - 1).getLastSeq()});
                    }
                }, Clock.systemUTC(), ARCHIVE_INTERVAL).start()) {
            List<long[]> commits = new ArrayList<>(); // {nanos, seq}
            try (Connection c = connect(address, password); Statement st = c.createStatement()) {
                st.execute("CREATE DATABASE IF NOT EXISTS archive_bench");
                st.execute("CREATE TABLE IF NOT EXISTS archive_bench.t (id BIGINT PRIMARY KEY AUTO_INCREMENT, payload VARCHAR(1024))");
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(WRITER_SECONDS);
                String payload = "x".repeat(200);
                while (System.nanoTime() < end) {
                    st.executeUpdate("INSERT INTO archive_bench.t (payload) VALUES ('" + payload + "')");
                    long at = System.nanoTime();
                    try (ResultSet r = st.executeQuery("SELECT @@last_gtid")) {
                        r.next();
                        String gtid = r.getString(1);
                        commits.add(new long[] {at, Long.parseLong(gtid.substring(gtid.lastIndexOf('-') + 1))});
                    }
                    Thread.sleep(WRITER_PAUSE_MS);
                }
            }
            long lastSeq = commits.get(commits.size() - 1)[1];
            awaitArchived(reports, lastSeq, 60);
            List<Double> lags = new ArrayList<>();
            synchronized (reports) {
                for (long[] commit : commits) {
                    for (long[] report : reports) {
                        if (report[1] >= commit[1] && report[0] >= commit[0]) {
                            lags.add((report[0] - commit[0]) / 1e9);
                            break;
                        }
                    }
                }
            }
            java.util.Collections.sort(lags);
            System.out.printf("binlog archive lag (steady writer, %d commits over %d s, archive interval %d s): p50 %.2f s, p99 %.2f s, max %.2f s"
                            + " of committed data not yet in the store (target p99 ≤ 5 s)%n",
                    commits.size(), WRITER_SECONDS, ARCHIVE_INTERVAL.toSeconds(), percentile(lags, 0.50), percentile(lags, 0.99),
                    lags.get(lags.size() - 1));

            // --- Binary log for the replay: a burst of transactions, archived.
            try (Connection c = connect(address, password); Statement st = c.createStatement()) {
                String payload = "r".repeat(1000);
                StringBuilder values = new StringBuilder();
                for (int i = 0; i < ROWS_PER_TX; i++) {
                    values.append(i == 0 ? "" : ",").append("('").append(payload).append("')");
                }
                for (int i = 0; i < REPLAY_TRANSACTIONS; i++) {
                    st.executeUpdate("INSERT INTO archive_bench.t (payload) VALUES " + values);
                }
                try (ResultSet r = st.executeQuery("SELECT @@last_gtid")) {
                    r.next();
                    String gtid = r.getString(1);
                    awaitArchived(reports, Long.parseLong(gtid.substring(gtid.lastIndexOf('-') + 1)), 120);
                }
            }
        }

        // --- Replay the whole archive into the restored server, as a point-in-time restore does after its backup.
        var chain = ArchiveChain.of(ArchiveIndex.read(store, DEPLOYMENT));
        var run = chain.runs().get(chain.runs().size() - 1);
        var replayPlan = chain.plan(backupPosition, dev.marina.service.Timestamps.toInstant(run.getCoveredUntil()));
        Path work = restored.resolve("pitr");
        ServerLogin login = new ServerLogin(restored.resolve("my.cnf"), restored.resolve("mariadbd.sock"), MariaDbServer.AGENT_USER,
                restored.resolve("agent-secret"));
        Files.writeString(login.passwordFile(), password);
        BinlogReplay.Result result = new BinlogReplay(ReplayTools.installed(), login, work, restored.resolve("replay.log"))
                .replay(store, replayPlan, key, "bench");
        double replaySeconds = result.millis() / 1000.0;
        long replayedRows;
        try (Connection c = connect(restoredAddress, password); Statement st = c.createStatement();
                ResultSet r = st.executeQuery("SELECT COUNT(*) FROM archive_bench.t")) {
            r.next();
            replayedRows = r.getLong(1);
        }
        System.out.printf("point-in-time replay (%d archived files, %.1f MB of binary log, %,d transactions → the restored server):"
                        + " %.1f s = %.1f MB/s, %,.0f transactions/s; rows replayed %,d%n",
                result.files(), mb(result.bytes()), result.transactions(), replaySeconds, mb(result.bytes()) / replaySeconds,
                result.transactions() / replaySeconds, replayedRows);
    }

    /** The options the provisioner launches agents with (AgentClassData.JVM_OPTIONS). */
    private static final List<String> AGENT_JVM_OPTIONS = List.of("-Xmx96m", "-XX:+UseSerialGC");

    /** {@link SealRate} in a JVM started with the agent's options. */
    private static double sealRateInAgentJvm() throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(AGENT_JVM_OPTIONS);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), SealRate.class.getName()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
        if (process.waitFor() != 0) {
            throw new IllegalStateException("the seal-rate JVM failed: " + out);
        }
        return Double.parseDouble(out.substring(out.lastIndexOf('\n') + 1));
    }

    /** Encrypts 100 MB through the agent's SealingOutputStream after the agent's warm-up; prints MB/s. */
    public static final class SealRate {
        public static void main(String[] args) throws IOException {
            System.out.println(measure());
        }

        static double measure() throws IOException {
            dev.marina.agent.backup.SegmentFormat.warmUp();
            byte[] block = new byte[1 << 20];
            new java.util.Random(3).nextBytes(block);
            long started = System.nanoTime();
            try (SealingOutputStream sealed = new SealingOutputStream(OutputStream.nullOutputStream(), new BackupKey("rate", new byte[BackupKey.BYTES]))) {
                for (int i = 0; i < 100; i++) {
                    sealed.write(block);
                }
            }
            return mb(100L << 20) / seconds(started);
        }
    }

    /** Waits until the archiver reported the archive holding {@code seq}. */
    private static void awaitArchived(List<long[]> reports, long seq, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            synchronized (reports) {
                if (!reports.isEmpty() && reports.get(reports.size() - 1)[1] >= seq) {
                    return;
                }
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the archive did not reach seq " + seq + " within " + seconds + " s");
    }

    private static double percentile(List<Double> sorted, double p) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
    }

    /** Rows in batches until the data directory holds {@code targetMb}; then every dirty page written out. */
    private static long fill(String address, String password, Path dataDir, int targetMb) throws SQLException, InterruptedException {
        long target = (long) targetMb << 20;
        long rows = 0;
        try (Connection c = connect(address, password); Statement s = c.createStatement()) {
            s.execute("SET SESSION sql_log_bin=0");
            s.execute("CREATE DATABASE bench");
            s.execute("CREATE TABLE bench.rows (id BIGINT PRIMARY KEY, account INT NOT NULL, amount DECIMAL(12,2) NOT NULL,"
                    + " created DATETIME NOT NULL, ref CHAR(32) NOT NULL, note VARCHAR(200) NOT NULL) ENGINE=InnoDB");
            while (treeBytes(dataDir) < target) {
                // Random-ish: random numbers and hashes, and a note from a small vocabulary (compressible, as real text is).
                s.execute("INSERT INTO bench.rows SELECT seq + " + rows + ", FLOOR(RAND() * 1000000), ROUND(RAND() * 100000, 2),"
                        + " '2026-01-01' + INTERVAL FLOOR(RAND() * 31536000) SECOND, MD5(RAND()),"
                        + " CONCAT(ELT(1 + FLOOR(RAND() * 4), 'invoice', 'refund', 'transfer', 'fee'), ' for order ',"
                        + " FLOOR(RAND() * 10000000), ' ', SHA1(RAND()), ' ', REPEAT(ELT(1 + FLOOR(RAND() * 3), 'paid ', 'open ', 'late '), 1 + FLOOR(RAND() * 8)))"
                        + " FROM bench.seq_1_to_" + BATCH_ROWS);
                rows += BATCH_ROWS;
            }
            // The copy and the backup read the same files: nothing left only in the buffer pool.
            s.execute("SET GLOBAL innodb_max_dirty_pages_pct=0");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (dirtyPages(s) > 0 && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            s.execute("SET GLOBAL innodb_max_dirty_pages_pct=DEFAULT");
        }
        return rows;
    }

    /** mariadb-backup as BackupRunner runs it (same options, same login), its stream counted and dropped; returns its bytes. */
    private static long toolAlone(InstanceFiles files, String password, Path work, OutputStream sink) throws IOException, InterruptedException {
        Files.createDirectories(work.resolve("target"));
        Path optionFile = work.resolve("mariadb-backup.cnf");
        InstanceFiles.writePrivately(optionFile, String.join("\n", "!include " + files.myCnf(), "[mariadb-backup]",
                "user=" + MariaDbServer.AGENT_USER, "password=\"" + password + "\"", "socket=" + files.socket(), ""));
        Process process = new ProcessBuilder(BackupTools.installed().mariadbBackup().toString(), "--defaults-file=" + optionFile,
                "--backup", "--stream=xbstream", "--target-dir=" + work.resolve("target"))
                .redirectError(work.resolve("backup.log").toFile()).start();
        long bytes;
        try (InputStream in = process.getInputStream(); sink) {
            bytes = copy(in, sink);
        }
        if (process.waitFor() != 0) {
            throw new IllegalStateException("mariadb-backup alone failed: " + Files.readString(work.resolve("backup.log")));
        }
        deleteTree(work);
        return bytes;
    }

    /** Copies as BackupRunner's producer does: reads of its size, written on. */
    private static long copy(InputStream in, OutputStream out) throws IOException {
        byte[] buffer = new byte[COPY_BYTES];
        long total = 0;
        for (int n; (n = in.read(buffer)) >= 0; total += n) {
            out.write(buffer, 0, n);
        }
        return total;
    }

    private static long dirtyPages(Statement s) throws SQLException {
        try (ResultSet r = s.executeQuery("SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_pages_dirty'")) {
            return r.next() ? r.getLong(2) : 0;
        }
    }

    private static long count(String address, String password) throws SQLException {
        try (Connection c = connect(address, password); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT COUNT(*) FROM bench.rows")) {
            r.next();
            return r.getLong(1);
        }
    }

    /** The agent's own user over TCP, without TLS (loopback; the bench measures data, not the handshake). */
    private static Connection connect(String address, String password) throws SQLException {
        return DriverManager.getConnection("jdbc:mysql://" + address + ":3306/?sslMode=DISABLED&connectTimeout=2000",
                MariaDbServer.AGENT_USER, password);
    }

    /** A plain mariadbd on the restored directory (no TLS, no binlog), as BackupIT starts one; waits until it answers. */
    private static Process startServer(Path dir, String address, String password) throws IOException, InterruptedException {
        Path cnf = dir.resolve("my.cnf");
        Files.writeString(cnf, String.join("\n", "[mysqld]", "datadir=" + dir.resolve("data"), "socket=" + dir.resolve("mariadbd.sock"),
                "pid-file=" + dir.resolve("mariadbd.pid"), "bind-address=" + address, "port=3306", "skip-name-resolve",
                "innodb_buffer_pool_size=128M", "performance_schema=OFF", ""));
        List<String> command = new ArrayList<>(List.of(MariaDbSettings.defaults().mariadbd().toString(), "--defaults-file=" + cnf));
        if (((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0) {
            command.add("--user=root");
        }
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("mariadbd.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try (Connection c = connect(address, password)) {
                return process;
            } catch (SQLException e) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    process.destroyForcibly();
                    throw new IllegalStateException("the restored server did not answer: " + Files.readString(dir.resolve("mariadbd.log")), e);
                }
                Thread.sleep(100);
            }
        }
    }

    private static void stop(Process process) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static void requireTools() {
        MariaDbSettings settings = MariaDbSettings.defaults();
        BackupTools tools = BackupTools.installed();
        for (Path tool : List.of(settings.mariadbd(), settings.installDb(), tools.mariadbBackup(), tools.mbstream())) {
            if (!Files.isExecutable(tool)) {
                throw new IllegalStateException(tool + " is missing: ./marina deps installs mariadb-server and mariadb-backup");
            }
        }
    }

    /** An address in 127.10.251.0/24 where nothing listens on port 3306. */
    private static String freeAddress() {
        for (int attempt = 0; attempt < 50; attempt++) {
            String address = "127.10.251." + ThreadLocalRandom.current().nextInt(2, 255);
            try (ServerSocket probe = new ServerSocket()) {
                probe.bind(new InetSocketAddress(InetAddress.getByName(address), 3306));
                return address;
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IllegalStateException("no free address in 127.10.251.0/24");
    }

    private static void run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).inheritIO().start();
        if (process.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed with exit code " + process.exitValue());
        }
    }

    private static long treeBytes(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            return paths.filter(Files::isRegularFile).mapToLong(BackupBench::sizeOf).sum();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot measure " + dir, e);
        }
    }

    private static long binlogBytes(Path dataDir) {
        try (Stream<Path> paths = Files.list(dataDir)) {
            return paths.filter(p -> p.getFileName().toString().startsWith("mariadb-bin.")).mapToLong(BackupBench::sizeOf).sum();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dataDir, e);
        }
    }

    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0; // gone meanwhile (a temporary file of the server's)
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            System.err.println("cannot remove " + dir + ": " + e.getMessage());
        }
    }

    private static double seconds(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1e9;
    }

    private static double mb(long bytes) {
        return bytes / 1048576.0;
    }
}
