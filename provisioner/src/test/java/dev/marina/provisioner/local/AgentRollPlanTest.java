package dev.marina.provisioner.local;

import static dev.marina.provisioner.local.AgentRollPlan.BUILD_SETTLING;
import static dev.marina.provisioner.local.AgentRollPlan.EXITED;
import static dev.marina.provisioner.local.AgentRollPlan.HALTED_AFTER_FAILURE;
import static dev.marina.provisioner.local.AgentRollPlan.NO_BUILD;
import static dev.marina.provisioner.local.AgentRollPlan.READY;
import static dev.marina.provisioner.local.AgentRollPlan.REPLACE;
import static dev.marina.provisioner.local.AgentRollPlan.STARTING;
import static dev.marina.provisioner.local.AgentRollPlan.TIMED_OUT;
import static dev.marina.provisioner.local.AgentRollPlan.UP_TO_DATE;
import static dev.marina.provisioner.local.AgentRollPlan.WAITING;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.marina.provisioner.local.AgentRollPlan.Candidate;
import dev.marina.provisioner.local.AgentRollPlan.Decision;
import dev.marina.provisioner.local.AgentRollPlan.Failure;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The agent roll's decisions, one row per situation. */
class AgentRollPlanTest {

    private static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");
    private static final Duration SETTLE = Duration.ofSeconds(10);
    private static final String NEW = "00000000000000b2";
    private static final String OLD = "00000000000000b1";
    private static final AgentBuild BUILD = new AgentBuild(NEW, NOW.minusSeconds(60));

    /** An instance created {@code minute} minutes before NOW, its agent of {@code build}, running, idle. */
    private static Candidate at(String id, int minute, String build) {
        return new Candidate(id, "acme/orders", NOW.minusSeconds(3600 - 60L * minute), build, false, true, false);
    }

    private static Candidate dead(Candidate c) {
        return new Candidate(c.instanceId(), c.deployment(), c.createdAt(), c.recordedBuild(), c.destroying(), false, false);
    }

    private static Candidate busy(Candidate c) {
        return new Candidate(c.instanceId(), c.deployment(), c.createdAt(), c.recordedBuild(), c.destroying(), true, true);
    }

    private static Candidate destroying(Candidate c) {
        return new Candidate(c.instanceId(), c.deployment(), c.createdAt(), c.recordedBuild(), true, c.agentRunning(), c.busy());
    }

    private static Arguments row(String behaviour, Optional<AgentBuild> build, List<Candidate> instances, Optional<Failure> failure,
            String reason, String replaces, int outdated, boolean clearFailure) {
        return Arguments.of(behaviour, new AgentRollPlan.Input(build, SETTLE, instances, failure, NOW),
                new Decision(reason, Optional.ofNullable(replaces), outdated, clearFailure));
    }

    static Stream<Arguments> decisions() {
        Optional<AgentBuild> b = Optional.of(BUILD);
        return Stream.of(
                row("does nothing without an agent jar (custom command)", Optional.empty(), List.of(at("a", 1, null)),
                        Optional.empty(), NO_BUILD, null, 0, false),
                row("does nothing when there is no instance", b, List.of(), Optional.empty(), UP_TO_DATE, null, 0, false),
                row("does nothing when every agent runs the current build", b, List.of(at("a", 1, NEW), at("b", 2, NEW)),
                        Optional.empty(), UP_TO_DATE, null, 0, false),
                row("replaces the oldest outdated instance first", b, List.of(at("b", 2, OLD), at("a", 1, OLD), at("c", 3, NEW)),
                        Optional.empty(), REPLACE, "a", 2, false),
                row("takes an agent of unknown build (launched before builds were recorded) for outdated", b,
                        List.of(at("a", 1, NEW), at("b", 2, null)), Optional.empty(), REPLACE, "b", 1, false),
                row("waits while the build is still being written (changed within the settle time)",
                        Optional.of(new AgentBuild(NEW, NOW.minusSeconds(3))), List.of(at("a", 1, OLD)), Optional.empty(),
                        BUILD_SETTLING, null, 1, false),
                row("rolls once the build settled exactly the settle time ago",
                        Optional.of(new AgentBuild(NEW, NOW.minus(SETTLE))), List.of(at("a", 1, OLD)), Optional.empty(),
                        REPLACE, "a", 1, false),
                row("leaves a dead agent to the supervisor (it relaunches on the current build)", b,
                        List.of(dead(at("a", 1, OLD)), at("b", 2, OLD)), Optional.empty(), REPLACE, "b", 2, false),
                row("skips an agent busy with a job (backup, restore) and replaces the next", b,
                        List.of(busy(at("a", 1, OLD)), at("b", 2, OLD)), Optional.empty(), REPLACE, "b", 2, false),
                row("waits when every outdated agent is busy or dead", b, List.of(busy(at("a", 1, OLD)), dead(at("b", 2, OLD))),
                        Optional.empty(), WAITING, null, 2, false),
                row("never replaces an instance being destroyed, nor counts it", b,
                        List.of(destroying(at("a", 1, OLD)), at("b", 2, NEW)), Optional.empty(), UP_TO_DATE, null, 0, false),
                row("halts after a failed replacement while that agent is still not ready", b,
                        List.of(at("a", 1, NEW), at("b", 2, OLD)), Optional.of(new Failure("a", NEW, false, false)),
                        HALTED_AFTER_FAILURE, null, 1, false),
                row("resumes once the agent of the failed replacement became ready (a slow start)", b,
                        List.of(at("a", 1, NEW), at("b", 2, OLD)), Optional.of(new Failure("a", NEW, true, false)),
                        REPLACE, "b", 1, true),
                row("resumes when the failed instance is gone", b, List.of(at("b", 2, OLD)),
                        Optional.of(new Failure("a", NEW, false, true)), REPLACE, "b", 1, true),
                row("a new build lifts the halt: a fixed build rolls at once", b,
                        List.of(at("a", 1, OLD), at("b", 2, OLD)), Optional.of(new Failure("a", OLD, false, false)),
                        REPLACE, "a", 2, true),
                row("forgets a failure that no longer holds even with nothing left to roll", b, List.of(at("a", 1, NEW)),
                        Optional.of(new Failure("a", NEW, true, false)), UP_TO_DATE, null, 0, true),
                row("keeps a failure that still holds when nothing is left to roll", b, List.of(at("a", 1, NEW)),
                        Optional.of(new Failure("a", NEW, false, false)), UP_TO_DATE, null, 0, false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("decisions")
    void decides(String behaviour, AgentRollPlan.Input input, Decision expected) {
        assertEquals(expected, AgentRollPlan.decide(input), behaviour);
    }

    static Stream<Arguments> progress() {
        Duration timeout = Duration.ofSeconds(60);
        Instant launched = NOW.minusSeconds(5);
        return Stream.of(
                Arguments.of("ready as soon as the new agent answers ready", launched, timeout, true, true, READY),
                Arguments.of("keeps waiting while it starts", launched, timeout, true, false, STARTING),
                Arguments.of("fails when the new agent exited", launched, timeout, false, false, EXITED),
                Arguments.of("fails when it is not ready within the timeout", NOW.minus(timeout), timeout, true, false, TIMED_OUT),
                Arguments.of("a ready answer counts even at the timeout", NOW.minus(timeout), timeout, true, true, READY));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("progress")
    void follows_a_replacement(String behaviour, Instant launchedAt, Duration timeout, boolean running, boolean ready,
            String expected) {
        assertEquals(expected, AgentRollPlan.progress(launchedAt, NOW, timeout, running, ready), behaviour);
    }
}
