package dev.marina.provisioner.local;

import dev.marina.provisioner.driver.DriverException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Rolls agents to the current build, one instance at a time on the whole host: gathers the facts, lets
 * {@link AgentRollPlan} decide, replaces the chosen agent ({@link LocalDriver#replaceAgent}: the old agent alone is
 * stopped, never its {@code mariadbd}, which the new agent adopts), waits until the new agent is ready, then decides
 * again. A replacement that fails (the new agent exits, or is not ready within the timeout) halts the roll until
 * that agent becomes ready or another build comes; nothing of a failed replacement touches the database.
 * {@link #rollOnce()} runs at the provisioner's start and every {@code agent-roll-interval}.
 */
public final class AgentRoller {

    private static final Logger LOG = Logger.getLogger(AgentRoller.class);

    /**
     * @param settle       how long a build must be unchanged on disk before it is rolled out
     * @param readyTimeout how long a new agent gets to answer ready
     * @param pollEvery    how often a new agent's readiness is asked while waiting
     */
    public record Settings(Duration settle, Duration readyTimeout, Duration pollEvery) {}

    private record FailedReplacement(String instanceId, String build) {}

    private final LocalDriver driver;
    private final AgentReadiness readiness;
    private final Settings settings;
    private final Clock clock;
    private final AtomicLong replaced = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private volatile int outdated;
    private FailedReplacement lastFailure;
    private String lastReported = "";

    public AgentRoller(LocalDriver driver, AgentReadiness readiness, Settings settings, Clock clock) {
        this.driver = driver;
        this.readiness = readiness;
        this.settings = settings;
        this.clock = clock;
    }

    /** Instances whose agent runs another build than the current one, as of the last pass. */
    public int outdated() {
        return outdated;
    }

    /** Agents replaced by one of a newer build since this provisioner started. */
    public long replaced() {
        return replaced.get();
    }

    /** Replacements whose new agent exited or was not ready in time. */
    public long failed() {
        return failed.get();
    }

    /** One pass: replaces outdated agents one after the other until the plan says to stop. */
    public synchronized void rollOnce() {
        int guard = 2 * driver.records().size() + 2;
        for (int step = 0; step < guard && !Thread.currentThread().isInterrupted(); step++) {
            Optional<AgentBuild> build;
            try {
                build = driver.currentBuild();
            } catch (DriverException e) {
                report("NoJar", "agent roll: the agent build cannot be read, nothing is rolled reason=" + e.getMessage());
                return;
            }
            AgentRollPlan.Decision decision = AgentRollPlan.decide(new AgentRollPlan.Input(build, settings.settle(),
                    candidates(build), failureFacts(), clock.instant()));
            outdated = decision.outdated();
            if (decision.clearFailure()) {
                LOG.infof("agent roll resumes instance=%s build=%s", lastFailure.instanceId(), lastFailure.build());
                lastFailure = null;
            }
            if (!decision.replaces()) {
                report(decision.reason() + decision.outdated(), "agent roll reason=" + decision.reason() + " outdated="
                        + decision.outdated() + build.map(b -> " build=" + b.fingerprint()).orElse(""));
                return;
            }
            lastReported = "";
            if (!replace(decision.instanceId().get(), build.get())) {
                return;
            }
        }
    }

    private List<AgentRollPlan.Candidate> candidates(Optional<AgentBuild> build) {
        List<AgentRollPlan.Candidate> candidates = new ArrayList<>();
        for (InstanceRecord r : driver.records()) {
            boolean outdatedOne = build.isPresent() && !r.destroying() && !build.get().fingerprint().equals(r.agentBuild());
            // Only an outdated agent's state matters, and looking at it scans /proc: skip the others.
            boolean running = outdatedOne && driver.isAgentRunning(r);
            boolean busy = running && driver.isAgentBusy(r);
            candidates.add(new AgentRollPlan.Candidate(r.instanceId(), r.deployment(), r.createdAt(), r.agentBuild(),
                    r.destroying(), running, busy));
        }
        return candidates;
    }

    private Optional<AgentRollPlan.Failure> failureFacts() {
        if (lastFailure == null) {
            return Optional.empty();
        }
        Optional<InstanceRecord> record = find(lastFailure.instanceId()).filter(r -> !r.destroying());
        boolean ready = record.isPresent() && driver.isAgentRunning(record.get()) && readiness.isReady(record.get());
        return Optional.of(new AgentRollPlan.Failure(lastFailure.instanceId(), lastFailure.build(), ready, record.isEmpty()));
    }

    /** Replaces one agent and waits for the new one; false when it failed (the roll halts). */
    private boolean replace(String instanceId, AgentBuild build) {
        Optional<InstanceRecord> found = find(instanceId);
        if (found.isEmpty() || found.get().pid() == null) {
            return true; // gone meanwhile: decide again
        }
        InstanceRecord old = found.get();
        LOG.infof("agent replacement starting deployment=%s instance=%s pid=%d from-build=%s to-build=%s", old.deployment(),
                instanceId, old.pid(), old.agentBuild() == null ? "unknown" : old.agentBuild(), build.fingerprint());
        long started = System.nanoTime();
        Optional<InstanceRecord> next;
        try {
            next = driver.replaceAgent(instanceId, old.pid());
        } catch (RuntimeException e) {
            failed.incrementAndGet();
            lastFailure = new FailedReplacement(instanceId, build.fingerprint());
            LOG.errorf("agent replacement failed, the roll halts deployment=%s instance=%s build=%s reason=%s", old.deployment(),
                    instanceId, build.fingerprint(), e.getMessage());
            return false;
        }
        if (next.isEmpty()) {
            LOG.infof("agent replacement skipped, the instance changed meanwhile deployment=%s instance=%s", old.deployment(), instanceId);
            return true;
        }
        InstanceRecord now = next.get();
        long swappedMs = (System.nanoTime() - started) / 1_000_000;
        Instant launchedAt = clock.instant();
        while (true) {
            boolean running = driver.isAgentRunning(now);
            String progress = AgentRollPlan.progress(launchedAt, clock.instant(), settings.readyTimeout(), running,
                    running && readiness.isReady(now));
            if (AgentRollPlan.READY.equals(progress)) {
                replaced.incrementAndGet();
                LOG.infof("agent replaced deployment=%s instance=%s old-pid=%d pid=%d build=%s swap-ms=%d ready-ms=%d",
                        now.deployment(), instanceId, old.pid(), now.pid(), build.fingerprint(), swappedMs,
                        (System.nanoTime() - started) / 1_000_000);
                return true;
            }
            if (!AgentRollPlan.STARTING.equals(progress)) {
                failed.incrementAndGet();
                lastFailure = new FailedReplacement(instanceId, build.fingerprint());
                LOG.errorf("agent replacement failed, the roll halts until this agent is ready or another build comes"
                        + " deployment=%s instance=%s pid=%d build=%s reason=%s timeout=%s (see %s)", now.deployment(), instanceId,
                        now.pid(), build.fingerprint(), progress, settings.readyTimeout(),
                        now.folderPath().resolve(AgentLauncher.LOG_FILE));
                return false;
            }
            try {
                Thread.sleep(settings.pollEvery().toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    private Optional<InstanceRecord> find(String instanceId) {
        return driver.records().stream().filter(r -> r.instanceId().equals(instanceId)).findFirst();
    }

    /** Logs a state of the roll once, not at every pass. */
    private void report(String key, String message) {
        if (!key.equals(lastReported)) {
            LOG.info(message);
            lastReported = key;
        }
    }
}
