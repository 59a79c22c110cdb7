package dev.marina.intent.reconcile;

import dev.marina.schemas.v1.ActionKey;
import dev.marina.schemas.v1.ActionKind;
import dev.marina.schemas.v1.AgentEvent;
import dev.marina.schemas.v1.AgentReason;
import dev.marina.schemas.v1.ArchiveCoverage;
import dev.marina.schemas.v1.BackupsState;
import dev.marina.schemas.v1.AgentOutcome;
import dev.marina.schemas.v1.CertEvent;
import dev.marina.schemas.v1.CertOutcome;
import dev.marina.schemas.v1.CertState;
import dev.marina.schemas.v1.TlsState;
import dev.marina.schemas.v1.Health;
import dev.marina.schemas.v1.ReplicaReport;
import dev.marina.schemas.v1.Role;
import dev.marina.schemas.v1.RoleChangeState;
import dev.marina.schemas.v1.DnsEvent;
import dev.marina.schemas.v1.DnsOutcome;
import dev.marina.schemas.v1.DnsState;
import dev.marina.schemas.v1.InFlightAction;
import dev.marina.schemas.v1.InstanceHealth;
import dev.marina.schemas.v1.InstanceState;
import dev.marina.schemas.v1.Intent;
import dev.marina.schemas.v1.ObservedInstance;
import dev.marina.schemas.v1.ProvisionEvent;
import dev.marina.schemas.v1.ReconcilerState;
import dev.marina.service.Timestamps;
import java.time.Instant;
import java.util.Optional;

/**
 * Folds the workers' events into a deployment's observed state. Pure. An event about an instance
 * the reconciler does not track is ignored (the provisioner reaps such orphans), and observing an
 * effect retires the in-flight action that asked for it.
 */
public final class Observe {
    private Observe() {}

    public static ReconcilerState desired(ReconcilerState state, Intent intent) {
        return state.toBuilder().setDesired(intent).build();
    }

    public static ReconcilerState provision(ReconcilerState state, ProvisionEvent event, Instant now) {
        ObservedInstance instance = state.getInstancesMap().get(event.getInstanceId());
        if (instance == null) {
            return state;
        }
        ReconcilerState.Builder next = state.toBuilder();
        String id = instance.getInstanceId();
        switch (event.getState()) {
            // gone: the planner's first step forgets it (and revokes its certificates)
            case INSTANCE_STATE_DESTROYED -> next.putInstances(id, instance.toBuilder()
                    .setProvisionState(InstanceState.INSTANCE_STATE_DESTROYED).build());
            case INSTANCE_STATE_RUNNING -> {
                Ledger.remove(next, Ledger.createInstance(id));
                next.putInstances(id, instance.toBuilder()
                        .setProvisionState(InstanceState.INSTANCE_STATE_RUNNING)
                        .setAddress(event.getAddress())
                        .clearLastError()
                        .build());
            }
            case INSTANCE_STATE_RESTARTING -> next.putInstances(id, instance.toBuilder()
                    .setProvisionState(InstanceState.INSTANCE_STATE_RESTARTING)
                    // the database restarts with its agent; it reports ready again on its own
                    .setAgentOutcome(AgentOutcome.AGENT_OUTCOME_UNSPECIFIED)
                    .build());
            case INSTANCE_STATE_FAILED -> next.putInstances(id, instance.toBuilder()
                    .setProvisionState(InstanceState.INSTANCE_STATE_FAILED)
                    .setLastError("provisioning failed: " + event.getReason())
                    .build());
            default -> next.putInstances(id, instance.toBuilder().setProvisionState(event.getState()).build());
        }
        return next.build();
    }

