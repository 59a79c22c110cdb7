package dev.marina.intent.reconcile;

import dev.marina.schemas.gtid.Gtids;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.ActionKey;
import dev.marina.schemas.v1.AgentCommand;
import dev.marina.schemas.v1.AgentOp;
import dev.marina.schemas.v1.AgentOutcome;
import dev.marina.schemas.v1.Durability;
import dev.marina.schemas.v1.Health;
import dev.marina.schemas.v1.InstanceState;
import dev.marina.schemas.v1.InstancePlan;
import dev.marina.schemas.v1.Intent;
import dev.marina.schemas.v1.ObservedInstance;
import dev.marina.schemas.v1.ReconcilerState;
import dev.marina.schemas.v1.Role;
import dev.marina.schemas.v1.RoleChange;
import dev.marina.schemas.v1.RoleChangeKind;
import dev.marina.schemas.v1.RoleChangeState;
import dev.marina.schemas.v1.SemiSyncWait;
import dev.marina.service.Timestamps;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Replicas, failover and switchover, planned from the observed state. Pure.
 *
 * <p>Invariants:
 * <ul>
 *   <li>At most one instance has the PRIMARY role in the state, and only after the agent confirmed the
 *       promotion (or deployed it as the first primary). The writer name follows that role.</li>
 *   <li>Every role change raises the deployment's epoch; every agent command carries it, so an agent
 *       that saw a newer epoch refuses the old primary's orders.</li>
 *   <li>A failover starts only when health-monitor says the primary is Down (which already weighed
 *       whether its replicas still hear from it) and its last heartbeat is older than
 *       {@code minSilence}, which is longer than the agents' lease: by then a primary that merely lost
 *       Kafka has made itself read-only, so two writable primaries never overlap.</li>
 *   <li>The replica promoted is the most advanced healthy one (highest GTID position); the others, and
 *       the old primary when it returns, are told to replicate from it. A returning instance whose
 *       history is not a prefix of the new primary's (DIVERGED), or that cannot catch up because the primary
 *       purged the binlogs it needs (CANNOT_CATCH_UP), is replaced by a new replica.</li>
 *   <li>A server that comes back read-only (restart, self-fencing) is made writable only by a PROMOTE
 *       at the current epoch, and only while it still holds the role.</li>
 * </ul>
 */
final class HaPlanner {
    private HaPlanner() {}

    static void plan(Pass pass, PlanSettings settings) {
        Intent desired = pass.state.getDesired();
        if (desired.getDeleted()) {
            return;
        }
        if (pass.state.getEpoch() == 0) {
            pass.state.setEpoch(1);
        }
        adoptConfirmedRoles(pass);
        keepReplicaCount(pass);
        RoleChangeState change = pass.state.getRoleChange();
        boolean changing = pass.state.hasRoleChange() && !change.getDone();
        if (changing) {
            continueRoleChange(pass, settings);
        } else if (desired.getSwitchoversRequested() > pass.state.getSwitchoversServed()) {
            startSwitchover(pass, settings);
        } else {
            primary(pass.state).ifPresent(p -> {
                if (failoverDue(pass, p, settings)) {
                    startFailover(pass, p, settings);
                } else {
                    keepWritable(pass, p, settings);
                }
            });
        }
        primary(pass.state).filter(p -> writable(pass.state, p)).ifPresent(p -> repoint(pass, p, settings));
        tellReplicasWanted(pass, settings);
        replaceBroken(pass, settings);
        finishRoleChange(pass);
    }

    /**
     * The role change in flight moves the roles once the agents confirmed each step: the old primary of a
     * switchover becomes a replica when its FENCE was answered, the target becomes the primary when its
     * PROMOTE was. (Observe records the answers; only the planner assigns roles.)
     */
    static void adoptConfirmedRoles(Pass pass) {
        RoleChangeState change = pass.state.getRoleChange();
        if (!pass.state.hasRoleChange() || change.getDone()) {
            return;
        }
        ObservedInstance old = pass.state.getInstancesMap().get(change.getOldPrimary());
        if (change.getFenced() && old != null && old.getPlan().getRole() == Role.ROLE_PRIMARY) {
            Decide.role(pass.state, old, Role.ROLE_REPLICA);
        }
        ObservedInstance target = pass.state.getInstancesMap().get(change.getNewPrimary());
        if (change.hasPromotedAt() && target != null && target.getPlan().getRole() != Role.ROLE_PRIMARY) {
            Decide.role(pass.state, target, Role.ROLE_PRIMARY);
        }
    }

