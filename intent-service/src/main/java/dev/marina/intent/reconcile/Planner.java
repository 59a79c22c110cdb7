package dev.marina.intent.reconcile;

import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.ActionKey;
import dev.marina.schemas.v1.AgentCommand;
import dev.marina.schemas.v1.AgentOp;
import dev.marina.schemas.v1.AgentOutcome;
import dev.marina.schemas.v1.DeploymentStatus;
import dev.marina.schemas.v1.DnsCommand;
import dev.marina.schemas.v1.DnsOutcome;
import dev.marina.schemas.v1.DnsRecordSet;
import dev.marina.schemas.v1.DnsState;
import dev.marina.schemas.v1.InFlightAction;
import dev.marina.schemas.v1.InstanceState;
import dev.marina.schemas.v1.Intent;
import dev.marina.schemas.v1.ObservedInstance;
import dev.marina.schemas.v1.ProvisionCommand;
import dev.marina.schemas.v1.ProvisionOp;
import dev.marina.schemas.v1.ReconcilerState;
import dev.marina.schemas.v1.Role;
import dev.marina.schemas.v1.TlsState;
import dev.marina.service.Timestamps;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * {@code plan(desired, observed, now) → commands + status}, as a pure function of the reconciler's
 * state and the time. Level-triggered: it looks at what is, not at what just happened, so the
 * same call made again (a resync) sends only what is due.
 *
 * <p>Invariants:
 * <ul>
 *   <li>A command is sent once and then again only when its effect was not observed by its retry
 *       time (doubling, capped): a burst of events never duplicates commands.</li>
 *   <li>Retries carry the same command id, so workers see a repeat, not a new request.</li>
 *   <li>An instance is retired in order: the agent stops the database (or does not answer
 *       {@code agentDestroyTries} times), then the provisioner removes the instance.</li>
 *   <li>The deployment is purged only when no instance is left.</li>
 * </ul>
 */
public final class Planner {

    private final PlanSettings settings;

    public Planner(PlanSettings settings) {
        this.settings = settings;
    }

    public PlanSettings settings() {
        return settings;
    }

    public PlanResult plan(ReconcilerState state, Instant now) {
        if (!state.hasDesired()) {
            return new PlanResult(state, List.of(), Optional.empty(), false);
        }
        Pass pass = new Pass(state.toBuilder(), now, settings);
        // The chain. Each step reads the state as the steps before it left it; the order is this list.
        forgetDestroyed(pass);
        PausePlanner.plan(pass, settings);    // pause (idle or asked) and resume (woken, asked, applied): the servers stop and start
        BackupPlanner.plan(pass, settings);   // scheduled, on-demand and final backups; the catalogue
        if (!BackupPlanner.holdsRetirement(pass)) {
            retireEverythingOnDelete(pass);   // after the final backup, when one is wanted
        }
        placeTheFirstPrimary(pass);
        AutoscalePlanner.plan(pass, settings); // readers added or drained and removed by target tracking
        HaPlanner.plan(pass, settings);       // roles confirmed, replica count, failover or switchover, re-pointing, rebuilds
        RollPlanner.plan(pass, settings);     // a new version, size or parameters: live, or rolled one instance at a time
        ArchivePlanner.plan(pass, settings);  // the primary archives its binary logs; the coverage on binlog-archive
        driveEachInstance(pass);              // CREATE and DEPLOY, or the retirement's DESTROYs
        if (settings.dns().enabled()) {
            planNames(pass);                  // the wanted record sets, or their removal on delete
        }
        TlsPlanner.plan(pass, settings);      // certificate requests, renewals, revocations
        markServing(pass);                    // when each instance first served

        Intent desired = state.getDesired();
        boolean purge = desired.getDeleted() && pass.state.getInstancesCount() == 0 && DnsNames.gone(pass.state.build())
                && TlsPlanner.revoked(pass.state.getTls());
        DeploymentStatus status = StatusBuilder.build(pass.state.build(), now, settings);
        Optional<DeploymentStatus> changed = StatusBuilder.differs(status, state.getPublishedStatus())
                ? Optional.of(status) : Optional.empty();
        changed.ifPresent(pass.state::setPublishedStatus);
        return new PlanResult(pass.state.build(), List.copyOf(pass.sends), changed, purge);
    }

