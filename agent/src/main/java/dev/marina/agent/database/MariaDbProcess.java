package dev.marina.agent.database;

import dev.marina.agent.InstanceFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Finding and stopping the {@code mariadbd} of an instance, whoever started it (this agent process,
 * an earlier one, or nobody knows). A process counts as the instance's server only when it is a
 * {@code mariadbd} whose command line names the instance's my.cnf, so a recycled pid is never killed.
 */
public final class MariaDbProcess {
    private MariaDbProcess() {}

    /** The instance's running server: by its pid file, else by looking through all processes. */
    public static Optional<ProcessHandle> find(InstanceFiles files) {
        Optional<ProcessHandle> byPidFile = readPid(files).flatMap(ProcessHandle::of).filter(p -> isServerOf(p, files));
        if (byPidFile.isPresent()) {
            return byPidFile;
        }
        // No (or a stale) pid file: a server may be starting and not have written it yet.
        return ProcessHandle.allProcesses().filter(p -> isServerOf(p, files)).findFirst();
    }

    /** The program that keeps a paused server's address listening and becomes the server on the first connection. */
    public static final java.nio.file.Path ACTIVATOR = java.nio.file.Path.of("/usr/bin/systemd-socket-activate");

    /** The instance's wake listener ({@code systemd-socket-activate … mariadbd --defaults-file=<my.cnf>}) that has not woken yet. */
    public static Optional<ProcessHandle> findActivator(InstanceFiles files) {
        return ProcessHandle.allProcesses().filter(p -> isActivatorOf(p, files)).findFirst();
    }

    static boolean isActivatorOf(ProcessHandle process, InstanceFiles files) {
        if (!process.isAlive()) {
            return false;
        }
        ProcessHandle.Info info = process.info();
        boolean isActivator = info.command().map(c -> c.endsWith("/systemd-socket-activate")).orElse(false);
        return isActivator && info.arguments().map(a -> List.of(a).contains("--defaults-file=" + files.myCnf())).orElse(false);
    }

    /** True when {@code process} is the instance's server (a woken listener is: the same process after its exec). */
    public static boolean isServer(ProcessHandle process, InstanceFiles files) {
        return isServerOf(process, files);
    }

    static boolean isServerOf(ProcessHandle process, InstanceFiles files) {
        if (!process.isAlive()) {
            return false;
        }
        ProcessHandle.Info info = process.info();
        boolean isMariadbd = info.command().map(c -> c.endsWith("/mariadbd") || c.equals("mariadbd")).orElse(false);
        Optional<String[]> arguments = info.arguments();
        return isMariadbd && arguments.map(a -> List.of(a).contains("--defaults-file=" + files.myCnf())).orElse(false);
    }

    /** The command line that starts the instance's server; {@code --defaults-file} must come first. */
    static List<String> commandLine(String mariadbd, InstanceFiles files, boolean asRoot, boolean withInitFile) {
        return commandLine(mariadbd, List.of(), files, asRoot, withInitFile);
    }

    /** @param buildOptions what the build needs to find its own files ({@link EngineBuild#serverOptions()}), after the defaults file */
    static List<String> commandLine(String mariadbd, List<String> buildOptions, InstanceFiles files, boolean asRoot, boolean withInitFile) {
        List<String> command = new java.util.ArrayList<>(List.of(mariadbd, "--defaults-file=" + files.myCnf()));
        command.addAll(buildOptions);
        if (asRoot) {
            command.add("--user=root");
        }
        if (withInitFile) {
            command.add("--init-file=" + files.initSql());
        }
        return command;
    }

    /** SIGTERM, then SIGKILL when it has not exited after {@code timeout}. Returns how it ended. */
    public static String stop(ProcessHandle process, Duration timeout) {
        if (!process.isAlive()) {
            return "not running";
        }
        process.destroy();
        if (awaitExit(process, timeout)) {
            return "stopped";
        }
        kill(process);
        return "killed after " + timeout.toSeconds() + " s";
    }

    /** SIGKILL, and wait until it is gone. */
    public static void kill(ProcessHandle process) {
        process.destroyForcibly();
        if (!awaitExit(process, Duration.ofSeconds(10))) {
            throw new IllegalStateException("mariadbd pid " + process.pid() + " did not die after SIGKILL");
        }
    }

    private static boolean awaitExit(ProcessHandle process, Duration timeout) {
        try {
            process.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return !process.isAlive();
        } catch (ExecutionException e) {
            return !process.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }

    private static Optional<Long> readPid(InstanceFiles files) {
        try {
            return Optional.of(Long.parseLong(Files.readString(files.pidFile()).trim()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }
}
