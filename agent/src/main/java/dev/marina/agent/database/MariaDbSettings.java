package dev.marina.agent.database;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How the agent runs MariaDB on this machine.
 *
 * @param mariadbd     the server binary
 * @param installDb    {@code mariadb-install-db}, run once per engine version to build the template
 * @param startTimeout how long a start may take until the server answers
 * @param stopTimeout  how long a graceful stop may take before the server is killed
 * @param adoptTimeout how long a running server found at agent start may take to answer before it is
 *                     considered hung, killed and started fresh
 */
public record MariaDbSettings(Path mariadbd, Path installDb, Duration startTimeout, Duration stopTimeout,
        Duration adoptTimeout) {

    public static MariaDbSettings defaults() {
        return new MariaDbSettings(Path.of("/usr/sbin/mariadbd"), Path.of("/usr/bin/mariadb-install-db"),
                Duration.ofSeconds(30), Duration.ofSeconds(30), Duration.ofSeconds(3));
    }
}
