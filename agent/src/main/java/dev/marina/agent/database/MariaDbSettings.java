package dev.marina.agent.database;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How the agent runs MariaDB on this machine.
 *
 * @param mariadbd     the installed system build's server binary
 * @param installDb    its {@code mariadb-install-db}, run once per engine version to build the template
 * @param startTimeout how long a start may take until the server answers
 * @param stopTimeout  how long a graceful stop may take before the server is killed
 * @param adoptTimeout how long a running server found at agent start may take to answer before it is
 *                     considered hung, killed and started fresh
 * @param enginesRoot  where {@code ./marina deps} unpacked other builds ({@code mariadb-<version>/}), see {@link EngineCatalogue}
 */
public record MariaDbSettings(Path mariadbd, Path installDb, Duration startTimeout, Duration stopTimeout,
        Duration adoptTimeout, Path enginesRoot) {

    public MariaDbSettings(Path mariadbd, Path installDb, Duration startTimeout, Duration stopTimeout, Duration adoptTimeout) {
        this(mariadbd, installDb, startTimeout, stopTimeout, adoptTimeout, defaultEnginesRoot());
    }

    public static MariaDbSettings defaults() {
        return new MariaDbSettings(Path.of("/usr/sbin/mariadbd"), Path.of("/usr/bin/mariadb-install-db"),
                Duration.ofSeconds(30), Duration.ofSeconds(30), Duration.ofSeconds(3));
    }

    public MariaDbSettings withEnginesRoot(Path root) {
        return new MariaDbSettings(mariadbd, installDb, startTimeout, stopTimeout, adoptTimeout, root);
    }

    /** {@code $MARINA_ENGINES}, else {@code ~/.local/share/marina/engines}: where {@code ./marina deps} unpacks builds. */
    public static Path defaultEnginesRoot() {
        String env = System.getenv("MARINA_ENGINES");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return Path.of(System.getProperty("user.home"), ".local", "share", "marina", "engines");
    }
}
