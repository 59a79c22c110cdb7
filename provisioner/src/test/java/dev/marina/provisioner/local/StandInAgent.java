package dev.marina.provisioner.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A stand-in for the agent in tests: a shell script that records its environment and each launch in
 * its working directory, then lives as long as the JVM that launched it (so a failed test never
 * leaves one behind for long). Plus the helpers tests use to look at and clean up such processes.
 */
public final class StandInAgent {

    public static final String ENV_FILE = "stand-in.env";
    public static final String LAUNCHES_FILE = "launches";

    private static final String SCRIPT = """
            #!/bin/sh
            # Stands in for the marina agent: records its environment and launch, then waits for its parent.
            env | sort > stand-in.env
            echo "$$" >> launches
            while kill -0 "$PPID" 2>/dev/null; do sleep 0.2; done
            """;

    private StandInAgent() {}

    /** Writes the script into {@code dir} (once) and returns its path. */
    public static Path install(Path dir) {
        try {
            Files.createDirectories(dir);
            Path script = dir.resolve("stand-in-agent.sh");
            if (!Files.exists(script)) {
                Path temp = Files.createTempFile(dir, "stand-in", ".tmp");
                Files.writeString(temp, SCRIPT);
                Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rwxr-xr-x"));
                Files.move(temp, script, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            }
            return script.toAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The agent command the local driver should run: the script in its own session, as the real agent. */
    public static List<String> command(Path script) {
        return List.of("setsid", script.toString());
    }

    /** The environment the stand-in recorded when it (last) started in {@code folder}. */
    public static Map<String, String> recordedEnvironment(Path folder) {
        try {
            Map<String, String> env = new LinkedHashMap<>();
            for (String line : Files.readAllLines(folder.resolve(ENV_FILE))) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    env.put(line.substring(0, eq), line.substring(eq + 1));
                }
            }
            return env;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** How often a stand-in started in {@code folder}. */
    public static int launches(Path folder) {
        try {
            Path file = folder.resolve(LAUNCHES_FILE);
            return Files.exists(file) ? Files.readAllLines(file).size() : 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static boolean isRunning(long pid) {
        return ProcFs.isRunning(pid);
    }

    public static Optional<Path> workingDirectory(long pid) {
        return ProcFs.workingDirectory(pid);
    }

    /** Kills (SIGKILL) a process, as a crash would, and waits until it is gone. */
    public static void crash(long pid) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        awaitGone(pid, Duration.ofSeconds(10));
    }

    public static void awaitGone(long pid, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (ProcFs.isRunning(pid)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("process " + pid + " still runs after " + timeout);
            }
            sleep(20);
        }
    }

    /** Kills every process working under {@code root}: the cleanup after a test, whatever happened in it. */
    public static void killEverythingUnder(Path root) {
        Path absolute = root.toAbsolutePath().normalize();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path entry : entries) {
                long pid = Long.parseLong(entry.getFileName().toString());
                Optional<Path> cwd = ProcFs.workingDirectory(pid);
                if (pid != ProcessHandle.current().pid() && cwd.isPresent() && cwd.get().startsWith(absolute)) {
                    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
