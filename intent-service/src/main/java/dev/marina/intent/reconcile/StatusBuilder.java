package dev.marina.intent.reconcile;

import dev.marina.schemas.v1.AgentOutcome;
import dev.marina.schemas.v1.ArchiveCoverage;
import dev.marina.schemas.v1.ArchiveRun;
import dev.marina.schemas.v1.BackupRecord;
import dev.marina.schemas.v1.BackupsState;
import dev.marina.schemas.v1.Condition;
import dev.marina.schemas.v1.DeploymentStatus;
import dev.marina.schemas.v1.Endpoint;
import dev.marina.schemas.v1.Health;
import dev.marina.schemas.v1.InFlightAction;
import dev.marina.schemas.v1.InstanceState;
import dev.marina.schemas.v1.InstanceStatus;
import dev.marina.schemas.v1.Intent;
import dev.marina.schemas.v1.ObservedInstance;
import dev.marina.schemas.v1.Phase;
import dev.marina.schemas.v1.ReconcilerState;
import dev.marina.schemas.v1.Role;
import dev.marina.schemas.v1.RollState;
import dev.marina.schemas.v1.RollStatus;
import dev.marina.service.Timestamps;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Rebuilds a deployment's status from observed facts on every pass (never patched incrementally),
 * reporting the intent generation it was computed from. Pure.
 */
public final class StatusBuilder {
    private StatusBuilder() {}

    public static DeploymentStatus build(ReconcilerState state, Instant now, PlanSettings settings) {
        Intent desired = state.getDesired();
        Facts.Snapshot facts = Facts.of(state, settings, now);
        List<ObservedInstance> instances = state.getInstancesMap().values().stream()
                .sorted(Comparator.comparing(ObservedInstance::getInstanceId)).toList();
        // the primary, or while none holds the role the first instance, which the conditions then describe
        Optional<ObservedInstance> primary = facts.primary().or(() -> instances.stream().filter(i -> !i.getPlan().getRetiring()).findFirst());
        Optional<InFlightAction> exhausted = state.getInFlightMap().values().stream()
                .filter(a -> a.getAttempts() >= settings.failedAfterAttempts()).findFirst();

        List<Condition> conditions = desired.getDeleted() ? List.of()
                : conditions(state, facts, primary, exhausted, settings, now).stream()
                        .map(c -> withTransitionTime(c, state.getPublishedStatus(), now)).toList();
        Phase phase = desired.getDeleted()
                ? (instances.isEmpty() && DnsNames.gone(state) && TlsPlanner.revoked(state.getTls()) ? Phase.PHASE_DELETED
                        : Phase.PHASE_DELETING)
                : pausePhase(state).orElse(phase(conditions, primary.map(p -> p.getPlan().hasServedAt()).orElse(false)));
        DeploymentStatus.Builder status = DeploymentStatus.newBuilder()
                .setDeployment(desired.getDeployment())
                .setObservedGeneration(desired.getGeneration())
                .setPhase(phase)
                .setEpoch(state.getEpoch())
                .setTlsCaBundlePem(state.getTls().getCaBundlePem())
                .setUpdatedAt(Timestamps.of(now))
                .addAllConditions(conditions);
        for (ObservedInstance i : instances) {
            InstanceStatus.Builder instance = InstanceStatus.newBuilder()
                    .setInstanceId(i.getInstanceId())
                    .setRole(i.getPlan().getRole())
                    .setAddress(i.getAddress())
                    .setHealth(i.getHealth())
                    .setGtidPosition(i.getGtidPosition())
                    .setReplicationLagMs(i.getReplicationLagMs())
                    .setCertSerial(i.getCert().getSerial())
                    .setCertFailedAttempts(i.getCert().getFailedAttempts());
            if (i.getCert().hasNotAfter()) {
                instance.setCertNotAfter(i.getCert().getNotAfter());
            }
            if (i.getCert().hasRenewAt()) {
                instance.setCertRenewAt(i.getCert().getRenewAt());
            }
            if (i.hasRunning()) {
                instance.setRunning(i.getRunning());
            }
            status.addInstances(instance);
        }
        primary.filter(p -> !p.getEndpoint().isEmpty()).ifPresent(p -> {
            Endpoint byAddress = endpoint("writer", p.getEndpoint());
            if (settings.dns().enabled() && facts.namesAnswering()) {
                // clients connect by name once it answers; the address stays for tools outside the zone's resolver
                status.addEndpoints(byAddress.toBuilder().setHost(trimDot(DnsNames.writerName(desired, settings.dns().zone()))));
                status.addEndpoints(byAddress.toBuilder().setKind("reader")
                        .setHost(trimDot(DnsNames.readerName(desired, settings.dns().zone()))));
            } else {
                status.addEndpoints(byAddress);
            }
        });
        // The coverage as published on binlog-archive (kept quiet: a growing run goes out at most every few seconds),
        // not the latest report: intake decides point-in-time restores from the topic, so the status promises only
        // what a restore is accepted for.
        if (state.getArchive().hasPublished()) {
            status.setBinlogArchive(state.getArchive().getPublished());
        }
        if (state.getBackups().hasLatestComplete()) {
            BackupRecord latest = state.getBackups().getLatestComplete();
            status.setLatestBackup(latest.toBuilder().clearKey()); // sealed, but nobody reading a status needs it
            status.setLatestRestorableTime(latestRestorableTime(latest, state.getArchive().getPublished()));
        }
        String lastError = exhausted.map(StatusBuilder::exhaustedMessage)
                .or(() -> instances.stream().map(i -> i.getPlan().getRetireReason().isEmpty() ? i.getLastError()
                        : i.getPlan().getRetireReason()).filter(e -> !e.isEmpty()).findFirst())
                .orElse("");
        status.setLastError(lastError);
        rollStatus(state).ifPresent(status::setRoll);
        autoscalingStatus(state).ifPresent(status::setAutoscaling);
        pauseStatus(state).ifPresent(status::setPause);
        return status.build();
    }