    public static ReconcilerState agent(ReconcilerState state, AgentEvent event, Instant now) {
        ObservedInstance instance = state.getInstancesMap().get(event.getInstanceId());
        if (instance == null) {
            return state;
        }
        Optional<InFlightAction> action = Ledger.answered(state, event.getAction(), event.getCommandId());
        ActionKind kind = event.hasAction() ? event.getAction().getKind()
                : action.map(a -> a.getAction().getKind()).orElse(ActionKind.ACTION_KIND_UNSPECIFIED);
        if (kind == ActionKind.ACTION_KIND_ARCHIVE_BINLOGS) {
            return action.map(a -> archiveStep(state, instance, a, event)).orElse(state);
        }
        if (event.hasArchive() && event.getCommandId().isEmpty() && !event.hasAction()) {
            // sent unasked by an archiving primary after an upload or a failure: what its archive covers now
            return coverage(state, instance, event);
        }
        if (Ledger.isRoleStep(kind)) {
            return action.map(a -> roleStep(state, instance, a, event, now)).orElse(state);
        }
        if (kind == ActionKind.ACTION_KIND_BACKUP) {
            return action.map(a -> backupStep(state, a, event)).orElse(state);
        }
        if (kind == ActionKind.ACTION_KIND_SET_REPLICAS_WANTED) {
            return action.map(a -> replicasWantedStep(state, instance, a, event)).orElse(state);
        }
        if (kind == ActionKind.ACTION_KIND_UPDATE) {
            return action.map(a -> updateStep(state, instance, a, event)).orElse(state);
        }
        if (kind == ActionKind.ACTION_KIND_PAUSE) {
            return action.map(a -> pauseStep(state, instance, a, event)).orElse(state);
        }
        if (Ledger.isCertStep(kind) || event.getOutcome() == AgentOutcome.AGENT_OUTCOME_DONE) {
            // a certificate step says nothing about the database's state
            return action.filter(a -> Ledger.isCertStep(a.getAction().getKind()))
                    .map(a -> certStep(state, instance, a, event)).orElse(state);
        }
        ReconcilerState.Builder next = state.toBuilder();
        String id = instance.getInstanceId();
        ObservedInstance.Builder updated = instance.toBuilder().setAgentOutcome(event.getOutcome());
        switch (event.getOutcome()) {
            case AGENT_OUTCOME_DATABASE_READY -> {
                Ledger.remove(next, Ledger.deploy(id));
                if (kind == ActionKind.ACTION_KIND_RESUME) {
                    action.ifPresent(a -> Ledger.remove(next, a.getAction()));
                }
                // serving: not paused (any more); a client's connection may have woken it (sent unasked)
                updated.setPaused(false);
                if (event.getWoken()) {
                    updated.setWokenAt(Timestamps.of(now));
                }
                if (!event.getEndpoint().isEmpty() || kind != ActionKind.ACTION_KIND_RESUME) {
                    updated.setEndpoint(event.getEndpoint());
                }
                updated.clearLastError();
                if (event.hasRunning()) {
                    updated.setRunning(event.getRunning());
                }
                if (instance.getPlan().getRole() == Role.ROLE_PRIMARY) {
                    // writable at this epoch, or back read-only after a restart until PROMOTE
                    updated.setRoleEpoch(event.getReadOnly() ? 0 : Math.max(1, state.getEpoch()));
                }
                if (!instance.hasDatabaseReadyAt()) {
                    updated.setDatabaseReadyAt(Timestamps.of(now));
                }
            }
            case AGENT_OUTCOME_DATABASE_STOPPED -> {
                Ledger.remove(next, Ledger.stopDatabase(id));
                if (event.getPaused()) {
                    updated.setPaused(true);
                }
            }
            case AGENT_OUTCOME_FAILED, AGENT_OUTCOME_REFUSED -> updated.setLastError("agent: " + event.getReason());
            default -> { }
        }
        return next.putInstances(id, updated.build()).build();
    }

    /**
     * The agent's answer to PAUSE: DATABASE_STOPPED (paused) — the server is stopped on purpose; anything else (a backup
     * or an update runs there) is recorded and PAUSE is sent again on its wait.
     */
    static ReconcilerState pauseStep(ReconcilerState state, ObservedInstance instance, InFlightAction action, AgentEvent event) {
        ReconcilerState.Builder next = state.toBuilder();
        ObservedInstance.Builder updated = instance.toBuilder();
        if (event.getOutcome() == AgentOutcome.AGENT_OUTCOME_DATABASE_STOPPED) {
            Ledger.remove(next, action.getAction());
            updated.setPaused(true).setAgentOutcome(AgentOutcome.AGENT_OUTCOME_DATABASE_STOPPED).clearLastError();
        } else if (event.getOutcome() == AgentOutcome.AGENT_OUTCOME_FAILED || event.getOutcome() == AgentOutcome.AGENT_OUTCOME_REFUSED) {
            updated.setLastError("agent: pause " + event.getOutcome().name().substring("AGENT_OUTCOME_".length()).toLowerCase()
                    + ": " + event.getReason());
        }
        return next.putInstances(instance.getInstanceId(), updated.build()).build();
    }

