package dev.marina.intent.reconcile;

import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.ActionKind;
import dev.marina.schemas.v1.AgentCommand;
import dev.marina.schemas.v1.AgentOp;
import dev.marina.schemas.v1.AgentOutcome;
import dev.marina.schemas.v1.AutoscaleAction;
import dev.marina.schemas.v1.AutoscaleDecision;
import dev.marina.schemas.v1.DeploymentMetrics;
import dev.marina.schemas.v1.Intent;
import dev.marina.schemas.v1.ObservedInstance;
import dev.marina.schemas.v1.PauseState;
import dev.marina.schemas.v1.ReconcilerState;
import dev.marina.schemas.v1.ReconcilerStateOrBuilder;
import dev.marina.schemas.v1.Role;
import dev.marina.schemas.metrics.MetricNames;
import dev.marina.service.Timestamps;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Pausing a deployment (every server stopped, data, names and certificates kept) and resuming it, planned from the
 * observed state. Pure.
 *
 * <p>A pause starts on a request ({@code POST …/pause}: {@code Intent.pause_requests} grew with
 * {@code pause_requested}) or when the deployment was idle for {@code spec.autoscaling.pause_after_idle} (the
 * deployment-wide {@code client_connections} max and {@code client_queries_per_second} 0 in every window since).
 * It waits while a backup, a roll, a failover or switchover or a scale-in runs ({@code holding} says which). Then
 * the replicas are sent PAUSE, and once each answered DATABASE_STOPPED (paused), the primary PAUSE with
 * {@code wake_on_connect}: its address keeps accepting connections and the first client starts it. Phase Paused.
 *
 * <p>A resume starts when the agent says a client's connection woke the primary (it serves already), on a request,
 * or on an apply (a newer generation): RESUME to the primary unless it was woken, then to the replicas; phase
 * Resuming until every server answered DATABASE_READY, then the usual phases. Idle tracking restarts from the
 * resume, so stale idle windows never pause a freshly woken deployment again.
 *
 * <p>Invariants: while a deployment is pausing, paused or resuming ({@link #inEffect}) no failover or replacement
 * fires (HaPlanner), nothing is deployed to a stopped server, no instance is added, no scheduled backup is taken
 * (its slot is skipped: nothing changes while paused), no certificate is requested (TlsPlanner asks only serving
 * instances; one that came due is renewed after the resume) and the autoscaler holds.
 */
final class PausePlanner {
    private PausePlanner() {}

    static final String REQUESTED = "requested";
    static final String WOKEN = "a client connected to the writer";
    static final String APPLIED = "spec applied";

    /** Whether the deployment is pausing, paused or resuming. */
    static boolean inEffect(ReconcilerStateOrBuilder state) {
        return state.getPause().getWanted() || state.getPause().getResuming();
    }

    /** Why a pause is due by idleness, or empty: idle (no client connection or query) for at least pause_after_idle. */
    static Optional<String> idleDue(String pauseAfterIdle, Optional<Instant> idleSince, Instant now) {
        Optional<Duration> after = SpecDuration.parse(pauseAfterIdle);
        if (after.isEmpty() || idleSince.isEmpty() || idleSince.get().plus(after.get()).isAfter(now)) {
            return Optional.empty();
        }
        return Optional.of("idle for " + SpecDuration.format(after.get()) + ": no client connection or query");
    }

    /**
     * Why a paused (or pausing) deployment resumes, or empty: a client woke its primary, a resume was requested, or a
     * newer generation was applied.
     */
    static Optional<String> resumeTrigger(boolean woken, boolean resumeRequested, boolean newerGeneration) {
        if (woken) {
            return Optional.of(WOKEN);
        }
        if (resumeRequested) {
            return Optional.of(REQUESTED);
        }
        return newerGeneration ? Optional.of(APPLIED) : Optional.empty();
    }

    /**
     * Folds a deployment-wide metrics window into the idle tracking: idle when {@code client_connections} (max) and
     * {@code client_queries_per_second} are 0; a window without them (an agent that does not send them) is not idle.
     * Windows that ended before the last resume do not count, and idle time starts no earlier than it.
     */
    static PauseState idle(PauseState pause, DeploymentMetrics window) {
        if (pause.getWanted() || pause.getResuming()) {
            return pause;
        }
        Instant end = Timestamps.toInstant(window.getWindowEnd());
        if (pause.hasResumedAt() && !end.isAfter(Timestamps.toInstant(pause.getResumedAt()))) {
            return pause;
        }
        Double connections = window.getGaugesMaxMap().get(MetricNames.CLIENT_CONNECTIONS);
        Double queries = window.getGaugesMaxMap().getOrDefault(MetricNames.CLIENT_QUERIES_PER_SECOND,
                window.getGaugesAvgMap().get(MetricNames.CLIENT_QUERIES_PER_SECOND));
        boolean idle = connections != null && queries != null && connections == 0 && queries == 0;
        if (!idle) {
            return pause.hasIdleSince() ? pause.toBuilder().clearIdleSince().build() : pause;
        }
        if (pause.hasIdleSince()) {
            return pause;
        }
        Instant start = Timestamps.toInstant(window.getWindowStart());
        if (pause.hasResumedAt() && start.isBefore(Timestamps.toInstant(pause.getResumedAt()))) {
            start = Timestamps.toInstant(pause.getResumedAt());
        }
        return pause.toBuilder().setIdleSince(Timestamps.of(start)).build();
    }

    /** Whether the clock alone makes a pause due (idle long enough). */
    static boolean timeDue(ReconcilerState state, Instant now) {
        PauseState p = state.getPause();
        return !state.getDesired().getDeleted() && !inEffect(state) && p.getHolding().isEmpty()
                && idleDue(state.getDesired().getSpec().getAutoscaling().getPauseAfterIdle(),
                        p.hasIdleSince() ? Optional.of(Timestamps.toInstant(p.getIdleSince())) : Optional.empty(), now).isPresent();
    }

    static void plan(Pass pass, PlanSettings settings) {
        Intent desired = pass.state.getDesired();
        if (desired.getDeleted()) {
            return;
        }
        PauseState.Builder p = pass.state.getPause().toBuilder();
        boolean requestPending = desired.getPauseRequests() > p.getRequestsServed();
        if (p.getWanted()) {
            Optional<ObservedInstance> primary = Facts.primary(pass.state);
            boolean woken = primary.filter(i -> i.hasWokenAt() && p.hasPausedAt()
                    && Timestamps.toInstant(i.getWokenAt()).isAfter(Timestamps.toInstant(p.getPausedAt()))).isPresent();
            Optional<String> why = resumeTrigger(woken, requestPending && !desired.getPauseRequested(),
                    desired.getGeneration() > p.getGeneration());
            if (requestPending) {
                p.setRequestsServed(desired.getPauseRequests()); // a pause asked while paused: nothing more to do
            }
            if (why.isPresent()) {
                Ledger.forgetPauseSteps(pass.state, ActionKind.ACTION_KIND_PAUSE);
                p.setWanted(false).setPaused(false).setResuming(true).setResumeReason(why.get()).clearHolding().clearIdleSince()
                        .setNumber(p.getNumber());
                decided(pass, AutoscaleAction.AUTOSCALE_ACTION_RESUME, why.get());
            }
        } else if (!p.getResuming()) {
            Optional<String> why = Optional.empty();
            if (requestPending && desired.getPauseRequested()) {
                why = Optional.of(REQUESTED);
            } else if (requestPending) {
                p.setRequestsServed(desired.getPauseRequests()); // a resume of a running deployment: nothing to do
            }
            if (why.isEmpty()) {
                why = idleDue(desired.getSpec().getAutoscaling().getPauseAfterIdle(),
                        p.hasIdleSince() ? Optional.of(Timestamps.toInstant(p.getIdleSince())) : Optional.empty(), pass.now);
            }
            if (why.isPresent()) {
                String hold = hold(pass.state);
                if (!hold.isEmpty()) {
                    p.setHolding("pause " + (why.get().equals(REQUESTED) ? "requested" : "due") + "; waits: " + hold);
                } else {
                    p.setRequestsServed(desired.getPauseRequests()).setWanted(true).setPaused(false).setReason(why.get())
                            .setPausedAt(Timestamps.of(pass.now)).setNumber(p.getNumber() + 1).setGeneration(desired.getGeneration())
                            .clearHolding().clearIdleSince();
                    decided(pass, AutoscaleAction.AUTOSCALE_ACTION_PAUSE, why.get());
                }
            } else {
                p.clearHolding();
            }
        }
        pass.state.setPause(p);
        if (p.getWanted()) {
            pause(pass, settings, p);
        } else if (p.getResuming()) {
            resume(pass, settings, p);
        }
        pass.state.setPause(p);
    }

    /** Why a pause must wait now, or "". */
    static String hold(ReconcilerState.Builder state) {
        if (state.getBackups().hasCurrent()) {
            return "a backup runs (" + state.getBackups().getCurrent().getBackupId() + ")";
        }
        if (state.hasRoll() && !state.getRoll().getDone() && !state.getRoll().getHalted()) {
            return "a roll runs";
        }
        if (state.hasRoleChange() && !state.getRoleChange().getDone()) {
            return "a failover or switchover runs";
        }
        if (!state.getAutoscale().getRemoving().isEmpty()) {
            return "a scale-in drains " + state.getAutoscale().getRemoving();
        }
        return "";
    }

    /** Replicas first (PAUSE, no wake), then the primary (PAUSE with wake on connect); paused once every one said so. */
    private static void pause(Pass pass, PlanSettings settings, PauseState.Builder p) {
        List<ObservedInstance> active = active(pass.state);
        Optional<ObservedInstance> primary = Facts.primary(pass.state);
        boolean replicasPaused = true;
        for (ObservedInstance r : active) {
            if (primary.isPresent() && r.getInstanceId().equals(primary.get().getInstanceId())) {
                continue;
            }
            if (!r.getPaused()) {
                replicasPaused = false;
                pass.ensure(Ledger.pause(r.getInstanceId(), p.getNumber()), settings.ha().agentTimeout(), Topics.AGENT_COMMANDS,
                        issue -> command(pass, r, AgentOp.AGENT_OP_PAUSE, issue, false));
            }
        }
        if (!replicasPaused || primary.isEmpty()) {
            return;
        }
        ObservedInstance writer = primary.get();
        if (!writer.getPaused()) {
            pass.ensure(Ledger.pause(writer.getInstanceId(), p.getNumber()), settings.ha().agentTimeout(), Topics.AGENT_COMMANDS,
                    issue -> command(pass, writer, AgentOp.AGENT_OP_PAUSE, issue, true));
            return;
        }
        if (!p.getPaused()) {
            p.setPaused(true);
        }
    }

    /** The primary first (unless a client woke it), then the replicas; done once every server serves again. */
    private static void resume(Pass pass, PlanSettings settings, PauseState.Builder p) {
        Optional<ObservedInstance> primary = Facts.primary(pass.state);
        if (primary.isPresent() && !up(primary.get())) {
            ObservedInstance writer = primary.get();
            pass.ensure(Ledger.resume(writer.getInstanceId(), p.getNumber()), settings.ha().agentTimeout(), Topics.AGENT_COMMANDS,
                    issue -> command(pass, writer, AgentOp.AGENT_OP_RESUME, issue, false));
            return;
        }
        boolean all = true;
        for (ObservedInstance r : active(pass.state)) {
            if (!up(r)) {
                all = false;
                pass.ensure(Ledger.resume(r.getInstanceId(), p.getNumber()), settings.ha().agentTimeout(), Topics.AGENT_COMMANDS,
                        issue -> command(pass, r, AgentOp.AGENT_OP_RESUME, issue, false));
            }
        }
        if (all) {
            Ledger.forgetPauseSteps(pass.state, ActionKind.ACTION_KIND_RESUME);
            p.setResuming(false).setResumedAt(Timestamps.of(pass.now)).clearIdleSince();
        }
    }

    private static boolean up(ObservedInstance i) {
        return !i.getPaused() && i.getAgentOutcome() == AgentOutcome.AGENT_OUTCOME_DATABASE_READY;
    }

    private static List<ObservedInstance> active(ReconcilerState.Builder state) {
        return state.getInstancesMap().values().stream().filter(i -> !i.getPlan().getRetiring())
                .sorted(Comparator.comparing(ObservedInstance::getInstanceId)).toList();
    }

    private static AgentCommand command(Pass pass, ObservedInstance instance, AgentOp op, Pass.Issue issue, boolean wake) {
        Intent desired = pass.state.getDesired();
        return AgentCommand.newBuilder()
                .setCommandId(issue.commandId())
                .setAction(issue.action())
                .setDeployment(desired.getDeployment())
                .setInstanceId(instance.getInstanceId())
                .setOp(op)
                .setRole(instance.getPlan().getRole() == Role.ROLE_PRIMARY ? Role.ROLE_PRIMARY : Role.ROLE_REPLICA)
                .setEpoch(pass.state.getEpoch())
                .setGeneration(desired.getGeneration())
                .setWakeOnConnect(wake)
                .setIssuedAt(Timestamps.of(pass.now))
                .build();
    }

    private static void decided(Pass pass, AutoscaleAction action, String reason) {
        int replicas = AutoscalePlanner.replicasWanted(pass.state);
        AutoscaleDecision decision = AutoscaleDecision.newBuilder()
                .setDeployment(pass.state.getDesired().getDeployment())
                .setAction(action)
                .setReplicasBefore(replicas)
                .setReplicasAfter(replicas)
                .setReason(reason)
                .setDecidedAt(Timestamps.of(pass.now))
                .build();
        pass.state.setAutoscale(pass.state.getAutoscale().toBuilder().setLastDecision(decision));
        pass.emit(Topics.AUTOSCALE_DECISIONS, decision);
    }
}