    /**
     * Whether the clock alone makes a decision due, with no event arriving: a Down primary (its failover
     * waits for the silence to pass the lease) or a replica Down for long enough to be replaced.
     */
    static boolean timeDue(ReconcilerState state, java.time.Instant now, PlanSettings settings) {
        if (!state.hasDesired() || state.getDesired().getDeleted()) {
            return false;
        }
        for (ObservedInstance i : state.getInstancesMap().values()) {
            if (i.getPlan().getRetiring() || i.getHealth() != Health.HEALTH_DOWN) {
                continue;
            }
            if (PausePlanner.inEffect(state)) {
                return false;
            }
            if (i.getPlan().getRole() == Role.ROLE_PRIMARY && state.getDesired().getSpec().getFailover().getAutomatic()
                    && !(state.hasRoleChange() && !state.getRoleChange().getDone())) {
                return true;
            }
            if (i.getPlan().getRole() == Role.ROLE_REPLICA && i.hasDownSince()
                    && !Timestamps.toInstant(i.getDownSince()).plus(settings.ha().replaceAfter()).isAfter(now)) {
                return true;
            }
        }
        return false;
    }

    static Optional<ObservedInstance> primary(ReconcilerState.Builder state) {
        return Facts.primary(state);
    }

    private static boolean writable(ReconcilerState.Builder state, ObservedInstance primary) {
        return Facts.writable(state.getEpoch(), primary);
    }

    /**
     * Keeps {@code spec.replicas} replicas besides the primary. During a role change the instance being
     * promoted is not counted (it is about to be the primary) and the demoted one is: when it returns it
     * rejoins, so no replacement is made for it until it is found broken or Down for long.
     */
    static void keepReplicaCount(Pass pass) {
        boolean changing = pass.state.hasRoleChange() && !pass.state.getRoleChange().getDone();
        if (primary(pass.state).isEmpty() && !changing) {
            return; // the first primary comes first (Planner adds it)
        }
        String promoting = changing ? pass.state.getRoleChange().getNewPrimary() : "";
        if (PausePlanner.inEffect(pass.state)) {
            return; // nothing is added or removed while the servers are stopped on purpose
        }
        int wanted = AutoscalePlanner.replicasWanted(pass.state) + 1 + RollPlanner.temporaryReplicas(pass.state);
        List<ObservedInstance> active = pass.state.getInstancesMap().values().stream().filter(i -> !i.getPlan().getRetiring()).toList();
        for (int n = active.size(); n < wanted; n++) {
            addInstance(pass, Role.ROLE_REPLICA);
        }
        // too many: retire replicas, Down ones and then the newest first; never the primary or the one being promoted
        active.stream()
                .filter(i -> i.getPlan().getRole() == Role.ROLE_REPLICA && !i.getInstanceId().equals(promoting))
                .sorted(Comparator.comparing((ObservedInstance i) -> i.getHealth() != Health.HEALTH_DOWN)
                        .thenComparing(i -> -number(i.getInstanceId())))
                .limit(Math.max(0, active.size() - wanted))
                .forEach(i -> Decide.retire(pass.state, i, ""));
    }

    static String addInstance(Pass pass, Role role) {
        Intent desired = pass.state.getDesired();
        int number = Math.max(1, pass.state.getNextInstanceNumber());
        String id = desired.getDeployment().getTenant() + "-" + desired.getDeployment().getName() + "-" + number;
        pass.state.setNextInstanceNumber(number + 1);
        pass.state.putInstances(id, ObservedInstance.newBuilder()
                .setInstanceId(id)
                .setPlan(InstancePlan.newBuilder().setRole(role).setRequestedAt(Timestamps.of(pass.now)))
                .build());
        return id;
    }

