package dev.marina.agent.backup;

import dev.marina.agent.InstanceFiles;
import dev.marina.agent.archive.ArchiveChain.ReplayPlan;
import dev.marina.agent.archive.ArchiveChain.ReplayStep;
import dev.marina.objectstore.ObjectKeys;
import dev.marina.objectstore.ObjectStore;
import dev.marina.objectstore.ObjectStoreException;
import dev.marina.schemas.v1.ArchivedBinlog;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Point-in-time replay: the archived binary logs of a {@link ReplayPlan}, one file after the other, through
 * {@code mariadb-binlog --start-position=<GTID> [--stop-position=<GTID>] --stop-datetime=<T>} into the {@code mariadb}
 * client on the instance's socket (as the agent's own user; the password in a 0600 option file). See DESIGN.md,
 * "Point-in-time restore", for what was measured on 10.11.19 and why each step is there.
 *
 * <p>Per file: the data object is read from the store, checked against its index entry (stored size and SHA-256 of the
 * whole object, format, key id) and decrypted into the work folder ({@code <instance>/pitr/}, 0700) before anything of
 * it reaches the server; a file whose first event (its format description, the time the server opened it) is at or
 * after T holds nothing before T, and nothing after it counts either: the replay ends there. The tools' stderr (and the
 * client's stdout) go to {@code replay.log} in the instance folder; a non-zero exit of either is a failure whose reason
 * ends with the log's last lines.
 *
 * <p>The output is scanned on its way to the client ({@link ReplayScan}) for the last transaction that went through
 * whole: the GTID the server's binary log must end at, known independently of the server. A file that did not reach its
 * end (its last GTID, or the step's stop) held T: no later file is replayed.
 *
 * <p>T has second precision in the binary log, the point in time may have a fraction: it is rounded down to the second,
 * so nothing at or after T is replayed; transactions committed within T's second, before T, are left out.
 */
public final class BinlogReplay {
    private static final Logger LOG = Logger.getLogger(BinlogReplay.class);
    /** The format of an archived binary log's data object. */
    public static final String FORMAT = dev.marina.agent.archive.BinlogArchiver.FORMAT;
    private static final DateTimeFormatter STOP_DATETIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);
    /** How long the tools may take to exit once mariadb-binlog's output ended. */
    private static final Duration EXIT_WAIT = Duration.ofMinutes(10);
    private static final byte[] BINLOG_MAGIC = {(byte) 0xfe, 'b', 'i', 'n'};

    /** What was replayed: the last whole transaction ("" when none), the files run, their plain bytes, the time taken. */
    public record Result(String lastGtid, int files, long bytes, long transactions, long millis) {}

    /** What one file's run gave. */
    record FileRun(String lastGtid, long transactions) {}

    private final ReplayTools tools;
    private final ServerLogin login;
    private final Path workDir;
    private final Path log;

    /**
     * @param workDir where archived files are decrypted to (removed before and after a replay)
     * @param log     the tools' output, appended
     */
    public BinlogReplay(ReplayTools tools, ServerLogin login, Path workDir, Path log) {
        this.tools = tools;
        this.login = login;
        this.workDir = workDir;
        this.log = log;
    }

    /**
     * Replays {@code plan} into the running server; {@code context} (e.g. "deployment=… instance=…") goes into every
     * log line. Throws {@link ReplayFailure} naming the object, file or tool; what was replayed until then stays in the
     * server (the caller discards the data).
     */
    public Result replay(ObjectStore store, ReplayPlan plan, BackupKey key, String context) {
        tools.check();
        long started = System.nanoTime();
        Instant pointInTime = plan.pointInTime();
        long stopSecond = stopSecond(pointInTime);
        String last = "";
        int files = 0;
        long bytes = 0;
        long transactions = 0;
        resetWorkDir();
        try {
            Path optionFile = workDir.resolve("client.cnf");
            InstanceFiles.writePrivately(optionFile, login.clientOptionFile());
            for (ReplayStep step : plan.steps()) {
                long fileStarted = System.nanoTime();
                ArchivedBinlog entry = step.entry();
                Path file = download(store, entry, key);
                try {
                    long opened = firstEventSecond(file, entry);
                    if (opened >= stopSecond) {
                        LOG.infof("binlog replay ends: the file starts at or after the point in time %s file=%s opened_at=%s",
                                context, entry.getFileName(), Instant.ofEpochSecond(opened));
                        break;
                    }
                    long size = Files.size(file);
                    FileRun run = apply(command(tools, file, step.startAfterGtid(), step.stopAtGtid(), pointInTime),
                            clientCommand(tools, optionFile), entry.getFileName());
                    files++;
                    bytes += size;
                    transactions += run.transactions();
                    if (!run.lastGtid().isEmpty()) {
                        last = run.lastGtid();
                    }
                    long ms = (System.nanoTime() - fileStarted) / 1_000_000;
                    LOG.infof("binlog replayed %s file=%s bytes=%d transactions=%d last_gtid=%s took_ms=%d", context,
                            entry.getFileName(), size, run.transactions(), run.lastGtid(), ms);
                    String end = step.stopAtGtid().isEmpty() ? entry.getLastGtid() : step.stopAtGtid();
                    if (!run.lastGtid().equals(end)) {
                        LOG.infof("binlog replay ends: the point in time lies in this file %s file=%s file_ends_at=%s", context,
                                entry.getFileName(), end);
                        break;
                    }
                } catch (IOException e) {
                    throw new ReplayFailure("cannot read the decrypted " + entry.getFileName() + ": " + e.getMessage(), e);
                } finally {
                    deleteQuietly(file);
                }
            }
        } finally {
            BackupRunner.deleteTree(workDir);
        }
        long ms = (System.nanoTime() - started) / 1_000_000;
        return new Result(last, files, bytes, transactions, ms);
    }

    /** T as mariadb-binlog's --stop-datetime (local time: run with TZ=UTC), rounded down to the second. */
    static String stopDatetime(Instant pointInTime) {
        return STOP_DATETIME.format(pointInTime.truncatedTo(ChronoUnit.SECONDS));
    }

    /** The first whole second not replayed: T rounded down. */
    static long stopSecond(Instant pointInTime) {
        return pointInTime.getEpochSecond();
    }

    /** mariadb-binlog's command line for one file. */
    static List<String> command(ReplayTools tools, Path file, String startAfterGtid, String stopAtGtid, Instant pointInTime) {
        List<String> command = new ArrayList<>();
        command.add(tools.mariadbBinlog().toString());
        if (!startAfterGtid.isEmpty()) {
            command.add("--start-position=" + startAfterGtid);
        }
        if (!stopAtGtid.isEmpty()) {
            command.add("--stop-position=" + stopAtGtid);
        }
        command.add("--stop-datetime=" + stopDatetime(pointInTime));
        command.add(file.toString());
        return command;
    }

    /** The client's command line: the option file first (login over the socket), binary-safe, stops at the first error. */
    static List<String> clientCommand(ReplayTools tools, Path optionFile) {
        return List.of(tools.mariadb().toString(), "--defaults-file=" + optionFile, "--binary-mode", "--batch");
    }

    /** Why a tool failed, for the answer: what, the exit code, the log's last lines and where the log is. */
    static String toolFailure(String what, String fileName, int exitCode, String logText, Path log) {
        return what + " failed on " + fileName + " with exit code " + exitCode + ": " + ToolOutput.failureSummary(logText)
                + " (see " + log + ")";
    }

    /** Reads, checks and decrypts an entry's data object into the work folder; the file is removed on any failure. */
    private Path download(ObjectStore store, ArchivedBinlog entry, BackupKey key) {
        String objectKey = entry.getObject().getKey();
        if (!entry.getFormat().equals(FORMAT)) {
            throw new ReplayFailure(objectKey + " has format \"" + entry.getFormat() + "\"; only \"" + FORMAT + "\" is known here");
        }
        if (!entry.getKeyId().equals(key.id())) {
            throw new ReplayFailure(objectKey + " is encrypted with key \"" + entry.getKeyId() + "\", not \"" + key.id() + "\"");
        }
        Path file;
        try {
            file = workDir.resolve(ObjectKeys.segment(entry.getFileName(), "file name"));
        } catch (IllegalArgumentException e) {
            throw new ReplayFailure("archived binary log " + objectKey + ": " + e.getMessage(), e);
        }
        Sha256 sha = new Sha256();
        long plainBytes = 0;
        boolean done = false;
        try {
            InputStream stored;
            try {
                stored = store.get(objectKey);
            } catch (ObjectStoreException.NotFound e) {
                throw new ReplayFailure(objectKey + " is missing from the object store", e);
            } catch (ObjectStoreException e) {
                throw new ReplayFailure("reading " + objectKey + " failed: " + e.getMessage(), e);
            }
            try (InputStream counted = sha.counting(stored);
                    OutputStream out = Files.newOutputStream(Files.createFile(file,
                            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))), StandardOpenOption.WRITE)) {
                try {
                    plainBytes = new OpeningInputStream(counted, key).transferTo(out);
                } catch (IOException e) {
                    // A corrupted object fails decryption first; the checksum says whether it is the object or the key.
                    drain(counted);
                    if (sha.bytes() != entry.getObject().getStoredBytes() || !sha.hex().equals(entry.getObject().getSha256())) {
                        throw new ReplayFailure(objectKey + " does not match its index entry (size or sha256): it is damaged", e);
                    }
                    throw new ReplayFailure(objectKey + " cannot be decrypted: " + e.getMessage(), e);
                }
                counted.transferTo(OutputStream.nullOutputStream());
            } catch (ObjectStoreException e) {
                throw new ReplayFailure("reading " + objectKey + " failed: " + e.getMessage(), e);
            } catch (IOException e) {
                throw new ReplayFailure(objectKey + " cannot be written to " + file + ": " + e.getMessage(), e);
            }
            if (sha.bytes() != entry.getObject().getStoredBytes()) {
                throw new ReplayFailure(objectKey + " holds " + sha.bytes() + " bytes, its index entry says "
                        + entry.getObject().getStoredBytes());
            }
            String hex = sha.hex();
            if (!hex.equals(entry.getObject().getSha256())) {
                throw new ReplayFailure(objectKey + " does not match its checksum: sha256 " + hex + ", its index entry says "
                        + entry.getObject().getSha256());
            }
            if (entry.getSizeBytes() > 0 && plainBytes != entry.getSizeBytes()) {
                throw new ReplayFailure(objectKey + " opens to " + plainBytes + " bytes, its index entry says " + entry.getSizeBytes());
            }
            done = true;
            return file;
        } finally {
            if (!done) {
                deleteQuietly(file);
            }
        }
    }

    /** The time of a binary log's first event (its format description: when the server opened the file), in seconds. */
    static long firstEventSecond(Path file, ArchivedBinlog entry) throws IOException {
        byte[] head = new byte[8];
        try (InputStream in = Files.newInputStream(file)) {
            if (in.readNBytes(head, 0, head.length) != head.length || !Arrays.equals(Arrays.copyOf(head, 4), BINLOG_MAGIC)) {
                throw new ReplayFailure(entry.getObject().getKey() + " does not open to a binary log (no binlog magic)");
            }
        }
        return Integer.toUnsignedLong(ByteBuffer.wrap(head, 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt());
    }

    /**
     * Runs mariadb-binlog into the client, passing its output through {@link ReplayScan}. A client that stops reading
     * (it failed) ends the pumping; both exit codes are checked, the client's first.
     */
    private FileRun apply(List<String> binlogCommand, List<String> clientCommand, String fileName) {
        long logStart = logSize();
        Process client = start(clientCommand, Map.of(), true);
        Process binlog;
        try {
            binlog = start(binlogCommand, Map.of("TZ", "UTC"), false);
        } catch (ReplayFailure e) {
            client.destroyForcibly();
            throw e;
        }
        ReplayScan scan = new ReplayScan();
        IOException pumpFailure = null;
        try {
            try (InputStream out = binlog.getInputStream(); OutputStream in = client.getOutputStream()) {
                byte[] buffer = new byte[1 << 16];
                int n;
                while ((n = out.read(buffer)) >= 0) {
                    scan.accept(buffer, 0, n);
                    try {
                        in.write(buffer, 0, n);
                    } catch (IOException e) {
                        pumpFailure = e; // the client is gone: its exit code says why
                        break;
                    }
                }
                scan.finish();
            } catch (IOException e) {
                if (pumpFailure == null) {
                    pumpFailure = e;
                }
            }
            if (pumpFailure != null) {
                binlog.destroyForcibly();
            }
            int clientExit = await(client, "mariadb", fileName);
            int binlogExit = await(binlog, "mariadb-binlog", fileName);
            if (clientExit != 0) {
                throw new ReplayFailure(toolFailure("mariadb (applying the binary log)", fileName, clientExit, logText(logStart), log));
            }
            if (binlogExit != 0 && pumpFailure == null) {
                throw new ReplayFailure(toolFailure("mariadb-binlog", fileName, binlogExit, logText(logStart), log));
            }
            if (pumpFailure != null) {
                throw new ReplayFailure("replaying " + fileName + " broke off: " + pumpFailure.getMessage() + " (see " + log + ")",
                        pumpFailure);
            }
            if (!scan.open().isEmpty()) {
                throw new ReplayFailure("mariadb-binlog's output for " + fileName + " ends inside transaction " + scan.open()
                        + " (rolled back); the replay cannot be trusted (see " + log + ")");
            }
            return new FileRun(scan.lastComplete(), scan.transactions());
        } finally {
            client.destroyForcibly();
            binlog.destroyForcibly();
        }
    }

    /** @param outputToLog stdout into the log too (the client's); else it is read (mariadb-binlog's) */
    private Process start(List<String> command, Map<String, String> environment, boolean outputToLog) {
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(environment);
        if (outputToLog) {
            builder.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        }
        try {
            return builder.start();
        } catch (IOException e) {
            throw new ReplayFailure("cannot run " + command.get(0) + ": " + e.getMessage(), e);
        }
    }

    private int await(Process process, String what, String fileName) {
        try {
            if (!process.waitFor(EXIT_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new ReplayFailure(what + " did not exit within " + EXIT_WAIT.toMinutes() + " min after " + fileName);
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new ReplayFailure("interrupted while " + what + " replayed " + fileName, e);
        }
    }

    private long logSize() {
        try {
            return Files.exists(log) ? Files.size(log) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    /** What the tools wrote to the log since {@code from} (this file's run). */
    private String logText(long from) {
        try (var channel = Files.newByteChannel(log)) {
            channel.position(from);
            return new String(java.nio.channels.Channels.newInputStream(channel).readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private void resetWorkDir() {
        BackupRunner.deleteTree(workDir);
        try {
            Files.createDirectories(workDir.getParent());
            Files.createDirectory(workDir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            throw new ReplayFailure("cannot create " + workDir + ": " + e.getMessage(), e);
        }
    }

    private static void drain(InputStream in) {
        try {
            in.transferTo(OutputStream.nullOutputStream());
        } catch (IOException | RuntimeException e) {
            // the checksum then differs, which is what is reported
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.warnf("cannot delete file=%s reason=%s", file, e.getMessage());
        }
    }
}