    /**
     * A window on {@code deployment-metrics}. An instance's 10-second window gives its value of the autoscaling metric
     * and its client connections (the latest only: no history is kept); the deployment-wide windows (10 s and 60 s)
     * feed the idle tracking of a pause ({@link PausePlanner#idle}). Other windows, and instances not tracked, are ignored.
     */
    public static ReconcilerState metrics(ReconcilerState state, dev.marina.schemas.v1.DeploymentMetrics window) {
        if (!state.hasDesired() || !window.hasWindowEnd()
                || (!state.getDesired().getSpec().hasAutoscaling() && state.getAutoscale().getRemoving().isEmpty())) {
            return state; // only autoscaling, pausing after idle and a scale-in's drain read metrics
        }
        if (window.getInstanceId().isEmpty()) {
            if (state.getDesired().getSpec().getAutoscaling().getPauseAfterIdle().isEmpty()) {
                return state;
            }
            dev.marina.schemas.v1.PauseState pause = PausePlanner.idle(state.getPause(), window);
            return pause == state.getPause() ? state : state.toBuilder().setPause(pause).build();
        }
        ObservedInstance instance = state.getInstancesMap().get(window.getInstanceId());
        if (instance == null || window.getWindowSeconds() > 10
                || (instance.hasMetricAt() && !Timestamps.toInstant(window.getWindowEnd()).isAfter(Timestamps.toInstant(instance.getMetricAt())))) {
            return state;
        }
        String gauge = AutoscalePlanner.gauge(state.getDesired().getSpec().getAutoscaling().getTarget().getMetric());
        ObservedInstance.Builder updated = instance.toBuilder().setMetricAt(window.getWindowEnd())
                .setClientConnections(window.getGaugesMaxOrDefault(dev.marina.schemas.metrics.MetricNames.CLIENT_CONNECTIONS,
                        window.getGaugesAvgOrDefault(dev.marina.schemas.metrics.MetricNames.CLIENT_CONNECTIONS, 0)));
        if (!gauge.isEmpty()) {
            updated.setMetricValue(window.getGaugesAvgOrDefault(gauge, 0));
        }
        return state.toBuilder().putInstances(instance.getInstanceId(), updated.build()).build();
    }

    /**
     * The agent's answer to UPDATE: DATABASE_READY or DONE with the config the server runs now; FAILED (the new config
     * did not start: the agent put it back on the old one, which it reports) or REFUSED (a backup runs there, the change
     * is not allowed) records why, for the config it was asked, and the roll halts on it (RollPlanner).
     */
    static ReconcilerState updateStep(ReconcilerState state, ObservedInstance instance, InFlightAction action, AgentEvent event) {
        ReconcilerState.Builder next = state.toBuilder();
        ObservedInstance.Builder updated = instance.toBuilder();
        if (event.hasRunning()) {
            updated.setRunning(event.getRunning());
        }
        switch (event.getOutcome()) {
            case AGENT_OUTCOME_DATABASE_READY, AGENT_OUTCOME_DONE -> {
                Ledger.remove(next, action.getAction());
                updated.clearLastError().clearUpdateFailedDigest().clearUpdateFailure()
                        .setAgentOutcome(AgentOutcome.AGENT_OUTCOME_DATABASE_READY);
                if (!event.getEndpoint().isEmpty()) {
                    updated.setEndpoint(event.getEndpoint());
                }
            }
            case AGENT_OUTCOME_FAILED, AGENT_OUTCOME_REFUSED -> {
                Ledger.remove(next, action.getAction());
                String why = event.getOutcome().name().substring("AGENT_OUTCOME_".length()) + " ("
                        + event.getReasonCode().name().replace("AGENT_REASON_", "") + "): " + event.getReason();
                updated.setUpdateFailedDigest(action.getAction().getSubject()).setUpdateFailure(why).setLastError("agent: " + why);
            }
            default -> { }
        }
        return next.putInstances(instance.getInstanceId(), updated.build()).build();
    }