    /**
     * An instance the provisioner reported destroyed is forgotten with its in-flight actions, and its
     * certificates (installed or issued) go on the revocation list: they must not outlive it.
     */
    static void forgetDestroyed(Pass pass) {
        for (ObservedInstance instance : List.copyOf(pass.state.getInstancesMap().values())) {
            if (instance.getProvisionState() == InstanceState.INSTANCE_STATE_DESTROYED) {
                TlsState.Builder tls = pass.state.getTls().toBuilder();
                TlsPlanner.revokeAll(tls, instance, pass.state.getDesired().getSpec().getTls().getMode());
                pass.state.setTls(tls);
                pass.state.removeInstances(instance.getInstanceId());
                Ledger.forgetInstance(pass.state, instance.getInstanceId());
            }
        }
    }

    /** A deleted deployment wants none of its instances. */
    static void retireEverythingOnDelete(Pass pass) {
        if (!pass.state.getDesired().getDeleted()) {
            return;
        }
        for (ObservedInstance instance : List.copyOf(pass.state.getInstancesMap().values())) {
            if (!instance.getPlan().getRetiring()) {
                Decide.retire(pass.state, instance, "");
            }
        }
    }

    /** A deployment with no instance it still wants gets its primary first (replicas follow in HaPlanner). */
    static void placeTheFirstPrimary(Pass pass) {
        if (!pass.state.getDesired().getDeleted() && activeInstances(pass.state).isEmpty()) {
            HaPlanner.addInstance(pass, Role.ROLE_PRIMARY);
        }
    }

    void driveEachInstance(Pass pass) {
        for (ObservedInstance instance : List.copyOf(pass.state.getInstancesMap().values())) {
            if (instance.getPlan().getRetiring()) {
                retire(pass, instance);
            } else {
                run(pass, instance);
            }
        }
    }