    private static boolean failoverDue(Pass pass, ObservedInstance primary, PlanSettings settings) {
        if (!pass.state.getDesired().getSpec().getFailover().getAutomatic() || primary.getHealth() != Health.HEALTH_DOWN) {
            return false;
        }
        if (PausePlanner.inEffect(pass.state)) {
            return false; // pausing, paused or resuming: a stopped primary is not a failed one
        }
        if (!primary.hasDatabaseReadyAt()) {
            return false; // never served: nothing to fail over from (it is still being deployed)
        }
        if (primary.hasLastHeartbeatAt()) {
            Duration silent = Duration.between(Timestamps.toInstant(primary.getLastHeartbeatAt()), pass.now);
            if (silent.compareTo(settings.ha().minSilence()) < 0) {
                return false; // not yet past the lease: it may still be writable
            }
        }
        return candidate(pass.state, "", primary.getInstanceId()).isPresent();
    }

    /**
     * The most advanced healthy replica of {@code primary} (or the named one, when it qualifies). Only a
     * replica that was told to replicate from that primary holds its data: one that never did (still
     * being set up) is never promoted.
     */
    static Optional<ObservedInstance> candidate(ReconcilerState.Builder state, String wanted, String primary) {
        List<ObservedInstance> eligible = state.getInstancesMap().values().stream()
                .filter(i -> i.getPlan().getRole() == Role.ROLE_REPLICA && Facts.serving(i) && i.getHealth() == Health.HEALTH_UP
                        && i.getReplicatingFrom().equals(primary) && !Facts.mustBeRebuilt(i))
                .toList();
        if (!wanted.isEmpty()) {
            return eligible.stream().filter(i -> i.getInstanceId().equals(wanted)).findFirst();
        }
        return eligible.stream().max((a, b) -> {
            int byGtid = Gtids.compare(a.getGtidPosition(), b.getGtidPosition());
            return byGtid != 0 ? byGtid : Integer.compare(number(b.getInstanceId()), number(a.getInstanceId()));
        });
    }

    private static void startFailover(Pass pass, ObservedInstance old, PlanSettings settings) {
        ObservedInstance chosen = candidate(pass.state, "", old.getInstanceId()).orElseThrow();
        long epoch = pass.state.getEpoch() + 1;
        pass.state.setEpoch(epoch);
        pass.state.setRoleChange(RoleChangeState.newBuilder()
                .setKind(RoleChangeKind.ROLE_CHANGE_KIND_FAILOVER)
                .setEpoch(epoch)
                .setOldPrimary(old.getInstanceId())
                .setNewPrimary(chosen.getInstanceId())
                .setReason("primary " + old.getInstanceId() + " is down: " + old.getHealthReason()
                        + "; promoting the most advanced healthy replica " + chosen.getInstanceId()
                        + " at " + (chosen.getGtidPosition().isEmpty() ? "an unknown position" : chosen.getGtidPosition()))
                .setDetectedAt(Timestamps.of(pass.now))
                .setOldPrimaryGtid(old.getGtidPosition()));
        // demoted now: when it returns it is told to replicate (or is rebuilt), never made writable again
        Decide.role(pass.state, old, Role.ROLE_REPLICA);
        continueRoleChange(pass, settings);
    }

    private static void startSwitchover(Pass pass, PlanSettings settings) {
        Intent desired = pass.state.getDesired();
        pass.state.setSwitchoversServed(desired.getSwitchoversRequested());
        Optional<ObservedInstance> old = primary(pass.state).filter(p -> writable(pass.state, p)
                && p.getHealth() == Health.HEALTH_UP);
        Optional<ObservedInstance> target = old.flatMap(p -> candidate(pass.state, desired.getSwitchoverTarget(), p.getInstanceId())
                .filter(t -> Facts.servesReads(pass.state.getEpoch(), t, p)));
        if (old.isEmpty() || target.isEmpty()) {
            pass.state.setLastError("switchover not started: " + (old.isEmpty() ? "the primary is not healthy and writable"
                    : desired.getSwitchoverTarget().isEmpty() ? "no healthy replica replicating from the primary"
                    : desired.getSwitchoverTarget() + " is not a healthy replica replicating from the primary"));
            return;
        }
        switchOver(pass, settings, old.get(), target.get(), "switchover requested" + (desired.getLastRequestId().isEmpty()
                ? "" : " (request " + desired.getLastRequestId() + ")") + " to " + target.get().getInstanceId());
    }