    /**
     * Paused while a pause is wanted (pausing: the servers are being stopped, replicas first; {@code status.pause.paused}
     * once every one said so), Resuming while they start again; otherwise the phase the conditions give.
     */
    static Optional<Phase> pausePhase(ReconcilerState state) {
        if (state.getPause().getWanted()) {
            return Optional.of(Phase.PHASE_PAUSED);
        }
        return state.getPause().getResuming() ? Optional.of(Phase.PHASE_RESUMING) : Optional.empty();
    }

    /** With spec.autoscaling: replicas wanted now, the ones added, the bounds, the metric and the target, the last decision, what holds. */
    static Optional<dev.marina.schemas.v1.AutoscalingStatus> autoscalingStatus(ReconcilerState state) {
        if (!state.getDesired().getSpec().hasAutoscaling() && state.getAutoscale().getAddedReplicas() == 0) {
            return Optional.empty();
        }
        var spec = state.getDesired().getSpec().getAutoscaling();
        var a = state.getAutoscale();
        var status = dev.marina.schemas.v1.AutoscalingStatus.newBuilder()
                .setReplicas(AutoscalePlanner.replicasWanted(state))
                .setAdded(a.getAddedReplicas())
                .setMinReplicas(spec.getMinReplicas())
                .setMaxReplicas(spec.getMaxReplicas())
                .setMetric(spec.getTarget().getMetric())
                .setCurrent(Math.round(a.getCurrent() * 10) / 10.0)
                .setTarget(spec.getTarget().getValue())
                .setHolding(a.getHolding());
        if (a.hasLastDecision()) {
            status.setLastDecision(a.getLastDecision());
        }
        return Optional.of(status.build());
    }

    /** Once a deployment was ever paused, or a pause is pending or due: whether it sleeps, why, since when, the last resume. */
    static Optional<dev.marina.schemas.v1.PauseStatus> pauseStatus(ReconcilerState state) {
        var p = state.getPause();
        if (!state.hasPause()) {
            return Optional.empty();
        }
        var status = dev.marina.schemas.v1.PauseStatus.newBuilder()
                .setPaused(p.getPaused())
                .setReason(p.getWanted() ? (p.getPaused() ? p.getReason() : p.getReason() + " (pausing: replicas first, then the writer)")
                        : p.getHolding())
                .setResumeReason(p.getResumeReason());
        if (p.getWanted() && p.hasPausedAt()) {
            status.setPausedAt(p.getPausedAt());
        }
        if (p.hasResumedAt()) {
            status.setResumedAt(p.getResumedAt());
        }
        if (p.hasIdleSince()) {
            status.setIdleSince(p.getIdleSince());
        }
        return Optional.of(status.build());
    }