    /** Whether a resync should plan this deployment now: something is due or not settled. */
    public boolean needsResync(ReconcilerState state, Instant now) {
        if (Certificates.renewalDue(state, now) || HaPlanner.timeDue(state, now, settings) || BackupPlanner.timeDue(state, now)
                || ArchivePlanner.timeDue(state, now) || RollPlanner.timeDue(state, now)
                || AutoscalePlanner.timeDue(state, now, settings) || PausePlanner.timeDue(state, now)) {
            return true;
        }
        for (InFlightAction action : state.getInFlightMap().values()) {
            if (!Timestamps.toInstant(action.getRetryAt()).isAfter(now)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Keeps the zone in step with the instances: one command with the complete wanted record sets,
     * sent when they differ from what dns-service last applied; a newer wish replaces an older one in
     * flight. On delete every name goes, before the deployment is purged.
     */
    private void planNames(Pass pass) {
        DnsState dns = pass.state.getDns();
        if (pass.state.getDesired().getDeleted()) {
            if (!dns.getNamesRequested() || dns.getRemoved()) {
                Ledger.forgetNamesExcept(pass.state, Optional.empty());
                return;
            }
            ActionKey remove = Ledger.removeNames();
            Ledger.forgetNamesExcept(pass.state, Optional.of(remove));
            pass.ensure(remove, settings.dns().timeout(), Topics.DNS_COMMANDS, issue -> dnsCommand(pass, List.of(), issue));
            return;
        }
        Optional<DnsNames.Wanted> wanted = DnsNames.wanted(pass.state.build(), settings.dns());
        if (wanted.isEmpty() || wanted.get().digest().equals(dns.getAppliedDigest())) {
            Ledger.forgetNamesExcept(pass.state, Optional.empty());
            return;
        }
        ActionKey key = Ledger.applyNames(wanted.get().digest());
        if (!Ledger.pending(pass.state, key)) {
            // a new wish: earlier answers say nothing about it
            pass.state.setDns(dns.toBuilder().setLastOutcome(DnsOutcome.DNS_OUTCOME_UNSPECIFIED).clearLastReason()
                    .setNamesRequested(true).setRemoved(false));
        }
        Ledger.forgetNamesExcept(pass.state, Optional.of(key));
        pass.ensure(key, settings.dns().timeout(), Topics.DNS_COMMANDS, issue -> dnsCommand(pass, wanted.get().records(), issue));
    }

    private DnsCommand dnsCommand(Pass pass, List<DnsRecordSet> records, Pass.Issue issue) {
        return DnsCommand.newBuilder()
                .setCommandId(issue.commandId())
                .setAction(issue.action())
                .setDeployment(pass.state.getDesired().getDeployment())
                .setZone(settings.dns().zone())
                .addAllRecords(records)
                .setRemoveAll(records.isEmpty())
                .setIssuedAt(Timestamps.of(pass.now))
                .build();
    }

    /**
     * Remembers when each instance was first seen serving and healthy, with its names answering and its
     * certificates installed when TLS is on (see
     * StatusBuilder's phases).
     */
    void markServing(Pass pass) {
        Facts.Snapshot facts = Facts.of(pass.state.build(), settings, pass.now);
        if (!facts.namesAnswering() || !facts.certificatesReady()) {
            return;
        }
        for (ObservedInstance i : facts.serving()) {
            if (!i.getPlan().hasServedAt() && i.getHealth() == dev.marina.schemas.v1.Health.HEALTH_UP) {
                pass.state.putInstances(i.getInstanceId(), i.toBuilder()
                        .setPlan(i.getPlan().toBuilder().setServedAt(Timestamps.of(pass.now))).build());
            }
        }
    }

    private static List<ObservedInstance> activeInstances(ReconcilerState.Builder state) {
        return state.getInstancesMap().values().stream().filter(i -> !i.getPlan().getRetiring()).toList();
    }

    private void run(Pass pass, ObservedInstance instance) {
        String id = instance.getInstanceId();
        InstanceState provisioned = instance.getProvisionState();
        switch (provisioned) {
            case INSTANCE_STATE_RUNNING -> {
                // a server stopped for a pause is started by RESUME (PausePlanner), never deployed again
                boolean paused = instance.getPaused() || (PausePlanner.inEffect(pass.state) && instance.hasDatabaseReadyAt());
                if (instance.getAgentOutcome() != AgentOutcome.AGENT_OUTCOME_DATABASE_READY && !paused) {
                    pass.ensure(Ledger.deploy(id), settings.deployTimeout(), Topics.AGENT_COMMANDS,
                            issue -> agentCommand(pass, instance, AgentOp.AGENT_OP_DEPLOY, issue));
                }
            }
            case INSTANCE_STATE_RESTARTING, INSTANCE_STATE_DESTROYED -> { }
            default -> pass.ensure(Ledger.createInstance(id), settings.provisionTimeout(), Topics.PROVISION_COMMANDS,
                    issue -> provisionCommand(pass, instance, ProvisionOp.PROVISION_OP_CREATE, issue).toBuilder()
                            // handed to the agent at launch: the database starts before the agent reads its topic
                            .setFirstCommand(agentCommand(pass, instance, AgentOp.AGENT_OP_DEPLOY,
                                    new Pass.Issue(pass.commandId(Ledger.deploy(id)), Ledger.deploy(id))))
                            .build());
        }
    }

    /**
     * What a new instance's DEPLOY starts from instead of an empty data directory:
     * <ul>
     *   <li>An instance made with the deployment (its first primary, and the replicas made with it): the backup its
     *       spec restores, with the point in time when one was asked (only a primary replays up to it; replicas
     *       restore the same backup and replicate from it); nothing for a fresh deployment.</li>
     *   <li>A replica added once the deployment served (a scale-up, a replacement): the deployment's own newest
     *       complete backup, else the backup it was restored from, never with a point in time; it replicates from the
     *       primary after the backup's position (the primary keeps its binary logs after it: ArchivePlanner).</li>
     * </ul>
     */
    static Optional<dev.marina.schemas.v1.RestoreSource> restoreFor(ReconcilerState.Builder state, ObservedInstance instance) {
        Intent desired = state.getDesired();
        if (joinsAServingDeployment(state, instance)) {
            if (state.getBackups().hasLatestComplete()) {
                return Optional.of(BackupPlanner.restoreSource(state.getBackups().getLatestComplete()));
            }
            return desired.hasRestoreFrom() ? Optional.of(BackupPlanner.restoreSource(desired.getRestoreFrom())) : Optional.empty();
        }
        if (!desired.hasRestoreFrom()) {
            return Optional.empty();
        }
        dev.marina.schemas.v1.RestoreSource.Builder restore = BackupPlanner.restoreSource(desired.getRestoreFrom()).toBuilder();
        if (desired.getSpec().getRestore().hasPointInTime()) {
            restore.setPointInTime(desired.getSpec().getRestore().getPointInTime());
        }
        return Optional.of(restore.build());
    }

    /** A replica asked for after another instance of the deployment had served (so not made with the deployment). */
    private static boolean joinsAServingDeployment(ReconcilerState.Builder state, ObservedInstance instance) {
        if (instance.getPlan().getRole() != Role.ROLE_REPLICA || !instance.getPlan().hasRequestedAt()) {
            return false;
        }
        Instant requested = Timestamps.toInstant(instance.getPlan().getRequestedAt());
        return state.getInstancesMap().values().stream().anyMatch(i -> !i.getInstanceId().equals(instance.getInstanceId())
                && i.getPlan().hasServedAt() && !Timestamps.toInstant(i.getPlan().getServedAt()).isAfter(requested));
    }

    private void retire(Pass pass, ObservedInstance instance) {
        String id = instance.getInstanceId();
        Ledger.remove(pass.state, Ledger.createInstance(id));
        Ledger.remove(pass.state, Ledger.deploy(id));
        if (agentMustStopFirst(pass, instance)) {
            pass.ensure(Ledger.stopDatabase(id), settings.destroyTimeout(), Topics.AGENT_COMMANDS,
                    issue -> agentCommand(pass, instance, AgentOp.AGENT_OP_DESTROY, issue));
        } else {
            Ledger.remove(pass.state, Ledger.stopDatabase(id));
            pass.ensure(Ledger.destroyInstance(id), settings.destroyTimeout(), Topics.PROVISION_COMMANDS,
                    issue -> provisionCommand(pass, instance, ProvisionOp.PROVISION_OP_DESTROY, issue));
        }
    }

    /** The agent stops its database before its instance goes, unless there is no agent or it does not answer. */
    private boolean agentMustStopFirst(Pass pass, ObservedInstance instance) {
        if (instance.getAgentOutcome() == AgentOutcome.AGENT_OUTCOME_DATABASE_STOPPED) {
            return false;
        }
        if (instance.getProvisionState() != InstanceState.INSTANCE_STATE_RUNNING
                && instance.getProvisionState() != InstanceState.INSTANCE_STATE_RESTARTING) {
            return false;
        }
        InFlightAction asked = Ledger.get(pass.state, Ledger.stopDatabase(instance.getInstanceId())).orElse(null);
        boolean givenUp = asked != null && asked.getAttempts() >= settings.agentDestroyTries()
                && !Timestamps.toInstant(asked.getRetryAt()).isAfter(pass.now);
        return !givenUp;
    }

    private static ProvisionCommand provisionCommand(Pass pass, ObservedInstance instance, ProvisionOp op, Pass.Issue issue) {
        Intent desired = pass.state.getDesired();
        return ProvisionCommand.newBuilder()
                .setCommandId(issue.commandId())
                .setAction(issue.action())
                .setDeployment(desired.getDeployment())
                .setInstanceId(instance.getInstanceId())
                .setOp(op)
                .setSize(desired.getSpec().getSize())
                .setIssuedAt(Timestamps.of(pass.now))
                .build();
    }

    private static AgentCommand agentCommand(Pass pass, ObservedInstance instance, AgentOp op, Pass.Issue issue) {
        Intent desired = pass.state.getDesired();
        AgentCommand.Builder command = AgentCommand.newBuilder()
                .setCommandId(issue.commandId())
                .setAction(issue.action())
                .setDeployment(desired.getDeployment())
                .setInstanceId(instance.getInstanceId())
                .setOp(op)
                .setRole(instance.getPlan().getRole())
                .setEpoch(pass.state.getEpoch())
                .setGeneration(desired.getGeneration())
                .setIssuedAt(Timestamps.of(pass.now));
        if (op == AgentOp.AGENT_OP_DEPLOY) {
            command.setReplicationPassword(desired.getReplicationPassword())
                    .setDurability(desired.getSpec().getDurability())
                    .setReplicasWanted(AutoscalePlanner.replicasWanted(pass.state));
            command.setEngine(desired.getSpec().getEngine())
                    .setVersion(desired.getSpec().getVersion())
                    .setSize(desired.getSpec().getSize())
                    .setAdminUser(desired.getAdminUser())
                    .setAdminPassword(desired.getAdminPassword())
                    .setTlsMode(desired.getSpec().getTls().getMode());
            command.setConfig(RollPlanner.desiredConfig(desired));
            restoreFor(pass.state, instance).ifPresent(command::setRestore);
        }
        return command.build();
    }
}