    /**
     * A switchover another planner step asks for (a roll hands the primary role to an updated replica): the same
     * steps as a requested one — epoch +1, FENCE, PROMOTE once the target reached the fenced position, the writer name
     * moves. Only from a writable, Up primary to a replica serving its reads, and not while a role change is under way.
     *
     * @return the epoch of the switchover started, or empty when it cannot start now
     */
    static Optional<Long> startSwitchoverTo(Pass pass, PlanSettings settings, String targetId, String reason) {
        if (pass.state.hasRoleChange() && !pass.state.getRoleChange().getDone()) {
            return Optional.empty();
        }
        Optional<ObservedInstance> old = primary(pass.state).filter(p -> writable(pass.state, p) && p.getHealth() == Health.HEALTH_UP);
        Optional<ObservedInstance> target = old.flatMap(p -> candidate(pass.state, targetId, p.getInstanceId())
                .filter(t -> Facts.servesReads(pass.state.getEpoch(), t, p)));
        if (old.isEmpty() || target.isEmpty()) {
            return Optional.empty();
        }
        switchOver(pass, settings, old.get(), target.get(), reason);
        return Optional.of(pass.state.getEpoch());
    }

    private static void switchOver(Pass pass, PlanSettings settings, ObservedInstance old, ObservedInstance target, String reason) {
        long epoch = pass.state.getEpoch() + 1;
        pass.state.setEpoch(epoch);
        pass.state.setRoleChange(RoleChangeState.newBuilder()
                .setKind(RoleChangeKind.ROLE_CHANGE_KIND_SWITCHOVER)
                .setEpoch(epoch)
                .setOldPrimary(old.getInstanceId())
                .setNewPrimary(target.getInstanceId())
                .setReason(reason)
                .setDetectedAt(Timestamps.of(pass.now))
                .setOldPrimaryGtid(old.getGtidPosition()));
        continueRoleChange(pass, settings);
    }

    /**
     * Drives the role change in flight: a switchover first fences the old primary (read-only) and learns
     * its final position; then the new primary is promoted (in a switchover after it has applied up to
     * that position). A candidate that cannot be promoted (Down, or its PROMOTE failed) ends the attempt;
     * the next pass starts over with a new epoch.
     */
    private static void continueRoleChange(Pass pass, PlanSettings settings) {
        RoleChangeState change = pass.state.getRoleChange();
        ObservedInstance target = pass.state.getInstancesMap().get(change.getNewPrimary());
        if (target != null && target.getPlan().getRole() == Role.ROLE_PRIMARY && target.getRoleEpoch() == change.getEpoch()) {
            return; // promoted; finishRoleChange records it once the writer name moved
        }
        boolean promoteSent = Ledger.pending(pass.state, Ledger.promote(change.getNewPrimary(), change.getEpoch()));
        if (target == null || target.getPlan().getRetiring()
                || (!promoteSent && (target.getHealth() == Health.HEALTH_DOWN || !Facts.serving(target)))) {
            // Only before PROMOTE went out: once sent it may have taken effect, and making another instance
            // writable now could make two. A target that dies after it is failed over like any primary.
            abandon(pass, "the instance to promote, " + change.getNewPrimary() + ", is no longer available");
            return;
        }
        if (change.getKind() == RoleChangeKind.ROLE_CHANGE_KIND_SWITCHOVER && !change.getFenced()) {
            ObservedInstance old = pass.state.getInstancesMap().get(change.getOldPrimary());
            if (old == null || old.getHealth() == Health.HEALTH_DOWN) {
                abandon(pass, "the primary to hand over, " + change.getOldPrimary() + ", went away");
                return;
            }
            pass.ensure(Ledger.fence(old.getInstanceId(), change.getEpoch()), settings.ha().agentTimeout(), Topics.AGENT_COMMANDS,
                    issue -> command(pass, old, AgentOp.AGENT_OP_FENCE, issue).build());
            return;
        }
        pass.ensure(Ledger.promote(target.getInstanceId(), change.getEpoch()), settings.ha().agentTimeout(), Topics.AGENT_COMMANDS,
                issue -> command(pass, target, AgentOp.AGENT_OP_PROMOTE, issue)
                        .setWaitForGtid(change.getFencedGtid()).build());
    }

