package dev.marina.provisioner.local;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The agent roll's decisions, pure: which instance's agent is replaced next by one of the current build, when to
 * wait, when a replacement has failed. {@link AgentRoller} gathers the facts and carries the decisions out; one
 * replacement at a time on the whole host, the next decided only once the last one's new agent is ready.
 */
public final class AgentRollPlan {

    /** Nothing to roll: every agent runs the current build. */
    public static final String UP_TO_DATE = "UpToDate";
    /** No agent jar (a custom agent command): builds are unknown, nothing is rolled. */
    public static final String NO_BUILD = "NoBuild";
    /** The build changed moments ago (a build may still be writing it): wait until it has settled. */
    public static final String BUILD_SETTLING = "BuildSettling";
    /** A replacement to this build failed and its new agent is still not ready: the build is not spread further. */
    public static final String HALTED_AFTER_FAILURE = "HaltedAfterFailure";
    /** Outdated agents remain, but none can be replaced now (not running, being destroyed, or busy with a job). */
    public static final String WAITING = "Waiting";
    /** Replace the agent of {@link Decision#instanceId()}. */
    public static final String REPLACE = "Replace";

    /** During a replacement: the new agent answered ready. */
    public static final String READY = "Ready";
    /** During a replacement: not ready yet, keep waiting. */
    public static final String STARTING = "Starting";
    /** During a replacement: the new agent exited before it was ready (the supervisor relaunches it). */
    public static final String EXITED = "Exited";
    /** During a replacement: the new agent was not ready within the timeout. */
    public static final String TIMED_OUT = "TimedOut";

    private AgentRollPlan() {}

    /**
     * One instance as the roll sees it.
     *
     * @param recordedBuild the build its agent was launched with; null when unknown (launched before builds were
     *                      recorded): such an agent counts as outdated
     * @param agentRunning  its agent process runs (a dead one is the supervisor's: relaunched on the current build)
     * @param busy          its agent runs a job in a process of its own (backup, restore, replay)
     */
    public record Candidate(String instanceId, String deployment, Instant createdAt, String recordedBuild, boolean destroying,
            boolean agentRunning, boolean busy) {
        public Candidate {
            Objects.requireNonNull(instanceId, "instanceId");
            Objects.requireNonNull(createdAt, "createdAt");
        }

        boolean outdatedAgainst(String build) {
            return !destroying && !build.equals(recordedBuild);
        }
    }

    /**
     * The last replacement that failed, as long as it matters.
     *
     * @param build        the build the failed agent runs
     * @param instanceReady whether that instance's agent answers ready now (false when it is gone or not running)
     * @param instanceGone whether the instance no longer exists
     */
    public record Failure(String instanceId, String build, boolean instanceReady, boolean instanceGone) {}

    /**
     * Everything one decision needs.
     *
     * @param build     the current build; empty without an agent jar
     * @param settle    how long a build must have been unchanged before it is rolled out
     * @param lastFailure the last failed replacement, if any
     */
    public record Input(Optional<AgentBuild> build, Duration settle, List<Candidate> instances, Optional<Failure> lastFailure,
            Instant now) {}

    /**
     * What to do now.
     *
     * @param reason     one of the constants above
     * @param instanceId the instance to replace (REPLACE only), else empty
     * @param outdated   how many instances run another build than the current one (or an unknown one)
     * @param clearFailure the last failure no longer holds the roll back (its agent became ready, its instance is
     *                   gone, or the build changed): forget it
     */
    public record Decision(String reason, Optional<String> instanceId, int outdated, boolean clearFailure) {
        public boolean replaces() {
            return REPLACE.equals(reason);
        }
    }

    /** The next step of the roll: a short chain of checks, the first that holds decides. */
    public static Decision decide(Input input) {
        if (input.build().isEmpty()) {
            return new Decision(NO_BUILD, Optional.empty(), 0, false);
        }
        AgentBuild build = input.build().get();
        List<Candidate> outdated = input.instances().stream()
                .filter(c -> c.outdatedAgainst(build.fingerprint()))
                .sorted(Comparator.comparing(Candidate::createdAt).thenComparing(Candidate::instanceId))
                .toList();
        boolean clear = input.lastFailure().map(f -> !holdsBack(f, build)).orElse(false);
        if (outdated.isEmpty()) {
            return new Decision(UP_TO_DATE, Optional.empty(), 0, clear);
        }
        if (input.now().isBefore(build.changedAt().plus(input.settle()))) {
            return new Decision(BUILD_SETTLING, Optional.empty(), outdated.size(), clear);
        }
        if (input.lastFailure().isPresent() && holdsBack(input.lastFailure().get(), build)) {
            return new Decision(HALTED_AFTER_FAILURE, Optional.empty(), outdated.size(), false);
        }
        Optional<Candidate> next = outdated.stream().filter(c -> c.agentRunning() && !c.busy()).findFirst();
        if (next.isEmpty()) {
            return new Decision(WAITING, Optional.empty(), outdated.size(), clear);
        }
        return new Decision(REPLACE, Optional.of(next.get().instanceId()), outdated.size(), clear);
    }

    /** A failed replacement holds the roll back while its build is still current and its agent is not ready. */
    private static boolean holdsBack(Failure failure, AgentBuild build) {
        return failure.build().equals(build.fingerprint()) && !failure.instanceGone() && !failure.instanceReady();
    }

    /**
     * How a replacement stands, from its new agent's launch: READY, STARTING (keep waiting), EXITED or TIMED_OUT
     * (failed: the roll halts, see {@link #decide}).
     */
    public static String progress(Instant launchedAt, Instant now, Duration timeout, boolean agentRunning, boolean ready) {
        if (ready) {
            return READY;
        }
        if (!agentRunning) {
            return EXITED;
        }
        if (!now.isBefore(launchedAt.plus(timeout))) {
            return TIMED_OUT;
        }
        return STARTING;
    }
}
