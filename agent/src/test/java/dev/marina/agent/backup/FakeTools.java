package dev.marina.agent.backup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** Shell scripts standing in for mariadb-backup and mbstream, so the pipeline is tested without a server. */
public final class FakeTools {
    private FakeTools() {}

    public static final String VERSION_LINE = "echo '[00] 2026-12-02 22:38:38 Using server version 10.11.19-MariaDB-0+deb12u1-log' >&2";
    public static final String BINLOG_LINE = "echo \"[00] 2026-12-02 22:38:38 MySQL binlog position: filename 'mariadb-bin.000001', "
            + "position '781', GTID of the last change '0-7-3'\" >&2";
    public static final String COMPLETED_LINE = "echo '[00] 2026-12-02 22:38:38 completed OK!' >&2";

    /** A mariadb-backup that prints {@code stdout} (a shell command) as its stream and succeeds. */
    public static String succeeding(String stdout) {
        return String.join("\n", VERSION_LINE, stdout, BINLOG_LINE, COMPLETED_LINE);
    }

    public static Path script(Path dir, String name, String body) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(name);
        Files.writeString(file, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
        return file;
    }

    public static BackupTools backup(Path dir, String body) throws IOException {
        return new BackupTools(script(dir, "mariadb-backup", body), Path.of("/bin/false"));
    }

    /** mbstream -x -C DIR: keeps the stream as DIR/stream; --prepare: notes that it ran. */
    public static BackupTools restore(Path dir) throws IOException {
        Path mbstream = script(dir, "mbstream", "cat > \"$3/stream\"");
        Path prepare = script(dir, "mariadb-backup-prepare", "touch \"${2#--target-dir=}/prepared\"");
        return new BackupTools(prepare, mbstream);
    }
}