    private static void abandon(Pass pass, String why) {
        RoleChangeState change = pass.state.getRoleChange();
        Ledger.remove(pass.state, Ledger.promote(change.getNewPrimary(), change.getEpoch()));
        Ledger.remove(pass.state, Ledger.fence(change.getOldPrimary(), change.getEpoch()));
        pass.state.setLastError(change.getKind().name().substring("ROLE_CHANGE_KIND_".length()).toLowerCase()
                + " at epoch " + change.getEpoch() + " abandoned: " + why);
        if (change.getKind() == RoleChangeKind.ROLE_CHANGE_KIND_SWITCHOVER) {
            // the old primary keeps the role: it is made writable again at a new epoch
            ObservedInstance old = pass.state.getInstancesMap().get(change.getOldPrimary());
            if (old != null) {
                Decide.role(pass.state, old, Role.ROLE_PRIMARY);
            }
        }
        pass.state.setEpoch(pass.state.getEpoch() + 1);
        pass.state.clearRoleChange();
    }

    /** The writer name moved to the new primary: the change is done and goes on the history topic. */
    private static void finishRoleChange(Pass pass) {
        if (!pass.state.hasRoleChange() || pass.state.getRoleChange().getDone()) {
            return;
        }
        RoleChangeState change = pass.state.getRoleChange();
        ObservedInstance target = pass.state.getInstancesMap().get(change.getNewPrimary());
        if (target == null || target.getPlan().getRole() != Role.ROLE_PRIMARY || !change.hasPromotedAt()) {
            return;
        }
        ReconcilerState built = pass.state.build();
        if (!DnsNames.answering(built, pass.settings().dns())) {
            return;
        }
        RoleChangeState done = change.toBuilder().setDone(true).setWriterNameMovedAt(Timestamps.of(pass.now)).build();
        pass.state.setRoleChange(done);
        pass.emit(Topics.ROLE_CHANGES, RoleChange.newBuilder()
                .setDeployment(pass.state.getDesired().getDeployment())
                .setKind(done.getKind())
                .setEpoch(done.getEpoch())
                .setOldPrimary(done.getOldPrimary())
                .setNewPrimary(done.getNewPrimary())
                .setReason(done.getReason())
                .setDetectedAt(done.getDetectedAt())
                .setPromotedAt(done.getPromotedAt())
                .setWriterNameMovedAt(done.getWriterNameMovedAt())
                .setNewPrimaryGtid(done.getNewPrimaryGtid())
                .setOldPrimaryGtid(done.getOldPrimaryGtid())
                .build());
    }

    /** A primary that came back read-only (restart, self-fencing) while still holding the role is made writable. */
    private static void keepWritable(Pass pass, ObservedInstance primary, PlanSettings settings) {
        if (writable(pass.state, primary) || !Facts.serving(primary) || primary.getHealth() == Health.HEALTH_DOWN) {
            return;
        }
        pass.ensure(Ledger.promote(primary.getInstanceId(), pass.state.getEpoch()), settings.ha().agentTimeout(),
                Topics.AGENT_COMMANDS, issue -> command(pass, primary, AgentOp.AGENT_OP_PROMOTE, issue).build());
    }

    /** Every ready replica replicates from the current primary at the current epoch. */
    static void repoint(Pass pass, ObservedInstance primary, PlanSettings settings) {
        // with TLS the link verifies certificates: it comes up only once both ends have the platform's
        boolean tls = Certificates.wanted(pass.state.getDesired());
        if (tls && primary.getCert().getSerial().isEmpty()) {
            return;
        }
        for (ObservedInstance r : List.copyOf(pass.state.getInstancesMap().values())) {
            if (r.getPlan().getRole() != Role.ROLE_REPLICA || !Facts.serving(r) || r.getHealth() == Health.HEALTH_DOWN
                    || Facts.mustBeRebuilt(r) || (tls && r.getCert().getSerial().isEmpty())) {
                continue;
            }
            if (r.getReplicatingFrom().equals(primary.getInstanceId()) && r.getRoleEpoch() == pass.state.getEpoch()
                    && !Ledger.pending(pass.state, Ledger.replicate(r.getInstanceId(), pass.state.getEpoch()))) {
                continue; // pointed, and the link is up (or its answer is awaited)
            }
            pass.ensure(Ledger.replicate(r.getInstanceId(), pass.state.getEpoch()), settings.ha().agentTimeout(),
                    Topics.AGENT_COMMANDS, issue -> command(pass, r, AgentOp.AGENT_OP_REPLICATE, issue)
                            .setPrimaryAddress(primary.getAddress())
                            .setPrimaryInstanceId(primary.getInstanceId())
                            .build());
        }
    }