    /**
     * The agent's answer to the backup in flight: DONE (with the manifest) or FAILED/REFUSED (with the
     * reason). Recorded for the planner, which publishes the catalogue record and decides on a retry.
     */
    static ReconcilerState backupStep(ReconcilerState state, InFlightAction action, AgentEvent event) {
        BackupsState backups = state.getBackups();
        if (!backups.getCurrent().getBackupId().equals(action.getAction().getSubject())) {
            return state;
        }
        ReconcilerState.Builder next = state.toBuilder();
        Ledger.remove(next, action.getAction());
        BackupsState.Builder updated = backups.toBuilder()
                .setCurrentOutcome(event.getOutcome())
                .setCurrentReason(event.getReason());
        if (event.getOutcome() == AgentOutcome.AGENT_OUTCOME_DONE) {
            updated.setCurrent(backups.getCurrent().toBuilder().setManifest(event.getBackup()));
        }
        return next.setBackups(updated).build();
    }

    /**
     * The primary's answer to ARCHIVE_BINLOGS: DONE records the settings it acknowledged (instance, epoch, settings)
     * and the coverage it reports; anything else is recorded and the action retried on its backoff.
     */
    static ReconcilerState archiveStep(ReconcilerState state, ObservedInstance instance, InFlightAction action,
            AgentEvent event) {
        ReconcilerState.Builder next = state.toBuilder();
        if (event.getOutcome() != AgentOutcome.AGENT_OUTCOME_DONE) {
            return next.putInstances(instance.getInstanceId(), instance.toBuilder().setLastError("agent: " + event.getReason())
                    .build()).build();
        }
        ActionKey key = action.getAction();
        Ledger.remove(next, key);
        next.setArchive(state.getArchive().toBuilder().setAckedInstance(key.getInstanceId()).setAckedEpoch(key.getEpoch())
                .setAcked(Ledger.archiveSettings(key)));
        return event.hasArchive() ? coverage(next.build(), instance, event) : next.build();
    }

    /**
     * What the archive covers, as the current primary reports it at the current epoch. A report from another
     * instance (a demoted primary still uploading) or an older epoch says nothing about the archive now.
     */
    static ReconcilerState coverage(ReconcilerState state, ObservedInstance instance, AgentEvent event) {
        ArchiveCoverage reported = event.getArchive();
        long epoch = reported.getEpoch() != 0 ? reported.getEpoch() : event.getEpoch();
        // a deleted deployment's primary retires: its last uploads still count
        boolean current = instance.getPlan().getRole() == Role.ROLE_PRIMARY
                && (!instance.getPlan().getRetiring() || state.getDesired().getDeleted()) && epoch == state.getEpoch();
        if (!current) {
            return state;
        }
        ArchiveCoverage.Builder coverage = reported.toBuilder().setInstanceId(instance.getInstanceId()).setEpoch(epoch);
        if (!coverage.hasDeployment()) {
            coverage.setDeployment(state.getDesired().getDeployment());
        }
        return state.toBuilder().setArchive(state.getArchive().toBuilder().setCoverage(coverage)).build();
    }

    /**
     * The primary's answer to SET_REPLICAS_WANTED: DONE says how its commits wait now (recorded until its next
     * heartbeat says it too); anything else is recorded and the action retried on its backoff.
     */
    static ReconcilerState replicasWantedStep(ReconcilerState state, ObservedInstance instance, InFlightAction action,
            AgentEvent event) {
        ReconcilerState.Builder next = state.toBuilder();
        ObservedInstance.Builder updated = instance.toBuilder();
        if (event.getOutcome() == AgentOutcome.AGENT_OUTCOME_DONE) {
            Ledger.remove(next, action.getAction());
            updated.setSemiSyncWait(event.getSemiSyncWait()).clearLastError();
        } else {
            updated.setLastError("agent: " + event.getReason());
        }
        return next.putInstances(instance.getInstanceId(), updated.build()).build();
    }

