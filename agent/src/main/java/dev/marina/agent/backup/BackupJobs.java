package dev.marina.agent.backup;

import dev.marina.objectstore.ObjectStore;
import dev.marina.schemas.v1.BackupManifest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * Runs backups off the command thread, one at a time per instance: heartbeats and other commands go on while one
 * runs. A BACKUP for the backup that runs attaches to it (its command is answered too when it ends; the same command
 * again is answered once); one for another backup is refused. Answers are handed to {@code answers}, tried again
 * every second until taken or until the agent stops.
 *
 * <p>The agent stopping ({@link #close}) kills mariadb-backup: no manifest is written, so nothing is listed, and
 * the next BACKUP runs again.
 */
public final class BackupJobs implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(BackupJobs.class);
    private static final Duration RETRY = Duration.ofSeconds(1);

    /** How a backup ended: a manifest, or the failure. */
    public record Outcome(BackupManifest manifest, BackupFailure failure) {
        public boolean done() {
            return manifest != null;
        }
    }

    /** One command waiting for the backup's end: its id, and how to build and hand over its answer. */
    public record Waiter(String commandId, Consumer<Outcome> answer) {}

    private final ObjectStoreFactory stores;
    private final BackupRunner runner;
    private volatile boolean closed;
    private Job job;

    private final class Job {
        final String backupId;
        final List<Waiter> waiters = new ArrayList<>();
        Thread thread;

        Job(String backupId) {
            this.backupId = backupId;
        }
    }

    public BackupJobs(ObjectStoreFactory stores, BackupRunner runner) {
        this.stores = stores;
        this.runner = runner;
    }

    /** The id of the backup running now. */
    public synchronized Optional<String> running() {
        return job == null ? Optional.empty() : Optional.of(job.backupId);
    }

    /**
     * Runs the backup, or attaches to it when it runs already; returns what was done (REFUSE: nothing, the caller
     * answers REFUSED). The waiter's answer is called once, on the backup's thread.
     */
    public synchronized BackupDecisions.Start start(BackupRunner.Request request, Waiter waiter) {
        BackupDecisions.Start start = BackupDecisions.whileRunning(running(), request.backupId());
        switch (start) {
            case REFUSE -> {
                return start;
            }
            case ATTACH -> {
                if (job.waiters.stream().noneMatch(w -> w.commandId().equals(waiter.commandId()))) {
                    job.waiters.add(waiter);
                }
                return start;
            }
            case RUN -> {
                if (closed) {
                    throw new IllegalStateException("the agent is stopping");
                }
                job = new Job(request.backupId());
                job.waiters.add(waiter);
                Job started = job;
                started.thread = new Thread(() -> run(started, request), "agent-backup");
                started.thread.setDaemon(true);
                started.thread.start();
                return start;
            }
            default -> throw new IllegalStateException("unknown " + start);
        }
    }

    private void run(Job started, BackupRunner.Request request) {
        Outcome outcome;
        LOG.infof("backup started backup=%s deployment=%s/%s instance=%s role=%s", request.backupId(),
                request.deployment().getTenant(), request.deployment().getName(), request.instanceId(), request.role());
        try (ObjectStore store = openStore()) {
            outcome = new Outcome(runner.run(request, store), null);
        } catch (BackupFailure e) {
            outcome = new Outcome(null, e);
        } catch (RuntimeException e) {
            outcome = new Outcome(null, BackupFailure.tool("the backup failed: " + e, e));
        }
        if (!outcome.done()) {
            LOG.errorf("backup failed backup=%s reason_code=%s reason=%s", request.backupId(), outcome.failure().code(),
                    outcome.failure().getMessage());
        }
        List<Waiter> waiters;
        synchronized (this) {
            waiters = List.copyOf(started.waiters);
            job = null;
        }
        for (Waiter waiter : waiters) {
            deliver(waiter, outcome);
        }
    }

    private ObjectStore openStore() {
        try {
            return stores.open();
        } catch (RuntimeException e) {
            throw BackupFailure.store("cannot open the object store: " + e.getMessage(), e);
        }
    }

    private void deliver(Waiter waiter, Outcome outcome) {
        while (true) {
            try {
                waiter.answer().accept(outcome);
                return;
            } catch (RuntimeException e) {
                if (closed) {
                    LOG.warnf("backup answer not written, the agent is stopping command=%s reason=%s", waiter.commandId(), e.getMessage());
                    return;
                }
                LOG.warnf("backup answer not written, retrying command=%s reason=%s", waiter.commandId(), e.getMessage());
                try {
                    Thread.sleep(RETRY.toMillis());
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Waits up to {@code wait} for the running backup to end (tests). */
    public void awaitIdle(Duration wait) throws InterruptedException {
        Thread thread;
        synchronized (this) {
            thread = job == null ? null : job.thread;
        }
        if (thread != null) {
            thread.join(wait.toMillis());
        }
    }

    /** Kills a running backup (no manifest is written) and waits briefly for its answer. */
    @Override
    public void close() {
        closed = true;
        Thread thread;
        synchronized (this) {
            thread = job == null ? null : job.thread;
        }
        if (thread != null) {
            runner.cancel();
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