    /** Whether a roll is under way or halted (the status shows it then, and the last one otherwise not). */
    static boolean rollShown(ReconcilerState state) {
        return state.hasRoll() && !state.getDesired().getDeleted() && (!state.getRoll().getDone() || state.getRoll().getHalted());
    }

    /** Where the roll is: its target, how many instances run it, the instance out and its step, why it waits or halted. */
    static Optional<RollStatus> rollStatus(ReconcilerState state) {
        if (!rollShown(state)) {
            return Optional.empty();
        }
        RollState roll = state.getRoll();
        List<ObservedInstance> active = state.getInstancesMap().values().stream().filter(i -> !i.getPlan().getRetiring()).toList();
        int done = (int) active.stream().filter(i -> i.hasRunning() && RollPlanner.runs(i.getRunning(), roll.getTarget())).count();
        RollStatus.Builder status = RollStatus.newBuilder()
                .setTarget(roll.getTarget())
                .setInstancesDone(done)
                .setInstancesTotal(active.size())
                .setCurrentInstance(roll.getCurrentInstance())
                .setStep(roll.getStep())
                .setWaitingFor(roll.getWaitingFor())
                .setHalted(roll.getHalted())
                .setHaltReason(roll.getHaltReason());
        if (roll.hasStartedAt()) {
            status.setStartedAt(roll.getStartedAt());
        }
        if (roll.hasWindowOpensAt()) {
            status.setWindowOpensAt(roll.getWindowOpensAt());
        }
        return Optional.of(status.build());
    }

    /** ConfigApplied, while a roll is under way or halted: "Updating: 2 of 3 on 10.11.19 (…)". */
    static Optional<Condition> rollCondition(ReconcilerState state) {
        return rollStatus(state).map(r -> {
            String progress = "Updating: " + r.getInstancesDone() + " of " + r.getInstancesTotal() + " on "
                    + RollPlanner.describe(r.getTarget());
            if (r.getHalted()) {
                return condition(Reasons.CONFIG_APPLIED, false, Reasons.ROLL_HALTED, progress + "; halted: " + r.getHaltReason()
                        + " (the deployment serves on; a new spec change resumes or reverses the roll)");
            }
            String where = r.getCurrentInstance().isEmpty() ? (r.getStep().isEmpty() ? "" : " (" + r.getStep() + ")")
                    : " (" + r.getCurrentInstance() + ": " + r.getStep() + ")";
            String waiting = r.getWaitingFor().isEmpty() ? "" : "; waiting for " + r.getWaitingFor();
            return condition(Reasons.CONFIG_APPLIED, false, r.hasWindowOpensAt() ? Reasons.WAITING_FOR_WINDOW : Reasons.UPDATING,
                    progress + where + waiting);
        });
    }

    /**
     * The phase, from the conditions alone (and whether the primary ever served, which tells a new
     * deployment from a degraded one):
     * <ul>
     *   <li>Failed: Progressing is false (an action went unanswered {@code failedAfterAttempts} times);</li>
     *   <li>Pending: no instance has been created for the primary yet (InstanceProvisioned: Requested);</li>
     *   <li>Ready: every condition holds — provisioned, database ready, writable, healthy, and where they
     *       apply replicas, names and certificates; a client can connect by name (BackupsHealthy is
     *       informational and left out);</li>
     *   <li>otherwise Degraded once the primary has served, Provisioning before.</li>
     * </ul>
     */
    static Phase phase(List<Condition> conditions, boolean everServed) {
        if (conditions.stream().anyMatch(c -> c.getType().equals(Reasons.PROGRESSING) && !c.getStatus())) {
            return Phase.PHASE_FAILED;
        }
        boolean requested = conditions.stream().anyMatch(c -> c.getType().equals(Reasons.INSTANCE_PROVISIONED)
                && c.getReason().equals(Reasons.REQUESTED));
        if (requested) {
            return Phase.PHASE_PENDING;
        }
        if (conditions.stream().anyMatch(c -> c.getType().equals(Reasons.CONFIG_APPLIED) && !c.getStatus()
                && !c.getReason().equals(Reasons.ROLL_HALTED))) {
            return Phase.PHASE_UPDATING; // serving, but never Ready mid-roll
        }
        if (!conditions.isEmpty() && conditions.stream().filter(c -> !c.getType().equals(Reasons.BACKUPS_HEALTHY))
                .allMatch(Condition::getStatus)) {
            return Phase.PHASE_READY;
        }
        return everServed ? Phase.PHASE_DEGRADED : Phase.PHASE_PROVISIONING;
    }