    /**
     * A dns-service answer. Only an answer to the DNS command in flight counts (an older command's
     * answer says nothing about what is wanted now); APPLIED retires the action, CLASH and FAILED
     * are recorded for the status and the action is retried on its backoff.
     */
    public static ReconcilerState dns(ReconcilerState state, DnsEvent event) {
        Optional<InFlightAction> action = Ledger.answered(state, event.getAction(), event.getCommandId())
                .filter(a -> Ledger.isNames(a.getAction().getKind()));
        if (action.isEmpty()) {
            return state;
        }
        ReconcilerState.Builder next = state.toBuilder();
        DnsState.Builder dns = state.getDns().toBuilder()
                .setLastOutcome(event.getOutcome())
                .setLastReason(event.getReason());
        if (event.getOutcome() == DnsOutcome.DNS_OUTCOME_APPLIED) {
            ActionKey key = action.get().getAction();
            Ledger.remove(next, key);
            if (key.getKind() == ActionKind.ACTION_KIND_REMOVE_NAMES) {
                dns.setRemoved(true).setAppliedDigest("").clearApplied();
            } else {
                dns.setAppliedDigest(key.getSubject()).clearApplied().addAllApplied(event.getRecordsList());
            }
        }
        return next.setDns(dns).build();
    }

    /**
     * The agent's answer to PROMOTE, REPLICATE or FENCE at an epoch; only the answer to the step in flight
     * counts. A REPLICATE refused because the instance's history diverged marks it for replacement.
     */
    private static ReconcilerState roleStep(ReconcilerState state, ObservedInstance instance, InFlightAction action,
            AgentEvent event, Instant now) {
        ActionKey key = action.getAction();
        long epoch = key.getEpoch();
        ReconcilerState.Builder next = state.toBuilder();
        ObservedInstance.Builder updated = instance.toBuilder();
        if (!event.getGtidPosition().isEmpty()) {
            updated.setGtidPosition(event.getGtidPosition());
        }
        if (event.getOutcome() != AgentOutcome.AGENT_OUTCOME_DONE) {
            updated.setLastError("agent: " + event.getReason());
            if (key.getKind() == ActionKind.ACTION_KIND_REPLICATE && Facts.mustBeRebuilt(event.getReasonCode())) {
                Ledger.remove(next, key);
                updated.setReplicationError(event.getReason()).setReplicationFault(Facts.fault(event.getReasonCode()));
            }
            return next.putInstances(instance.getInstanceId(), updated.build()).build();
        }
        RoleChangeState change = state.getRoleChange();
        if (key.getKind() == ActionKind.ACTION_KIND_REPLICATE
                && event.getReasonCode() == AgentReason.AGENT_REASON_NOT_CONNECTED_YET) {
            // pointed at the primary but the link is not up yet (e.g. a certificate still missing at one end):
            // not serving reads, and asked again on its wait, when the agent answers how the link is now
            HaPlanner.primary(next).ifPresent(p -> updated.setReplicatingFrom(p.getInstanceId()));
            updated.setRoleEpoch(epoch).setReplicationError(event.getReason());
            next.putInFlight(action.getKey(), action.toBuilder().setRetryAt(Timestamps.of(now.plusSeconds(1))).build());
            return next.putInstances(instance.getInstanceId(), updated.build()).build();
        }
        Ledger.remove(next, key);
        updated.clearLastError();
        boolean changing = state.hasRoleChange() && !change.getDone() && change.getEpoch() == epoch;
        if (key.getKind() == ActionKind.ACTION_KIND_PROMOTE) {
            // writable at this epoch; the role itself is the planner's to give (HaPlanner.adoptConfirmedRoles)
            updated.setRoleEpoch(epoch).clearReplicatingFrom().clearReplicationError().clearReplicationFault();
            if (changing && change.getNewPrimary().equals(instance.getInstanceId())) {
                next.setRoleChange(change.toBuilder().setPromotedAt(Timestamps.of(now)).setNewPrimaryGtid(event.getGtidPosition()));
            }
        } else if (key.getKind() == ActionKind.ACTION_KIND_REPLICATE) {
            HaPlanner.primary(next).ifPresent(p -> updated.setReplicatingFrom(p.getInstanceId()));
            updated.setRoleEpoch(epoch).clearReplicationError().clearReplicationFault();
        } else if (changing && change.getOldPrimary().equals(instance.getInstanceId())) {
            // fenced for a switchover: read-only now, its final position is what the target must reach
            updated.setRoleEpoch(0).clearReplicatingFrom();
            next.setRoleChange(change.toBuilder().setFenced(true).setFencedGtid(event.getGtidPosition()));
        }
        return next.putInstances(instance.getInstanceId(), updated.build()).build();
    }

