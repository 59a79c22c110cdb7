package dev.marina.intent.reconcile;

import dev.marina.schemas.v1.ReconcilerState;

/** Names of in-flight actions, one per effect the reconciler waits for. */
final class Actions {
    private Actions() {}

    static String createKey(String instanceId) {
        return "create/" + instanceId;
    }

    static String deployKey(String instanceId) {
        return "deploy/" + instanceId;
    }

    static String agentDestroyKey(String instanceId) {
        return "agent-destroy/" + instanceId;
    }

    static String destroyKey(String instanceId) {
        return "destroy/" + instanceId;
    }

    /** Drops every in-flight action about an instance that no longer exists. */
    static void forget(ReconcilerState.Builder state, String instanceId) {
        state.removeInFlight(createKey(instanceId));
        state.removeInFlight(deployKey(instanceId));
        state.removeInFlight(agentDestroyKey(instanceId));
        state.removeInFlight(destroyKey(instanceId));
    }
}