    /** Every condition of a deployment that is not being deleted, in the order users read them. */
    private static List<Condition> conditions(ReconcilerState state, Facts.Snapshot facts, Optional<ObservedInstance> primary,
            Optional<InFlightAction> exhausted, PlanSettings settings, Instant now) {
        Intent desired = state.getDesired();
        ObservedInstance p = primary.orElse(ObservedInstance.getDefaultInstance());
        List<Condition> conditions = new ArrayList<>();
        conditions.add(provisioned(p));
        conditions.add(databaseReady(p));
        conditions.add(writable(state, facts, p));
        conditions.add(healthy(p));
        replicasCondition(state, AutoscalePlanner.replicasWanted(state), facts, primary).ifPresent(conditions::add);
        durableCondition(state, facts).ifPresent(conditions::add);
        if (settings.dns().enabled()) {
            conditions.add(dnsCondition(state, DnsNames.wanted(state, settings.dns()), facts.namesAnswering(),
                    settings.dns().zone()));
        }
        if (Certificates.wanted(desired)) {
            conditions.add(tlsCondition(state, settings, now));
        }
        backupsCondition(state, now).ifPresent(conditions::add);
        rollCondition(state).ifPresent(conditions::add);
        exhausted.ifPresent(a -> conditions.add(condition(Reasons.PROGRESSING, false, Reasons.RETRIES_EXHAUSTED,
                exhaustedMessage(a))));
        return conditions;
    }

    private static String exhaustedMessage(InFlightAction action) {
        return "no result for " + action.getKey() + " after " + action.getAttempts() + " attempts";
    }

    /** Whether two statuses differ in anything but their timestamps. */
    public static boolean differs(DeploymentStatus a, DeploymentStatus b) {
        return !withoutTimes(a).equals(withoutTimes(b));
    }

    private static DeploymentStatus withoutTimes(DeploymentStatus s) {
        DeploymentStatus.Builder b = s.toBuilder().clearUpdatedAt();
        for (int i = 0; i < b.getConditionsCount(); i++) {
            b.setConditions(i, b.getConditions(i).toBuilder().clearLastTransitionAt());
        }
        return b.build();
    }

    /** InstanceProvisioned: whether the primary's host runs. */
    private static Condition provisioned(ObservedInstance p) {
        return switch (p.getProvisionState()) {
            case INSTANCE_STATE_RUNNING -> condition(Reasons.INSTANCE_PROVISIONED, true, Reasons.RUNNING,
                    p.getInstanceId() + " at " + p.getAddress());
            case INSTANCE_STATE_CREATING -> condition(Reasons.INSTANCE_PROVISIONED, false, Reasons.CREATING,
                    p.getInstanceId() + " is being created");
            case INSTANCE_STATE_RESTARTING -> condition(Reasons.INSTANCE_PROVISIONED, false, Reasons.RESTARTING,
                    p.getInstanceId() + " is being restarted");
            case INSTANCE_STATE_FAILED -> condition(Reasons.INSTANCE_PROVISIONED, false, Reasons.PROVISIONING_FAILED,
                    p.getLastError());
            default -> condition(Reasons.INSTANCE_PROVISIONED, false, Reasons.REQUESTED,
                    p.getInstanceId().isEmpty() ? "no instance yet" : p.getInstanceId() + " requested");
        };
    }

    /** DatabaseReady: whether the primary's database server runs. */
    private static Condition databaseReady(ObservedInstance p) {
        if (p.getAgentOutcome() == AgentOutcome.AGENT_OUTCOME_DATABASE_READY) {
            return condition(Reasons.DATABASE_READY, true, Reasons.RUNNING, "serving at " + p.getEndpoint());
        }
        if (p.getAgentOutcome() == AgentOutcome.AGENT_OUTCOME_FAILED) {
            return condition(Reasons.DATABASE_READY, false, Reasons.DATABASE_FAILED, p.getLastError());
        }
        if (p.getProvisionState() == InstanceState.INSTANCE_STATE_RUNNING) {
            return condition(Reasons.DATABASE_READY, false, Reasons.STARTING, "the agent is starting the database");
        }
        return condition(Reasons.DATABASE_READY, false, Reasons.WAITING_FOR_INSTANCE, "no running instance yet");
    }