    /** The agent's answer to MAKE_CSR or INSTALL_CERT; only the answer to the step in flight counts. */
    private static ReconcilerState certStep(ReconcilerState state, ObservedInstance instance, InFlightAction action,
            AgentEvent event) {
        ActionKey key = action.getAction();
        ReconcilerState.Builder next = state.toBuilder();
        CertState.Builder cert = instance.getCert().toBuilder();
        if (event.getOutcome() != AgentOutcome.AGENT_OUTCOME_DONE) {
            // retried when the step's wait runs out; the reason shows meanwhile
            cert.setFailedAttempts(cert.getFailedAttempts() + 1).setLastFailure("agent: " + event.getReason());
        } else if (key.getKind() == ActionKind.ACTION_KIND_MAKE_CSR) {
            Ledger.remove(next, key);
            cert.setCsrPem(event.getCsrPem());
        } else {
            Ledger.remove(next, key);
            cert.setSerial(event.getCertSerial().isEmpty() ? cert.getIssuedSerial() : event.getCertSerial())
                    .clearNames().addAllNames(cert.getRequestNamesList())
                    .setNotBefore(cert.getIssuedNotBefore())
                    .setNotAfter(cert.getIssuedNotAfter())
                    .clearRenewAt() // the planner sets it
                    .setRequestOpen(false)
                    .clearCsrPem().clearIssuedChainPem().clearIssuedSerial().clearIssuedNotBefore().clearIssuedNotAfter()
                    .setFailedAttempts(0).clearLastFailure().setFailureFinal(false);
        }
        return next.putInstances(instance.getInstanceId(), instance.toBuilder().setCert(cert).build()).build();
    }

    /**
     * cert-service's answer. ISSUED hands the chain to the install step and adds the CA to the
     * deployment's bundle; a FAILED issuance is asked again after a doubling wait when a retry can help,
     * and not at all otherwise; REVOKED takes the certificate off the revocation list.
     */
    public static ReconcilerState cert(ReconcilerState state, CertEvent event, Instant now, PlanSettings settings) {
        Optional<InFlightAction> action = Ledger.answered(state, event.getAction(), event.getCommandId());
        if (action.isEmpty()) {
            return state;
        }
        ActionKey key = action.get().getAction();
        ReconcilerState.Builder next = state.toBuilder();
        if (key.getKind() == ActionKind.ACTION_KIND_REVOKE_CERT) {
            if (event.getOutcome() == CertOutcome.CERT_OUTCOME_REVOKED) {
                Ledger.remove(next, key);
                TlsState.Builder tls = state.getTls().toBuilder().clearToRevoke();
                state.getTls().getToRevokeList().stream().filter(r -> !key.getSubject().equals(r.getSerial()))
                        .forEach(tls::addToRevoke);
                next.setTls(tls);
            }
            return next.build();
        }
        ObservedInstance instance = state.getInstancesMap().get(event.getInstanceId());
        if (instance == null || key.getKind() != ActionKind.ACTION_KIND_ISSUE_CERT) {
            return state;
        }
        CertState.Builder cert = instance.getCert().toBuilder();
        switch (event.getOutcome()) {
            case CERT_OUTCOME_ISSUED -> {
                Ledger.remove(next, key);
                cert.setIssuedChainPem(event.getChainPem()).setIssuedSerial(event.getSerial())
                        .setIssuedNotBefore(event.getNotBefore()).setIssuedNotAfter(event.getNotAfter())
                        .clearLastFailure();
                next.setTls(next.getTls().toBuilder().setCaBundlePem(
                        Certificates.mergeBundle(state.getTls().getCaBundlePem(), event.getCaBundlePem())));
            }
            case CERT_OUTCOME_FAILED -> {
                int failures = cert.getFailedAttempts() + 1;
                cert.setFailedAttempts(failures).setLastFailure(event.getReason());
                if (event.getRetryable()) {
                    java.time.Duration wait = settings.tls().failureRetry().multipliedBy(1L << Math.min(failures - 1, 20));
                    if (wait.compareTo(settings.maxBackoff()) > 0) {
                        wait = settings.maxBackoff();
                    }
                    next.putInFlight(action.get().getKey(), action.get().toBuilder().setRetryAt(Timestamps.of(now.plus(wait))).build());
                } else {
                    Ledger.remove(next, key);
                    cert.setFailureFinal(true);
                }
            }
            default -> {
                return state;
            }
        }
        return next.putInstances(instance.getInstanceId(), instance.toBuilder().setCert(cert).build()).build();
    }

