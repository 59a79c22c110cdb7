package dev.marina.agent.database;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * One initialised data directory per engine version, {@code $MARINA_HOME/templates/mariadb-<version>/},
 * which every instance copies: a copy takes milliseconds where {@code mariadb-install-db} takes about
 * a second. Agents on one host may deploy at the same moment, so the template is built under a file
 * lock (plus a JVM lock: file locks do not exclude threads of one JVM), in a temporary folder that is
 * renamed into place only when complete.
 */
public final class TemplateDataDirectory {
    private TemplateDataDirectory() {}

    private static final Logger LOG = Logger.getLogger(TemplateDataDirectory.class);
    private static final Object JVM_LOCK = new Object();
    private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(2);

    /** The template of {@code version}, built first when it does not exist. */
    public static Path ensure(Path marinaHome, String version, Path installDb) {
        return ensure(marinaHome, version, installDb, List.of());
    }

    /** @param installOptions what this build's {@code mariadb-install-db} needs besides (an unpacked build's basedir) */
    public static Path ensure(Path marinaHome, String version, Path installDb, List<String> installOptions) {
        Path templates = marinaHome.toAbsolutePath().resolve("templates");
        Path template = templates.resolve("mariadb-" + version);
        if (Files.isDirectory(template)) {
            return template;
        }
        synchronized (JVM_LOCK) {
            try {
                Files.createDirectories(templates);
                try (FileChannel lockFile = FileChannel.open(templates.resolve("mariadb-" + version + ".lock"),
                        StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                        FileLock ignored = lockFile.lock()) {
                    if (!Files.isDirectory(template)) {
                        build(templates, template, installDb, installOptions);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create the template " + template, e);
            }
        }
        return template;
    }

    private static void build(Path templates, Path template, Path installDb, List<String> installOptions) throws IOException {
        long started = System.nanoTime();
        Path temp = Files.createTempDirectory(templates, "." + template.getFileName() + "-");
        try {
            List<String> command = new java.util.ArrayList<>(List.of(installDb.toString(), "--no-defaults", "--datadir=" + temp,
                    "--auth-root-authentication-method=normal", "--skip-test-db",
                    // 8M instead of the default 100M redo log: 26 MB per copy instead of 126 MB.
                    "--innodb-log-file-size=8M"));
            command.addAll(installOptions);
            ExternalCommand.run(command,
                    templates.resolve(template.getFileName() + ".install.log"), INSTALL_TIMEOUT);
            Files.move(temp, template, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            deleteTree(temp);
        }
        LOG.infof("template data directory built template=%s took_ms=%d", template, (System.nanoTime() - started) / 1_000_000);
    }

    /** Copies the template to {@code target}, through a temporary sibling renamed into place, so a
     * crash never leaves a half copy that looks like data. */
    public static void copy(Path template, Path target) {
        Path temp = target.resolveSibling(target.getFileName() + ".tmp");
        try {
            deleteTree(temp);
            try (Stream<Path> paths = Files.walk(template)) {
                for (Path source : (Iterable<Path>) paths::iterator) {
                    Path destination = temp.resolve(template.relativize(source).toString());
                    if (Files.isDirectory(source)) {
                        Files.createDirectories(destination);
                    } else {
                        Files.copy(source, destination, StandardCopyOption.COPY_ATTRIBUTES);
                    }
                }
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            deleteTree(temp);
            throw new UncheckedIOException("cannot copy the template " + template + " to " + target, e);
        }
    }

    /** Deletes a folder and everything in it; does nothing when it does not exist. */
    public static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : (Iterable<Path>) paths.sorted((a, b) -> b.getNameCount() - a.getNameCount())::iterator) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + root, e);
        }
    }
}