    /** Writable: whether the primary takes writes at the current epoch (a restarted one is read-only until promoted). */
    private static Condition writable(ReconcilerState state, Facts.Snapshot facts, ObservedInstance p) {
        if (facts.writable()) {
            return condition(Reasons.WRITABLE, true, Reasons.ACCEPTS_WRITES,
                    p.getInstanceId() + " takes writes at epoch " + state.getEpoch());
        }
        if (p.getPlan().getRole() == Role.ROLE_PRIMARY && Facts.serving(p)) {
            return condition(Reasons.WRITABLE, false, Reasons.READ_ONLY,
                    p.getInstanceId() + " is read-only until it is promoted at epoch " + state.getEpoch());
        }
        return condition(Reasons.WRITABLE, false, Reasons.WAITING_FOR_PRIMARY, "no primary serving yet");
    }

    /** Healthy: what health-monitor last said about the primary. */
    private static Condition healthy(ObservedInstance p) {
        return switch (p.getHealth()) {
            case HEALTH_UP -> condition(Reasons.HEALTHY, true, Reasons.HEARTBEATS_FRESH, p.getHealthReason());
            case HEALTH_SUSPECT -> condition(Reasons.HEALTHY, false, Reasons.SUSPECT, p.getHealthReason());
            case HEALTH_DOWN -> condition(Reasons.HEALTHY, false, Reasons.DOWN, p.getHealthReason());
            case HEALTH_PAUSED -> condition(Reasons.HEALTHY, false, Reasons.PAUSED, p.getHealthReason());
            default -> condition(Reasons.HEALTHY, false, Reasons.NO_HEALTH_REPORT, "no heartbeat seen yet");
        };
    }

    /**
     * ReplicasReady (when replicas are wanted or a role change is under way): how many replicas serve the
     * current primary's data, and what is being done about it.
     */
    private static Optional<Condition> replicasCondition(ReconcilerState state, int wanted, Facts.Snapshot facts,
            Optional<ObservedInstance> primary) {
        long ready = facts.readers().size();
        boolean writable = facts.writable();
        if (state.hasRoleChange() && !state.getRoleChange().getDone()) {
            var change = state.getRoleChange();
            return Optional.of(condition(Reasons.REPLICAS_READY, false,
                    change.getKind() == dev.marina.schemas.v1.RoleChangeKind.ROLE_CHANGE_KIND_FAILOVER ? Reasons.FAILING_OVER
                            : Reasons.SWITCHING_OVER, change.getReason()));
        }
        if (wanted == 0) {
            return Optional.empty();
        }
        if (ready >= wanted) {
            return Optional.of(condition(Reasons.REPLICAS_READY, true, Reasons.REPLICATING,
                    ready + " of " + wanted + " replicas replicate from " + primary.map(ObservedInstance::getInstanceId).orElse("?")));
        }
        String broken = state.getInstancesMap().values().stream().filter(i -> !i.getReplicationError().isEmpty())
                .map(i -> i.getInstanceId() + ": " + i.getReplicationError()).sorted().reduce((a, b) -> a + "; " + b).orElse("");
        return Optional.of(condition(Reasons.REPLICAS_READY, false, writable ? Reasons.CATCHING_UP : Reasons.WAITING_FOR_PRIMARY,
                ready + " of " + wanted + " replicas replicate" + (broken.isEmpty() ? "" : " (" + broken + ")")));
    }