    /**
     * health-monitor's record about an instance: its health, and what its server reported (writable or
     * not, fencing term, replication). A primary reported read-only at its current term lost its
     * writability (restart, self-fencing) and is promoted again while it keeps the role; one reported
     * writable at the deployment's epoch is confirmed. A primary's record also carries its replicas'
     * latest positions, which decide who is promoted.
     */
    public static ReconcilerState health(ReconcilerState state, InstanceHealth event, Instant now) {
        ObservedInstance instance = state.getInstancesMap().get(event.getInstanceId());
        if (instance == null) {
            return state;
        }
        ReconcilerState.Builder next = state.toBuilder();
        ObservedInstance.Builder updated = instance.toBuilder()
                .setHealth(event.getHealth())
                .setHealthReason(event.getReason())
                .setGtidPosition(event.getGtidPosition().isEmpty() ? instance.getGtidPosition() : event.getGtidPosition())
                .setReadOnly(event.getReadOnly())
                .setEpoch(event.getEpoch())
                .setReplicationConnected(event.getReplicationConnected())
                .setReplicationSource(event.getReplicationSource())
                .setReplicationLagMs(event.getReplicationLagMs())
                .setSemiSyncReplicasConnected(event.getSemiSyncReplicasConnected())
                .setCommitsWaiting(event.getCommitsWaiting())
                .setSemiSyncWait(event.getSemiSyncWait());
        if (event.hasLastHeartbeatAt()) {
            updated.setLastHeartbeatAt(event.getLastHeartbeatAt());
        }
        if (!event.getReplicationError().isEmpty()) {
            updated.setReplicationError(event.getReplicationError()).setReplicationFault(event.getReplicationFault());
        } else if (event.getReplicationConnected() && !Facts.mustBeRebuilt(instance)) {
            // a link that came back heals a passing fault; one that must be rebuilt stays marked until replaced
            updated.clearReplicationError().clearReplicationFault();
        }
        if (event.getHealth() == Health.HEALTH_DOWN) {
            if (!instance.hasDownSince()) {
                updated.setDownSince(Timestamps.of(now));
            }
        } else {
            updated.clearDownSince();
        }
        if (instance.getPlan().getRole() == Role.ROLE_PRIMARY && event.getEpoch() > 0) {
            if (event.getReadOnly() && event.getEpoch() >= instance.getRoleEpoch()) {
                updated.setRoleEpoch(0);
            } else if (!event.getReadOnly() && event.getEpoch() == state.getEpoch()) {
                updated.setRoleEpoch(state.getEpoch());
            }
        }
        next.putInstances(instance.getInstanceId(), updated.build());
        for (ReplicaReport report : event.getReplicasList()) {
            ObservedInstance replica = next.getInstancesMap().get(report.getInstanceId());
            if (replica != null && !report.getGtidPosition().isEmpty()) {
                next.putInstances(replica.getInstanceId(), replica.toBuilder()
                        .setGtidPosition(report.getGtidPosition())
                        .setReplicationConnected(report.getReplicationConnected())
                        .setReplicationLagMs(report.getReplicationLagMs())
                        .build());
            }
        }
        return next.build();
    }
}
