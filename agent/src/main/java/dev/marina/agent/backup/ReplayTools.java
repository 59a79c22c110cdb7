package dev.marina.agent.backup;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The programs a point-in-time replay runs: {@code mariadb-binlog} (Debian package {@code mariadb-client}) turns an
 * archived binary log into SQL, the {@code mariadb} client (Debian package {@code mariadb-client-core}) applies it.
 * Both come with {@code mariadb-server}.
 */
public record ReplayTools(Path mariadbBinlog, Path mariadb) {
    public static ReplayTools installed() {
        return new ReplayTools(Path.of("/usr/bin/mariadb-binlog"), Path.of("/usr/bin/mariadb"));
    }

    /** Throws {@link ReplayFailure} saying what to install when a program is missing. */
    public void check() {
        if (!Files.isExecutable(mariadbBinlog)) {
            throw new ReplayFailure("mariadb-binlog is not installed at " + mariadbBinlog
                    + ": apt-get install mariadb-client (it comes with mariadb-server)");
        }
        if (!Files.isExecutable(mariadb)) {
            throw new ReplayFailure("the mariadb client is not installed at " + mariadb
                    + ": apt-get install mariadb-client-core (it comes with mariadb-server)");
        }
    }
}