    /**
     * Durable (SEMI_SYNC with replicas wanted, once the writable primary reported its commit wait): whether a replica
     * acknowledges every commit, or commits wait for one (blocked), or are acknowledged by the primary alone for now.
     */
    static Optional<Condition> durableCondition(ReconcilerState state, Facts.Snapshot facts) {
        int wanted = AutoscalePlanner.replicasWanted(state);
        if (state.getDesired().getSpec().getDurability() == dev.marina.schemas.v1.Durability.DURABILITY_ASYNC || wanted == 0
                || !facts.writable()) {
            return Optional.empty();
        }
        ObservedInstance p = facts.primary().orElseThrow();
        long connected = p.getSemiSyncReplicasConnected();
        return switch (p.getSemiSyncWait()) {
            case SEMI_SYNC_WAIT_LOSSLESS -> Optional.of(connected > 0
                    ? condition(Reasons.DURABLE, true, Reasons.REPLICA_ACKNOWLEDGES, connected + (connected == 1 ? " semi-sync replica"
                            : " semi-sync replicas") + " connected to " + p.getInstanceId() + ": a commit returns once one holds it")
                    : condition(Reasons.DURABLE, false, Reasons.WAITING_FOR_REPLICA, p.getCommitsWaiting() > 0
                            ? p.getCommitsWaiting() + (p.getCommitsWaiting() == 1 ? " commit" : " commits")
                                    + " waiting for a replica to acknowledge"
                            : "no replica connected to " + p.getInstanceId() + ": commits wait until one acknowledges"));
            case SEMI_SYNC_WAIT_FELL_BACK -> Optional.of(condition(Reasons.DURABLE, false, Reasons.FELL_BACK,
                    p.getInstanceId() + " fell back to asynchronous commits: a failover may lose acknowledged commits"));
            case SEMI_SYNC_WAIT_UNTIL_FIRST_REPLICA, SEMI_SYNC_WAIT_OFF -> Optional.of(condition(Reasons.DURABLE, false,
                    Reasons.NOT_YET_LOSSLESS, "no semi-sync replica has attached to " + p.getInstanceId()
                            + " yet: commits are acknowledged by it alone"));
            default -> Optional.empty(); // not reported yet
        };
    }

    /** DnsReady: whether the names answer with the addresses wanted now, and if not, why. */
    private static Condition dnsCondition(ReconcilerState state, Optional<DnsNames.Wanted> names, boolean namesAnswer,
            String zone) {
        Intent desired = state.getDesired();
        if (names.isEmpty()) {
            return condition(Reasons.DNS_READY, false, Reasons.WAITING_FOR_ADDRESS, "no address for the primary yet");
        }
        if (namesAnswer) {
            return condition(Reasons.DNS_READY, true, Reasons.NAMES_ANSWER, trimDot(DnsNames.writerName(desired, zone))
                    + " → " + names.get().records().get(0).getValues(0) + " (" + names.get().records().size() + " names)");
        }
        return switch (state.getDns().getLastOutcome()) {
            case DNS_OUTCOME_CLASH -> condition(Reasons.DNS_READY, false, Reasons.NAME_CLASH, state.getDns().getLastReason());
            case DNS_OUTCOME_FAILED -> condition(Reasons.DNS_READY, false, Reasons.DNS_FAILED, state.getDns().getLastReason());
            default -> condition(Reasons.DNS_READY, false, Reasons.UPDATING,
                    "waiting for dns-service to apply " + names.get().records().size() + " names");
        };
    }

    /**
     * TlsReady: whether every serving instance presents a valid certificate for its names. While a
     * renewal runs or fails, the current certificate keeps serving and the condition holds, saying so.
     */
    private static Condition tlsCondition(ReconcilerState state, PlanSettings settings, Instant now) {
        if (!settings.dns().enabled()) {
            return condition(Reasons.TLS_READY, false, Reasons.NO_DNS_NAMES, "certificates need the platform's DNS names");
        }
        List<ObservedInstance> serving = state.getInstancesMap().values().stream().filter(Facts::serving)
                .sorted(Comparator.comparing(ObservedInstance::getInstanceId)).toList();
        if (serving.isEmpty()) {
            return condition(Reasons.TLS_READY, false, Reasons.WAITING_FOR_INSTANCE, "no database serving yet");
        }
        List<String> missing = new ArrayList<>();
        List<String> failing = new ArrayList<>();
        List<String> renewing = new ArrayList<>();
        Instant nextRenewal = null;
        for (ObservedInstance i : serving) {
            var cert = i.getCert();
            List<String> names = Certificates.names(state.getDesired(), settings.dns(), i.getInstanceId());
            if (!Certificates.valid(cert, names, now)) {
                missing.add(i.getInstanceId());
            } else if (cert.getRequestOpen()) {
                renewing.add(i.getInstanceId());
            }
            if (cert.getRequestOpen() && cert.getFailedAttempts() > 0) {
                failing.add(i.getInstanceId() + ": " + cert.getLastFailure() + " (" + cert.getFailedAttempts()
                        + (cert.getFailureFinal() ? " attempts, not retried: fix the cause or force a renewal)" : " attempts)"));
            }
            if (cert.hasRenewAt() && (nextRenewal == null || Timestamps.toInstant(cert.getRenewAt()).isBefore(nextRenewal))) {
                nextRenewal = Timestamps.toInstant(cert.getRenewAt());
            }
        }
        if (!missing.isEmpty()) {
            return failing.isEmpty()
                    ? condition(Reasons.TLS_READY, false, Reasons.ISSUING, "issuing certificates for " + String.join(", ", missing))
                    : condition(Reasons.TLS_READY, false, Reasons.ISSUE_FAILED, String.join("; ", failing));
        }
        if (!failing.isEmpty()) {
            return condition(Reasons.TLS_READY, true, Reasons.RENEWAL_FAILING,
                    "current certificates keep serving; " + String.join("; ", failing));
        }
        if (!renewing.isEmpty()) {
            return condition(Reasons.TLS_READY, true, Reasons.RENEWING, "renewing " + String.join(", ", renewing));
        }
        return condition(Reasons.TLS_READY, true, Reasons.CERTIFICATES_VALID, serving.size() + " certificates ("
                + state.getDesired().getSpec().getTls().getMode().name().substring("TLS_MODE_".length()).toLowerCase()
                + "), next renewal at " + nextRenewal);
    }

