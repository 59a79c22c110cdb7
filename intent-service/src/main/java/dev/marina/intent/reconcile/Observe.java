package dev.marina.intent.reconcile;

import dev.marina.schemas.v1.AgentEvent;
import dev.marina.schemas.v1.AgentOutcome;
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
        ReconcilerState.Builder next = state.toBuilder();
        String id = instance.getInstanceId();
        ObservedInstance.Builder updated = instance.toBuilder().setAgentOutcome(event.getOutcome());
        switch (event.getOutcome()) {
            case AGENT_OUTCOME_DATABASE_READY -> {
                next.removeInFlight(Actions.deployKey(id));
                updated.setEndpoint(event.getEndpoint()).clearLastError();
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

    public static ReconcilerState health(ReconcilerState state, InstanceHealth event) {
        ObservedInstance instance = state.getInstancesMap().get(event.getInstanceId());
        if (instance == null) {
            return state;
        }
        return state.toBuilder().putInstances(instance.getInstanceId(), instance.toBuilder()
                .setHealth(event.getHealth())
                .setHealthReason(event.getReason())
                .setGtidPosition(event.getGtidPosition().isEmpty() ? instance.getGtidPosition() : event.getGtidPosition())
                .build()).build();
    }
}
