package dev.marina.agent.database;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One MariaDB build on this host: the installed system one, or one unpacked by {@code ./marina deps} into
 * {@code <engines-root>/mariadb-<version>/} (a Debian package tree: {@code usr/sbin/mariadbd}, {@code usr/bin/…},
 * {@code usr/share/mysql}).
 *
 * @param version  the exact version, e.g. "10.11.18"
 * @param mariadbd the server binary
 * @param installDb {@code mariadb-install-db} of this build (builds its template)
 * @param upgrade  {@code mariadb-upgrade} of this build
 * @param root     the unpacked tree; empty for the system build (which finds its files where it was compiled to)
 */
public record EngineBuild(String version, Path mariadbd, Path installDb, Path upgrade, Optional<Path> root) {

    /** The system's build: its programs where Debian installs them. */
    public static EngineBuild system(String version, Path mariadbd, Path installDb) {
        Path bin = installDb.getParent() == null ? Path.of("/usr/bin") : installDb.getParent();
        return new EngineBuild(version, mariadbd, installDb, bin.resolve("mariadb-upgrade"), Optional.empty());
    }

    /** A build unpacked into {@code root} (the folder holding {@code usr/}). */
    public static EngineBuild unpacked(String version, Path root) {
        Path usr = root.resolve("usr");
        return new EngineBuild(version, usr.resolve("sbin/mariadbd"), usr.resolve("bin/mariadb-install-db"),
                usr.resolve("bin/mariadb-upgrade"), Optional.of(root));
    }

    /**
     * Options the server of an unpacked build needs on its command line (after {@code --defaults-file}): its own
     * error messages and share files, not the installed build's.
     */
    public List<String> serverOptions() {
        List<String> options = new ArrayList<>();
        root.ifPresent(r -> {
            options.add("--basedir=" + r.resolve("usr"));
            options.add("--lc-messages-dir=" + r.resolve("usr/share/mysql"));
        });
        return options;
    }

    /** Options {@code mariadb-install-db} of an unpacked build needs to find its server and files. */
    public List<String> installOptions() {
        return root.map(r -> List.of("--basedir=" + r.resolve("usr"))).orElse(List.of());
    }

    @Override
    public String toString() {
        return version + " (" + mariadbd + ")";
    }
}
