package dev.marina.intent.reconcile;

import dev.marina.schemas.v1.AgentEvent;
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
            case INSTANCE_STATE_DESTROYED -> {
                // its certificates must not outlive it
                TlsState.Builder tls = next.getTls().toBuilder();
                TlsPlanner.revokeAll(tls, instance, state.getDesired().getSpec().getTls().getMode());
                next.setTls(tls);
                next.removeInstances(id);
                Actions.forget(next, id);
                return next.build();
            }
            case INSTANCE_STATE_RUNNING -> {
                next.removeInFlight(Actions.createKey(id));
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
        if (Actions.isRoleStep(event.getCommandId())) {
            return roleStep(state, instance, event, now);
        }
        if (Actions.isCertStep(event.getCommandId()) || event.getOutcome() == AgentOutcome.AGENT_OUTCOME_DONE) {
            // a certificate step says nothing about the database's state
            return certStep(state, instance, event);
        }
        ReconcilerState.Builder next = state.toBuilder();
        String id = instance.getInstanceId();
        ObservedInstance.Builder updated = instance.toBuilder().setAgentOutcome(event.getOutcome());
        switch (event.getOutcome()) {
            case AGENT_OUTCOME_DATABASE_READY -> {
                next.removeInFlight(Actions.deployKey(id));
                updated.setEndpoint(event.getEndpoint()).clearLastError();
                if (instance.getRole() == Role.ROLE_PRIMARY) {
                    // writable at this epoch, or back read-only after a restart until PROMOTE
                    updated.setRoleEpoch(event.getReadOnly() ? 0 : Math.max(1, state.getEpoch()));
                }
                if (!instance.hasDatabaseReadyAt()) {
                    updated.setDatabaseReadyAt(Timestamps.of(now));
                }
            }
            case AGENT_OUTCOME_DATABASE_STOPPED -> next.removeInFlight(Actions.agentDestroyKey(id));
            case AGENT_OUTCOME_FAILED, AGENT_OUTCOME_REFUSED -> updated.setLastError("agent: " + event.getReason());
            default -> { }
        }
        return next.putInstances(id, updated.build()).build();
    }

    /**
     * A dns-service answer. Only an answer to the DNS command in flight counts (an older command's
     * answer says nothing about what is wanted now); APPLIED retires the action, CLASH and FAILED
     * are recorded for the status and the action is retried on its backoff.
     */
    public static ReconcilerState dns(ReconcilerState state, DnsEvent event) {
        Optional<InFlightAction> action = state.getInFlightMap().values().stream()
                .filter(a -> Actions.isDns(a.getKey()) && a.getCommandId().equals(event.getCommandId()))
                .findFirst();
        if (action.isEmpty()) {
            return state;
        }
        ReconcilerState.Builder next = state.toBuilder();
        DnsState.Builder dns = state.getDns().toBuilder()
                .setLastOutcome(event.getOutcome())
                .setLastReason(event.getReason());
        if (event.getOutcome() == DnsOutcome.DNS_OUTCOME_APPLIED) {
            String key = action.get().getKey();
            next.removeInFlight(key);
            if (key.equals(Actions.DNS_REMOVE)) {
                dns.setRemoved(true).setAppliedDigest("").clearApplied();
            } else {
                dns.setAppliedDigest(key.substring(Actions.DNS_PREFIX.length())).clearApplied().addAllApplied(event.getRecordsList());
            }
        }
        return next.setDns(dns).build();
    }

    /** How the agent's REPLICATE answer says the link to the primary is not up yet. */
    static final String NOT_CONNECTED = "not connected yet";

    /**
     * The agent's answer to PROMOTE, REPLICATE or FENCE at an epoch; only the answer to the step in flight
     * counts. A REPLICATE refused because the instance's history diverged marks it for replacement.
     */
    private static ReconcilerState roleStep(ReconcilerState state, ObservedInstance instance, AgentEvent event, Instant now) {
        Optional<InFlightAction> action = inFlight(state, event.getCommandId());
        if (action.isEmpty()) {
            return state;
        }
        String key = action.get().getKey();
        long epoch = Long.parseLong(key.substring(key.lastIndexOf('/') + 1));
        ReconcilerState.Builder next = state.toBuilder();
        ObservedInstance.Builder updated = instance.toBuilder();
        if (!event.getGtidPosition().isEmpty()) {
            updated.setGtidPosition(event.getGtidPosition());
        }
        if (event.getOutcome() != AgentOutcome.AGENT_OUTCOME_DONE) {
            updated.setLastError("agent: " + event.getReason());
            if (key.startsWith("replicate/") && event.getReason().startsWith(HaPlanner.DIVERGED)) {
                next.removeInFlight(key);
                updated.setReplicationError(event.getReason());
            }
            return next.putInstances(instance.getInstanceId(), updated.build()).build();
        }
        RoleChangeState change = state.getRoleChange();
        if (key.startsWith("replicate/") && event.getReason().contains(NOT_CONNECTED)) {
            // pointed at the primary but the link is not up yet (e.g. a certificate still missing at one end):
            // not serving reads, and asked again on its wait, when the agent answers how the link is now
            HaPlanner.primary(next).ifPresent(p -> updated.setReplicatingFrom(p.getInstanceId()));
            updated.setRoleEpoch(epoch).setReplicationError(event.getReason());
            next.putInFlight(key, action.get().toBuilder().setRetryAt(Timestamps.of(now.plusSeconds(1))).build());
            return next.putInstances(instance.getInstanceId(), updated.build()).build();
        }
        next.removeInFlight(key);
        updated.clearLastError();
        boolean changing = state.hasRoleChange() && !change.getDone() && change.getEpoch() == epoch;
        if (key.startsWith("promote/")) {
            updated.setRole(Role.ROLE_PRIMARY).setRoleEpoch(epoch).clearReplicatingFrom().clearReplicationError();
            if (changing && change.getNewPrimary().equals(instance.getInstanceId())) {
                next.setRoleChange(change.toBuilder().setPromotedAt(Timestamps.of(now)).setNewPrimaryGtid(event.getGtidPosition()));
            }
        } else if (key.startsWith("replicate/")) {
            HaPlanner.primary(next).ifPresent(p -> updated.setReplicatingFrom(p.getInstanceId()));
            updated.setRoleEpoch(epoch).clearReplicationError();
        } else if (changing && change.getOldPrimary().equals(instance.getInstanceId())) {
            // fenced for a switchover: read-only now, its final position is what the target must reach
            updated.setRole(Role.ROLE_REPLICA).setRoleEpoch(0).clearReplicatingFrom();
            next.setRoleChange(change.toBuilder().setFenced(true).setFencedGtid(event.getGtidPosition()));
        }
        return next.putInstances(instance.getInstanceId(), updated.build()).build();
    }

    /** The agent's answer to MAKE_CSR or INSTALL_CERT; only the answer to the step in flight counts. */
    private static ReconcilerState certStep(ReconcilerState state, ObservedInstance instance, AgentEvent event) {
        Optional<InFlightAction> action = inFlight(state, event.getCommandId());
        if (action.isEmpty()) {
            return state;
        }
        String key = action.get().getKey();
        ReconcilerState.Builder next = state.toBuilder();
        CertState.Builder cert = instance.getCert().toBuilder();
        if (event.getOutcome() != AgentOutcome.AGENT_OUTCOME_DONE) {
            // retried when the step's wait runs out; the reason shows meanwhile
            cert.setFailedAttempts(cert.getFailedAttempts() + 1).setLastFailure("agent: " + event.getReason());
        } else if (key.startsWith("csr/")) {
            next.removeInFlight(key);
            cert.setCsrPem(event.getCsrPem());
        } else {
            next.removeInFlight(key);
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
        Optional<InFlightAction> action = inFlight(state, event.getCommandId());
        if (action.isEmpty()) {
            return state;
        }
        String key = action.get().getKey();
        ReconcilerState.Builder next = state.toBuilder();
        if (key.startsWith("revoke/")) {
            if (event.getOutcome() == CertOutcome.CERT_OUTCOME_REVOKED) {
                next.removeInFlight(key);
                TlsState.Builder tls = state.getTls().toBuilder().clearToRevoke();
                state.getTls().getToRevokeList().stream().filter(r -> !key.equals(Actions.revokeKey(r.getSerial())))
                        .forEach(tls::addToRevoke);
                next.setTls(tls);
            }
            return next.build();
        }
        ObservedInstance instance = state.getInstancesMap().get(event.getInstanceId());
        if (instance == null || !key.startsWith("cert/")) {
            return state;
        }
        CertState.Builder cert = instance.getCert().toBuilder();
        switch (event.getOutcome()) {
            case CERT_OUTCOME_ISSUED -> {
                next.removeInFlight(key);
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
                    next.putInFlight(key, action.get().toBuilder().setRetryAt(Timestamps.of(now.plus(wait))).build());
                } else {
                    next.removeInFlight(key);
                    cert.setFailureFinal(true);
                }
            }
            default -> {
                return state;
            }
        }
        return next.putInstances(instance.getInstanceId(), instance.toBuilder().setCert(cert).build()).build();
    }

    private static Optional<InFlightAction> inFlight(ReconcilerState state, String commandId) {
        return state.getInFlightMap().values().stream().filter(a -> a.getCommandId().equals(commandId)).findFirst();
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
                .setReplicationLagMs(event.getReplicationLagMs());
        if (event.hasLastHeartbeatAt()) {
            updated.setLastHeartbeatAt(event.getLastHeartbeatAt());
        }
        if (!event.getReplicationError().isEmpty()) {
            updated.setReplicationError(event.getReplicationError());
        } else if (event.getReplicationConnected() && !instance.getReplicationError().startsWith(HaPlanner.DIVERGED)) {
            updated.clearReplicationError();
        }
        if (event.getHealth() == Health.HEALTH_DOWN) {
            if (!instance.hasDownSince()) {
                updated.setDownSince(Timestamps.of(now));
            }
        } else {
            updated.clearDownSince();
        }
        if (instance.getRole() == Role.ROLE_PRIMARY && event.getEpoch() > 0) {
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