    /** BackupsHealthy, when the deployment has backups: scheduled, or any taken or tried. */
    static Optional<Condition> backupsCondition(ReconcilerState state, Instant now) {
        BackupsState b = state.getBackups();
        String schedule = state.getDesired().getSpec().getBackups().getSchedule();
        if (schedule.isEmpty() && !b.hasLatestComplete() && !b.hasCurrent() && b.getConsecutiveFailures() == 0) {
            return Optional.empty();
        }
        Optional<BackupSchedule> parsed = schedule.isEmpty() ? Optional.empty() : BackupSchedule.tryParse(schedule);
        if (!schedule.isEmpty() && parsed.isEmpty()) {
            return Optional.of(condition(Reasons.BACKUPS_HEALTHY, false, Reasons.BAD_SCHEDULE, "the schedule \"" + schedule
                    + "\" does not parse (" + BackupSchedule.problem(schedule).orElse("") + "); apply a valid one"));
        }
        String next = parsed.flatMap(p -> p.nextAfter(now)).map(t -> "; next at " + t).orElse("");
        if (b.getConsecutiveFailures() > 0) {
            return Optional.of(condition(Reasons.BACKUPS_HEALTHY, false, Reasons.BACKUP_FAILING, b.getConsecutiveFailures()
                    + (b.getConsecutiveFailures() == 1 ? " backup" : " backups") + " failed in a row, the last: " + b.getLastFailure()));
        }
        if (b.hasCurrent() && !b.getCurrent().getReason().isEmpty()) {
            return Optional.of(condition(Reasons.BACKUPS_HEALTHY, b.hasLatestComplete(), Reasons.BACKUP_RETRYING, "backup "
                    + b.getCurrent().getBackupId() + " attempt " + b.getCurrent().getAttempts() + " failed: " + b.getCurrent().getReason()
                    + (b.hasRetryAt() ? "; trying again at " + Timestamps.toInstant(b.getRetryAt()) : "")));
        }
        if (!b.hasLatestComplete()) {
            return Optional.of(b.hasCurrent()
                    ? condition(Reasons.BACKUPS_HEALTHY, false, Reasons.BACKUP_RUNNING, "the first backup, "
                            + b.getCurrent().getBackupId() + ", is running")
                    : condition(Reasons.BACKUPS_HEALTHY, false, Reasons.NO_BACKUP_YET, "no backup yet: the first is taken once"
                            + " an instance serves"));
        }
        Optional<Condition> archive = archiveProblem(state);
        if (archive.isPresent()) {
            return archive;
        }
        BackupRecord latest = b.getLatestComplete();
        return Optional.of(condition(Reasons.BACKUPS_HEALTHY, true, Reasons.BACKUP_TAKEN, "latest backup " + latest.getBackupId()
                + " at " + Timestamps.toInstant(latest.getManifest().getFinishedAt()) + next));
    }

