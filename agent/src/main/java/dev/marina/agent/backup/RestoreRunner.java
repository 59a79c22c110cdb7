package dev.marina.agent.backup;

import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import dev.marina.objectstore.ObjectStore;
import dev.marina.objectstore.ObjectStoreException;
import dev.marina.schemas.v1.BackupManifest;
import dev.marina.schemas.v1.DeploymentRef;
import dev.marina.schemas.v1.StoredObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The way back: a backup's objects from the store into a data directory a server can start on (restore, seeding a
 * replica). Reads the manifest (no manifest: no backup), streams the data object through SHA-256 → decryption →
 * zstd into {@code mbstream -x}, checks size and SHA-256 against the manifest, then {@code mariadb-backup --prepare}.
 *
 * <p>Decryption hands out only authenticated segments, so nothing altered reaches mbstream; the whole-object
 * checksum is known at the end only, and a mismatch removes what was extracted. The target directory is removed on
 * any failure, so a half-restored directory never stays behind to be started on.
 */
public final class RestoreRunner {
    private static final Logger LOG = Logger.getLogger(RestoreRunner.class);
    private static final Duration PREPARE_TIMEOUT = Duration.ofHours(2);

    private final BackupTools tools;

    public RestoreRunner(BackupTools tools) {
        this.tools = tools;
    }

    /** The manifest of a complete backup; {@link BackupFailure} (OBJECT_STORE_ERROR) naming the key when there is none. */
    public static BackupManifest manifest(ObjectStore store, DeploymentRef deployment, String backupId) {
        String key = ObjectLayout.manifest(deployment, backupId);
        try (InputStream in = store.get(key)) {
            return Manifests.fromJson(in.readAllBytes());
        } catch (ObjectStoreException.NotFound e) {
            throw BackupFailure.store(key + " is missing: backup " + backupId + " is not complete", e);
        } catch (ObjectStoreException | IOException | IllegalArgumentException e) {
            throw BackupFailure.store("reading " + key + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * Restores backup {@code backupId} into {@code target} (which must not exist, or be empty) and prepares it.
     * Returns the manifest. mbstream's and mariadb-backup's output goes to {@code target}'s sibling {@code <name>.restore.log}.
     */
    public BackupManifest restore(ObjectStore store, DeploymentRef deployment, String backupId, BackupKey key, Path target) {
        BackupManifest manifest = manifest(store, deployment, backupId);
        if (!manifest.getFormat().equals(ObjectLayout.FORMAT)) {
            throw BackupFailure.tool("backup " + backupId + " has format \"" + manifest.getFormat() + "\"; only \""
                    + ObjectLayout.FORMAT + "\" is known here", null);
        }
        if (!manifest.getKeyId().equals(key.id())) {
            throw BackupFailure.tool("backup " + backupId + " is encrypted with key \"" + manifest.getKeyId() + "\", not \""
                    + key.id() + "\"", null);
        }
        Path log = target.resolveSibling(target.getFileName() + ".restore.log");
        boolean done = false;
        try {
            createEmpty(target);
            for (StoredObject object : manifest.getObjectsList()) {
                extract(store, object, key, target, log);
            }
            run(List.of(tools.mariadbBackup().toString(), "--prepare", "--target-dir=" + target), log, "mariadb-backup --prepare");
            done = true;
            LOG.infof("backup restored backup=%s target=%s gtid=%s", backupId, target, manifest.getGtidPosition());
            return manifest;
        } finally {
            if (!done) {
                BackupRunner.deleteTree(target);
            }
        }
    }

    private void extract(ObjectStore store, StoredObject object, BackupKey key, Path target, Path log) {
        Process mbstream = start(List.of(tools.mbstream().toString(), "-x", "-C", target.toString()), log);
        Sha256 sha = new Sha256();
        try {
            InputStream stored;
            try {
                stored = store.get(object.getKey());
            } catch (ObjectStoreException.NotFound e) {
                throw BackupFailure.store(object.getKey() + " is missing from the object store", e);
            } catch (ObjectStoreException e) {
                throw BackupFailure.store("reading " + object.getKey() + " failed: " + e.getMessage(), e);
            }
            try (InputStream counted = sha.counting(stored);
                    InputStream plain = new ZstdInputStreamNoFinalizer(new OpeningInputStream(counted, key));
                    OutputStream into = mbstream.getOutputStream()) {
                plain.transferTo(into);
                // Whatever the decompressor left unread still counts for the checksum.
                counted.transferTo(OutputStream.nullOutputStream());
            } catch (ObjectStoreException e) {
                throw BackupFailure.store("reading " + object.getKey() + " failed: " + e.getMessage(), e);
            } catch (IOException e) {
                throw BackupFailure.tool(object.getKey() + " cannot be restored: " + e.getMessage(), e);
            }
            if (sha.bytes() != object.getStoredBytes()) {
                throw BackupFailure.store(object.getKey() + " holds " + sha.bytes() + " bytes, the manifest says "
                        + object.getStoredBytes(), null);
            }
            String hex = sha.hex();
            if (!hex.equals(object.getSha256())) {
                throw BackupFailure.store(object.getKey() + " does not match its checksum: sha256 " + hex + ", the manifest says "
                        + object.getSha256(), null);
            }
            await(mbstream, log, "mbstream -x");
        } finally {
            mbstream.destroyForcibly();
        }
    }

    private static void createEmpty(Path target) {
        try {
            if (Files.exists(target)) {
                try (var entries = Files.list(target)) {
                    if (entries.findAny().isPresent()) {
                        throw BackupFailure.tool(target + " is not empty: a restore goes into an empty directory", null);
                    }
                }
            }
            Files.createDirectories(target);
        } catch (IOException e) {
            throw BackupFailure.tool("cannot create " + target + ": " + e.getMessage(), e);
        }
    }

    private static Process start(List<String> command, Path log) {
        try {
            return new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        } catch (IOException e) {
            throw BackupFailure.tool("cannot run " + command.get(0) + ": " + e.getMessage(), e);
        }
    }

    private static void run(List<String> command, Path log, String what) {
        Process process = start(command, log);
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            // nothing to write to it anyway
        }
        await(process, log, what);
    }

    private static void await(Process process, Path log, String what) {
        try {
            if (!process.waitFor(PREPARE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw BackupFailure.tool(what + " did not finish within " + PREPARE_TIMEOUT.toMinutes() + " min", null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw BackupFailure.tool("interrupted while " + what + " ran", e);
        }
        if (process.exitValue() != 0) {
            String output;
            try {
                output = Files.readString(log);
            } catch (IOException e) {
                output = "";
            }
            throw BackupFailure.tool(what + " failed with exit code " + process.exitValue() + ": "
                    + ToolOutput.failureSummary(output) + " (see " + log + ")", null);
        }
    }
}
