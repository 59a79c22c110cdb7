package dev.marina.agent.backup;

import java.nio.file.Path;

/**
 * The programs backups and restores run: mariadb-backup (Debian package {@code mariadb-backup}) and mbstream,
 * which comes with it.
 */
public record BackupTools(Path mariadbBackup, Path mbstream) {
    public static BackupTools installed() {
        return new BackupTools(Path.of("/usr/bin/mariadb-backup"), Path.of("/usr/bin/mbstream"));
    }
}
