package dev.marina.agent.backup;

import com.github.luben.zstd.ZstdOutputStreamNoFinalizer;
import dev.marina.objectstore.ObjectStore;
import dev.marina.objectstore.ObjectStoreException;
import dev.marina.objectstore.StoredObjectInfo;
import dev.marina.schemas.v1.BackupManifest;
import dev.marina.schemas.v1.DeploymentRef;
import dev.marina.schemas.v1.Role;
import dev.marina.schemas.v1.StoredObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Takes one backup of the instance's running server into the store (see DESIGN.md):
 * {@code mariadb-backup --backup --stream=xbstream} → zstd → segmented AES-256-GCM → SHA-256 → the store's
 * streamed put of the data object; then, only after that put succeeded and the tool reported completion, the
 * manifest. Nothing of the stream touches local disk; mariadb-backup's stderr goes to {@code backup.log} in the
 * instance folder (the GTID position and server version are read from it).
 *
 * <p>Idempotent per backup id: when the manifest is there already, it is returned and nothing runs again.
 */
public final class BackupRunner {
    private static final Logger LOG = Logger.getLogger(BackupRunner.class);

    /** What stands between the compressing thread and the upload. */
    static final int PIPE_BYTES = 4 << 20;
    static final int COPY_BYTES = 256 << 10;
    /**
     * zstd's fastest level, on worker threads: at level 3 in one thread, compression was the bottleneck (the
     * backup bench measured it 3-12x slower than mariadb-backup's own output rate).
     */
    public static final int ZSTD_LEVEL = 1;
    public static final int ZSTD_WORKERS = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));

    /** The compressing stage every backup writes through (the backup bench times it alone). */
    public static ZstdOutputStreamNoFinalizer compressing(OutputStream sealed) throws IOException {
        ZstdOutputStreamNoFinalizer compressed = new ZstdOutputStreamNoFinalizer(sealed, ZSTD_LEVEL);
        compressed.setWorkers(ZSTD_WORKERS);
        return compressed;
    }

    public record Request(String backupId, DeploymentRef deployment, String instanceId, Role role, BackupKey key) {}

    private final BackupTools tools;
    private final ServerLogin login;
    private final Path workDir;
    private final Path log;
    private final Clock clock;
    private volatile Process current;
    private volatile boolean cancelled;

    /** @param instanceDir where the work folder (option file, mariadb-backup's target dir) and backup.log go */
    public BackupRunner(BackupTools tools, ServerLogin login, Path instanceDir, Clock clock) {
        this.tools = tools;
        this.login = login;
        this.workDir = instanceDir.resolve("backup-work");
        this.log = instanceDir.resolve("backup.log");
        this.clock = clock;
    }

    /** The log of the last run (mariadb-backup's stderr). */
    public Path log() {
        return log;
    }

    /** The mariadb-backup command line. A replica also records its primary's position (--slave-info). */
    static List<String> command(BackupTools tools, Path optionFile, Path targetDir, Role role) {
        List<String> command = new ArrayList<>(List.of(tools.mariadbBackup().toString(), "--defaults-file=" + optionFile,
                "--backup", "--stream=xbstream", "--target-dir=" + targetDir));
        if (role == Role.ROLE_REPLICA) {
            command.add("--slave-info");
        }
        return command;
    }

    /** Throws {@link BackupFailure} naming what failed; never leaves a manifest behind for a failed run. */
    public BackupManifest run(Request request, ObjectStore store) {
        String dataKey = ObjectLayout.data(request.deployment(), request.backupId());
        String manifestKey = ObjectLayout.manifest(request.deployment(), request.backupId());
        Optional<BackupManifest> done = existing(store, manifestKey, request);
        if (done.isPresent()) {
            LOG.infof("backup already complete backup=%s manifest=%s", request.backupId(), manifestKey);
            return done.get();
        }
        Instant started = clock.instant();
        long startedNanos = System.nanoTime();
        try {
            Path optionFile = prepareWorkDir();
            Process process = startTool(command(tools, optionFile, workDir.resolve("target"), request.role()));
            Producer producer = new Producer(process, request.key());
            Thread thread = new Thread(producer, "agent-backup-stream");
            thread.setDaemon(true);
            thread.start();
            StoredObjectInfo info;
            try {
                info = store.put(dataKey, producer.pipe.source);
            } catch (RuntimeException e) {
                // A producer failure makes the upload fail, and is recorded before: it is the cause then.
                BackupFailure cause = producer.failure;
                producer.pipe.abandon();
                process.destroyForcibly();
                join(thread);
                if (cause != null) {
                    throw cause;
                }
                throw BackupFailure.store("writing " + dataKey + " to the object store failed: " + e.getMessage(), e);
            }
            join(thread);
            if (producer.failure != null) {
                // The store took a stream that broke off: it must not stay (the manifest will never name it).
                deleteQuietly(store, dataKey);
                throw producer.failure;
            }
            if (info.size() != producer.stored.bytes()) {
                throw BackupFailure.store("the object store holds " + info.size() + " bytes under " + dataKey + ", "
                        + producer.stored.bytes() + " were written", null);
            }
            String stderr = readLog();
            ToolOutput.BinlogPosition position = ToolOutput.binlogPosition(stderr).orElseThrow(() ->
                    BackupFailure.tool("mariadb-backup did not report the binlog position (see " + log + ")", null));
            String version = ToolOutput.serverVersion(stderr).orElseThrow(() ->
                    BackupFailure.tool("mariadb-backup did not report the server version (see " + log + ")", null));
            StoredObject data = StoredObject.newBuilder().setKey(dataKey).setStoredBytes(producer.stored.bytes())
                    .setSha256(producer.stored.hex()).build();
            BackupManifest manifest = Manifests.build(new Manifests.Facts(request.backupId(), request.deployment(),
                    request.instanceId(), request.role(), started, clock.instant(), position.gtid(), producer.streamBytes,
                    List.of(data), version, request.key().id()));
            try {
                store.put(manifestKey, Manifests.toJson(manifest));
            } catch (RuntimeException e) {
                throw BackupFailure.store("writing " + manifestKey + " to the object store failed: " + e.getMessage(), e);
            }
            Duration took = Duration.ofNanos(System.nanoTime() - startedNanos);
            LOG.infof("backup complete backup=%s gtid=%s stream_bytes=%d stored_bytes=%d took_ms=%d mib_per_s=%.1f",
                    request.backupId(), manifest.getGtidPosition(), manifest.getSizeBytes(), manifest.getStoredBytes(),
                    took.toMillis(), manifest.getSizeBytes() / 1048576.0 / Math.max(0.001, took.toNanos() / 1e9));
            return manifest;
        } finally {
            current = null;
            deleteTree(workDir);
        }
    }

    /** Ends a running backup: mariadb-backup is killed, no manifest is written. */
    public void cancel() {
        cancelled = true;
        Process process = current;
        if (process != null) {
            process.destroyForcibly();
        }
    }

    private Optional<BackupManifest> existing(ObjectStore store, String manifestKey, Request request) {
        try {
            if (store.head(manifestKey).isEmpty()) {
                return Optional.empty();
            }
            BackupManifest manifest;
            try (InputStream in = store.get(manifestKey)) {
                manifest = Manifests.fromJson(in.readAllBytes());
            }
            if (!manifest.getBackupId().equals(request.backupId()) || !manifest.getDeployment().equals(request.deployment())) {
                throw BackupFailure.store(manifestKey + " is the manifest of another backup (" + manifest.getBackupId() + ")", null);
            }
            return Optional.of(manifest);
        } catch (ObjectStoreException | IOException | IllegalArgumentException e) {
            throw BackupFailure.store("reading " + manifestKey + " from the object store failed: " + e.getMessage(), e);
        }
    }

    private Path prepareWorkDir() {
        deleteTree(workDir);
        try {
            Files.createDirectories(workDir.getParent());
            Files.createDirectory(workDir, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
            Files.createDirectory(workDir.resolve("target"));
        } catch (IOException e) {
            throw BackupFailure.tool("cannot create " + workDir + ": " + e.getMessage(), e);
        }
        Path optionFile = workDir.resolve("mariadb-backup.cnf");
        dev.marina.agent.InstanceFiles.writePrivately(optionFile, login.optionFile());
        return optionFile;
    }

    private Process startTool(List<String> command) {
        if (cancelled) {
            throw BackupFailure.tool("the backup was cancelled (the agent is stopping)", null);
        }
        try {
            Process process = new ProcessBuilder(command)
                    .redirectError(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            current = process;
            return process;
        } catch (IOException e) {
            throw BackupFailure.tool("cannot run " + command.get(0) + ": " + e.getMessage(), e);
        }
    }

    private String readLog() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + log, e);
        }
    }

    /**
     * Reads mariadb-backup's stdout, compresses and encrypts it into the pipe. The last segment is written only
     * once the tool exited 0 and reported completion; otherwise the pipe fails, so the upload fails with it.
     */
    private final class Producer implements Runnable {
        final BoundedPipe pipe = new BoundedPipe(PIPE_BYTES);
        final Sha256 stored = new Sha256();
        final Process process;
        final BackupKey key;
        volatile long streamBytes;
        volatile BackupFailure failure;

        Producer(Process process, BackupKey key) {
            this.process = process;
            this.key = key;
        }

        @Override
        public void run() {
            try (InputStream raw = process.getInputStream()) {
                ZstdOutputStreamNoFinalizer compressed = compressing(new SealingOutputStream(stored.counting(pipe.sink), key));
                byte[] buffer = new byte[COPY_BYTES];
                long total = 0;
                while (true) {
                    int n;
                    try {
                        n = raw.read(buffer);
                    } catch (IOException e) {
                        if (cancelled) {
                            // stopping closed the tool's output under this read: the cancellation is the cause
                            throw BackupFailure.tool("the backup was cancelled (the agent is stopping); mariadb-backup killed", e);
                        }
                        throw BackupFailure.tool("reading mariadb-backup's output failed: " + e.getMessage(), e);
                    }
                    if (n < 0) {
                        break;
                    }
                    compressed.write(buffer, 0, n);
                    total += n;
                    streamBytes = total;
                }
                int exit = process.waitFor();
                String stderr = readLog();
                if (cancelled) {
                    throw BackupFailure.tool("the backup was cancelled (the agent is stopping); mariadb-backup killed", null);
                }
                if (exit != 0) {
                    throw BackupFailure.tool("mariadb-backup failed with exit code " + exit + ": " + ToolOutput.failureSummary(stderr), null);
                }
                if (!ToolOutput.completed(stderr)) {
                    throw BackupFailure.tool("mariadb-backup did not report completion: " + ToolOutput.failureSummary(stderr), null);
                }
                compressed.close();
            } catch (BoundedPipe.ReaderGone e) {
                // the upload failed; its error is the one reported
                process.destroyForcibly();
            } catch (BackupFailure e) {
                failure = e;
                pipe.fail(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure = BackupFailure.tool("interrupted while mariadb-backup ran", e);
                pipe.fail(failure);
            } catch (IOException | RuntimeException e) {
                failure = BackupFailure.tool("compressing or encrypting the backup stream failed: " + e.getMessage(), e);
                pipe.fail(failure);
            } finally {
                if (failure != null) {
                    process.destroyForcibly();
                }
            }
        }
    }

    private static void join(Thread thread) {
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw BackupFailure.tool("interrupted while waiting for the backup stream", e);
        }
    }

    private static void deleteQuietly(ObjectStore store, String key) {
        try {
            store.delete(key);
        } catch (RuntimeException e) {
            LOG.warnf("could not remove a broken object key=%s reason=%s", key, e.getMessage());
        }
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + dir, e);
        }
    }
}
