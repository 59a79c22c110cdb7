package dev.marina.agent.database;

import dev.marina.schemas.engine.EngineVersion;
import dev.marina.schemas.engine.OfferedVersions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The MariaDB builds this host offers, by exact version: the installed system build ({@code mariadbd --version},
 * probed once, in the background from the agent's start) and every {@code mariadb-<x.y.z>/} folder under the engines
 * root whose {@code usr/sbin/mariadbd} is executable (named by {@code ./marina deps}, which checked the version when it
 * unpacked it). When both have a version, the system build wins.
 */
public final class EngineCatalogue {

    /** How {@code ./marina deps} names an unpacked build's folder. */
    private static final Pattern FOLDER = Pattern.compile("mariadb-(\\d+\\.\\d+\\.\\d+)");
    public static final String RUN_DEPS = "run ./marina deps to unpack the MariaDB builds the platform offers";

    private final CompletableFuture<EngineBuild> system;
    private final Path enginesRoot;

    public EngineCatalogue(Path systemMariadbd, Path systemInstallDb, Path enginesRoot) {
        this.enginesRoot = enginesRoot;
        this.system = CompletableFuture.supplyAsync(() -> EngineBuild.system(MariaDbVersion.of(systemMariadbd), systemMariadbd,
                systemInstallDb));
    }

    /** The installed system build; throws when none is installed. */
    public EngineBuild system() {
        try {
            return system.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException ? (RuntimeException) e.getCause() : e;
        }
    }

    /** Every build, by exact version (oldest first); the folder is looked at again at every call (deps may have run). */
    public Map<EngineVersion, EngineBuild> builds() {
        Map<EngineVersion, EngineBuild> builds = new TreeMap<>();
        if (Files.isDirectory(enginesRoot)) {
            try (Stream<Path> folders = Files.list(enginesRoot)) {
                folders.forEach(folder -> {
                    Matcher m = FOLDER.matcher(folder.getFileName().toString());
                    if (m.matches() && Files.isExecutable(folder.resolve("usr/sbin/mariadbd"))) {
                        EngineVersion.parse(m.group(1)).ifPresent(v -> builds.put(v, EngineBuild.unpacked(m.group(1), folder)));
                    }
                });
            } catch (IOException e) {
                // an unreadable engines root offers nothing beyond the system build
            }
        }
        EngineBuild installed = system();
        EngineVersion.parse(installed.version()).ifPresent(v -> builds.put(v, installed));
        return builds;
    }

    /** The exact versions offered here, oldest first. */
    public List<String> versions() {
        return builds().keySet().stream().map(EngineVersion::toString).toList();
    }

    /**
     * The build a requested version means: empty → the system build; "10.11" → the newest 10.11 here; "10.11.18" →
     * exactly that one. Empty when none fits.
     */
    public Optional<EngineBuild> resolve(String requested) {
        if (requested == null || requested.isBlank()) {
            return Optional.of(system());
        }
        Map<EngineVersion, EngineBuild> builds = builds();
        return OfferedVersions.of(builds.keySet().stream().map(EngineVersion::toString).toList()).resolve(requested.strip())
                .map(builds::get);
    }

    /** The build of an exact version; throws, naming what is installed and how to get more, when it is not here. */
    public EngineBuild require(String exact) {
        return resolve(exact).orElseThrow(() -> new IllegalStateException("MariaDB " + exact + " is not installed here (installed: "
                + String.join(", ", versions()) + " in " + enginesRoot + " and the system's); " + RUN_DEPS));
    }

    /** The build whose server binary is {@code executable} (a running server's {@code /proc/<pid>/exe}). */
    public Optional<EngineBuild> byExecutable(Path executable) {
        return builds().values().stream().filter(b -> sameFile(b.mariadbd(), executable)).findFirst();
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (IOException e) {
            return a.equals(b);
        }
    }

    public Path enginesRoot() {
        return enginesRoot;
    }
}
