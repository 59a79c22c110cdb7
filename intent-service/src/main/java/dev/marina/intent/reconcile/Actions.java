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

    static final String DNS_PREFIX = "dns/";
    /** Removing every name of a deleted deployment. */
    static final String DNS_REMOVE = DNS_PREFIX + "remove";

    /** Making the zone hold the record sets with this digest. */
    static String dnsKey(String digest) {
        return DNS_PREFIX + digest;
    }

    static boolean isDns(String key) {
        return key.startsWith(DNS_PREFIX);
    }

    /** Drops every in-flight DNS action except {@code keep} (a newer wish replaces an older one). */
    static void forgetDnsExcept(ReconcilerState.Builder state, String keep) {
        for (String key : java.util.List.copyOf(state.getInFlightMap().keySet())) {
            if (isDns(key) && !key.equals(keep)) {
                state.removeInFlight(key);
            }
        }
    }

    /** Request {@code n} of an instance's certificate: the agent's CSR, cert-service's chain, the agent installing it. */
    static String csrKey(String instanceId, int n) {
        return "csr/" + instanceId + "/" + n;
    }

    static String certKey(String instanceId, int n) {
        return "cert/" + instanceId + "/" + n;
    }

    static String installKey(String instanceId, int n) {
        return "install/" + instanceId + "/" + n;
    }

    /**
     * Whether a command id names a certificate step of the agent (ids are
     * {@code tenant/name/generation/<key>}, see Pass#commandId).
     */
    static boolean isCertStep(String commandId) {
        String[] parts = commandId.split("/", 5);
        return parts.length > 3 && (parts[3].equals("csr") || parts[3].equals("install"));
    }

    /** Role changes at an epoch: the agent's PROMOTE, REPLICATE (from the current primary) and FENCE. */
    static String promoteKey(String instanceId, long epoch) {
        return "promote/" + instanceId + "/" + epoch;
    }

    static String replicateKey(String instanceId, long epoch) {
        return "replicate/" + instanceId + "/" + epoch;
    }

    static String fenceKey(String instanceId, long epoch) {
        return "fence/" + instanceId + "/" + epoch;
    }

    /** Whether a command id names a role step (promote, replicate, fence) of the agent. */
    static boolean isRoleStep(String commandId) {
        String[] parts = commandId.split("/", 5);
        return parts.length > 3 && (parts[3].equals("promote") || parts[3].equals("replicate") || parts[3].equals("fence"));
    }

    static String revokeKey(String serial) {
        return "revoke/" + serial;
    }

    /** Drops every in-flight action about an instance that no longer exists. */
    static void forget(ReconcilerState.Builder state, String instanceId) {
        state.removeInFlight(createKey(instanceId));
        state.removeInFlight(deployKey(instanceId));
        state.removeInFlight(agentDestroyKey(instanceId));
        state.removeInFlight(destroyKey(instanceId));
        for (String key : java.util.List.copyOf(state.getInFlightMap().keySet())) {
            if (key.startsWith("csr/" + instanceId + "/") || key.startsWith("cert/" + instanceId + "/")
                    || key.startsWith("install/" + instanceId + "/") || key.startsWith("promote/" + instanceId + "/")
                    || key.startsWith("replicate/" + instanceId + "/") || key.startsWith("fence/" + instanceId + "/")) {
                state.removeInFlight(key);
            }
        }
    }
}