    /**
     * A writable primary learns when the replicas its deployment wants cross 0, decided from how it says its commits
     * wait: one that wants none must not wait (an armed primary whose replicas were retired would block every
     * commit), one that wants some must once a replica attached. DEPLOY and PROMOTE carry the count themselves.
     */
    static void tellReplicasWanted(Pass pass, PlanSettings settings) {
        int wanted = AutoscalePlanner.replicasWanted(pass.state);
        Optional<ObservedInstance> told = primary(pass.state)
                .filter(p -> writable(pass.state, p) && p.getHealth() == Health.HEALTH_UP
                        && mustBeTold(pass.state.getDesired().getSpec().getDurability(), wanted, p.getSemiSyncWait()));
        Optional<ActionKey> key = told.map(p -> Ledger.replicasWanted(p.getInstanceId(), wanted));
        Ledger.forgetReplicasWantedExcept(pass.state, key);
        told.ifPresent(p -> pass.ensure(key.get(), settings.ha().agentTimeout(), Topics.AGENT_COMMANDS,
                issue -> command(pass, p, AgentOp.AGENT_OP_SET_REPLICAS_WANTED, issue).build()));
    }

    /** Whether a primary whose commits wait so must be told the replicas wanted (never while its wait is unknown). */
    static boolean mustBeTold(Durability durability, int replicasWanted, SemiSyncWait wait) {
        if (durability == Durability.DURABILITY_ASYNC || wait == SemiSyncWait.SEMI_SYNC_WAIT_UNSPECIFIED
                || wait == SemiSyncWait.UNRECOGNIZED) {
            return false;
        }
        return replicasWanted == 0 ? wait != SemiSyncWait.SEMI_SYNC_WAIT_OFF : wait == SemiSyncWait.SEMI_SYNC_WAIT_OFF;
    }

    /**
     * A replica that must be rebuilt (its history diverged, or it cannot catch up), or that has been Down for
     * too long, is replaced by a new one.
     */
    static void replaceBroken(Pass pass, PlanSettings settings) {
        for (ObservedInstance r : List.copyOf(pass.state.getInstancesMap().values())) {
            if (r.getPlan().getRetiring() || r.getPlan().getRole() != Role.ROLE_REPLICA) {
                continue;
            }
            boolean broken = Facts.mustBeRebuilt(r);
            // a replica a roll is restarting is Down on purpose: the roll's own timeout halts it if it does not come back
            boolean goneTooLong = r.hasDownSince() && !RollPlanner.restarting(pass.state, r.getInstanceId())
                    && !PausePlanner.inEffect(pass.state)
                    && Duration.between(Timestamps.toInstant(r.getDownSince()), pass.now).compareTo(settings.ha().replaceAfter()) >= 0;
            if (broken || goneTooLong) {
                Decide.retire(pass.state, r, broken ? "replaced: " + r.getReplicationError()
                        : "replaced: down for more than " + settings.ha().replaceAfter().toSeconds() + " s");
            }
        }
        keepReplicaCount(pass);
    }

    static AgentCommand.Builder command(Pass pass, ObservedInstance instance, AgentOp op, Pass.Issue issue) {
        Intent desired = pass.state.getDesired();
        boolean primary = op == AgentOp.AGENT_OP_PROMOTE || op == AgentOp.AGENT_OP_SET_REPLICAS_WANTED;
        AgentCommand.Builder command = AgentCommand.newBuilder()
                .setCommandId(issue.commandId())
                .setAction(issue.action())
                .setDeployment(desired.getDeployment())
                .setInstanceId(instance.getInstanceId())
                .setOp(op)
                .setEpoch(pass.state.getEpoch())
                .setRole(primary ? Role.ROLE_PRIMARY : Role.ROLE_REPLICA)
                .setGeneration(desired.getGeneration())
                .setDurability(desired.getSpec().getDurability())
                .setReplicationPassword(desired.getReplicationPassword())
                .setIssuedAt(Timestamps.of(pass.now));
        if (primary) {
            // whether its commits may wait for a replica (SemiSync on the agent)
            command.setReplicasWanted(AutoscalePlanner.replicasWanted(pass.state));
        }
        return command;
    }

    static int number(String instanceId) {
        try {
            return Integer.parseInt(instanceId.substring(instanceId.lastIndexOf('-') + 1));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