    /**
     * The latest moment a restore reaches: where the archive's run that continues from the newest complete backup is
     * covered until; without one (no archive, or a gap right after the backup), the backup's own end.
     */
    static com.google.protobuf.Timestamp latestRestorableTime(BackupRecord latest, ArchiveCoverage coverage) {
        return ArchiveRuns.from(coverage, ArchiveRuns.seq(latest.getManifest().getGtidPosition()))
                .filter(ArchiveRun::hasCoveredUntil)
                .map(ArchiveRun::getCoveredUntil)
                .orElse(latest.getManifest().getFinishedAt());
    }

    /**
     * What BackupsHealthy says of the binary-log archive when the backups themselves are fine: uploads failing (the
     * last failure is newer than the last upload), or a gap after the oldest complete backup (a restore to a time in
     * it is refused).
     */
    static Optional<Condition> archiveProblem(ReconcilerState state) {
        if (!state.getArchive().hasCoverage()) {
            return Optional.empty();
        }
        ArchiveCoverage c = state.getArchive().getCoverage();
        if (c.hasLastErrorAt() && (!c.hasLastUploadAt()
                || Timestamps.toInstant(c.getLastErrorAt()).isAfter(Timestamps.toInstant(c.getLastUploadAt())))) {
            return Optional.of(condition(Reasons.BACKUPS_HEALTHY, false, Reasons.ARCHIVE_FAILING, "archiving binary logs of "
                    + c.getInstanceId() + " fails: " + c.getLastError() + " (at " + Timestamps.toInstant(c.getLastErrorAt())
                    + (c.hasLastUploadAt() ? "; last upload at " + Timestamps.toInstant(c.getLastUploadAt()) : "; nothing uploaded yet")
                    + ", " + c.getPendingFiles() + " files waiting on the server)"));
        }
        String oldest = state.getArchive().getOldestBackupGtid().isEmpty() && state.getBackups().hasLatestComplete()
                ? state.getBackups().getLatestComplete().getManifest().getGtidPosition() : state.getArchive().getOldestBackupGtid();
        if (oldest.isEmpty() && !state.getBackups().hasLatestComplete()) {
            return Optional.empty(); // no backup to replay from yet
        }
        List<ArchiveRuns.Gap> gaps = ArchiveRuns.gapsAfter(c, ArchiveRuns.seq(oldest));
        if (gaps.isEmpty()) {
            return Optional.empty();
        }
        List<String> words = gaps.stream().map(g -> "transactions " + g.firstMissing() + ".." + g.lastMissing() + " (after "
                + g.before().getEndPosition() + (g.before().hasLastEventAt() ? ", " + Timestamps.toInstant(g.before().getLastEventAt()) : "")
                + (g.after().hasFirstEventAt() ? ", until " + Timestamps.toInstant(g.after().getFirstEventAt()) : "") + ")").toList();
        return Optional.of(condition(Reasons.BACKUPS_HEALTHY, false, Reasons.ARCHIVE_GAP, "the binary-log archive misses "
                + String.join("; ", words) + ": a restore to a time in " + (gaps.size() == 1 ? "that gap" : "those gaps")
                + " is refused"));
    }

    private static String trimDot(String name) {
        return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    }

    private static Condition condition(String type, boolean status, String reason, String message) {
        return Condition.newBuilder().setType(type).setStatus(status).setReason(reason).setMessage(message).build();
    }

    /** A condition keeps its transition time while its status and reason stay the same. */
    private static Condition withTransitionTime(Condition c, DeploymentStatus previous, Instant now) {
        for (Condition old : previous.getConditionsList()) {
            if (old.getType().equals(c.getType()) && old.getStatus() == c.getStatus() && old.getReason().equals(c.getReason())) {
                return c.toBuilder().setLastTransitionAt(old.getLastTransitionAt()).build();
            }
        }
        return c.toBuilder().setLastTransitionAt(Timestamps.of(now)).build();
    }

    private static Endpoint endpoint(String kind, String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        Endpoint.Builder e = Endpoint.newBuilder().setKind(kind);
        String host = hostPort;
        if (colon > 0) {
            try {
                e.setPort(Integer.parseInt(hostPort.substring(colon + 1)));
                host = hostPort.substring(0, colon);
            } catch (NumberFormatException ignored) {
                // not host:port; keep it whole
            }
        }
        return e.setHost(host).setAddress(host).build();
    }
}
