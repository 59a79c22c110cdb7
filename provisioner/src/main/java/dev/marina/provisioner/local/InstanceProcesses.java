package dev.marina.provisioner.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * The processes of an instance: its agent (a process group leader, since it runs under setsid), what
 * the agent started, and a {@code mariadbd} that outlived it (found through
 * {@code <folder>/mariadbd.pid}). A pid only counts as the instance's when the process works inside
 * the instance folder, so a pid reused by an unrelated process is never adopted nor killed.
 */
final class InstanceProcesses {

    private static final Logger LOG = Logger.getLogger(InstanceProcesses.class);
    static final String MARIADBD_PID_FILE = "mariadbd.pid";
    private static final Duration AFTER_KILL = Duration.ofSeconds(5);

    private InstanceProcesses() {}

    /** True when the record's agent pid is alive and really is this instance's process. */
    static boolean isAgentRunning(InstanceRecord record) {
        return record.pid() != null && ProcFs.isRunning(record.pid()) && worksIn(record.pid(), record.folderPath());
    }

    /** Whether the process's working directory is the folder or inside it (mariadbd works in data/). */
    static boolean worksIn(long pid, Path folder) {
        Optional<Path> cwd = ProcFs.workingDirectory(pid);
        if (cwd.isEmpty()) {
            return false;
        }
        return cwd.get().startsWith(folder) || cwd.get().startsWith(realPath(folder));
    }

    /**
     * Stops every process of the instance: SIGTERM, then SIGKILL for those still running after the
     * timeout. Returns once none is left (or, after SIGKILL, a few seconds at most).
     */
    static void stopAll(InstanceRecord record, Duration timeout) {
        Set<Long> targets = processesOf(record);
        if (targets.isEmpty()) {
            return;
        }
        LOG.infof("stopping instance processes deployment=%s instance=%s pids=%s", record.deployment(),
                record.instanceId(), targets);
        targets.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy));
        if (awaitGone(record, timeout)) {
            return;
        }
        Set<Long> survivors = processesOf(record);
        LOG.warnf("instance processes ignored SIGTERM, killing deployment=%s instance=%s pids=%s timeout=%s",
                record.deployment(), record.instanceId(), survivors, timeout);
        survivors.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        if (!awaitGone(record, AFTER_KILL)) {
            LOG.errorf("instance processes survived SIGKILL deployment=%s instance=%s pids=%s", record.deployment(),
                    record.instanceId(), processesOf(record));
        }
    }

    /**
     * Stops the agent alone (its pid, not its process group): SIGTERM, SIGKILL after the timeout. The
     * database it started keeps running; the next agent adopts it.
     */
    static void stopAgent(InstanceRecord record, Duration timeout) {
        if (!isAgentRunning(record)) {
            return;
        }
        ProcessHandle.of(record.pid()).ifPresent(agent -> {
            agent.destroy();
            try {
                agent.onExit().get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
                agent.destroyForcibly();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        long deadline = System.nanoTime() + AFTER_KILL.toNanos();
        while (ProcFs.isRunning(record.pid()) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * The agent's jobs: the running members of its process group other than itself and the instance's
     * {@code mariadbd} (a backup, a restore, a binary-log replay: processes the agent waits for).
     */
    static Set<Long> jobsOf(InstanceRecord record) {
        Set<Long> jobs = new LinkedHashSet<>();
        if (record.pid() == null) {
            return jobs;
        }
        Optional<Long> mariadbd = mariadbdPid(record.folderPath());
        for (long member : ProcFs.processGroupMembers(record.pid())) {
            if (member != record.pid() && !mariadbd.equals(Optional.of(member))) {
                jobs.add(member);
            }
        }
        return jobs;
    }

    /** The running processes that belong to the instance. */
    static Set<Long> processesOf(InstanceRecord record) {
        Path folder = record.folderPath();
        Set<Long> pids = new LinkedHashSet<>();
        if (record.pid() != null) {
            for (long member : ProcFs.processGroupMembers(record.pid())) {
                if (worksIn(member, folder)) {
                    pids.add(member);
                }
            }
        }
        mariadbdPid(folder).filter(pid -> ProcFs.isRunning(pid) && belongsTo(pid, folder)).ifPresent(pids::add);
        return pids;
    }

    private static boolean belongsTo(long pid, Path folder) {
        return worksIn(pid, folder) || ProcFs.commandLine(pid).contains(folder.toString());
    }

    private static Optional<Long> mariadbdPid(Path folder) {
        try {
            return Optional.of(Long.parseLong(Files.readString(folder.resolve(MARIADBD_PID_FILE)).trim()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static boolean awaitGone(InstanceRecord record, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!processesOf(record).isEmpty()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return processesOf(record).isEmpty();
            }
        }
        return true;
    }

    private static Path realPath(Path folder) {
        try {
            return folder.toRealPath();
        } catch (IOException e) {
            return folder;
        }
    }
}
