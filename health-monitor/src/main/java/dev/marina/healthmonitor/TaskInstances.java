package dev.marina.healthmonitor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * One task's stored instances, in memory and grouped by deployment: what the store holds, read without a
 * RocksDB prefix scan and a decode of every instance of the deployment on each heartbeat.
 *
 * <p>The store stays the record (changelogged, restored on takeover); this is derived from it: filled from the
 * store when the task starts, then changed only beside each write of the store ({@link #put}, {@link #remove}), by
 * the one processor that writes it. Instances of a deployment come back in store-key order, as the prefix scan
 * returned them (keys are ASCII: deployment keys and instance ids are validated), so the rules see the same list.
 * Not thread-safe: one stream task owns it.
 */
final class TaskInstances {

    /** Per deployment key, its instances by store key. */
    private final Map<String, TreeMap<String, InstanceState>> byDeployment = new HashMap<>();
    private int size;

    /** Every stored instance of the deployment, in store-key order; empty when it has none. */
    List<InstanceState> of(String deploymentKey) {
        TreeMap<String, InstanceState> instances = byDeployment.get(deploymentKey);
        return instances == null ? new ArrayList<>(0) : new ArrayList<>(instances.values());
    }

    /** The store was written this state. */
    void put(InstanceState state) {
        InstanceState previous = byDeployment.computeIfAbsent(state.deploymentKey(), key -> new TreeMap<>())
                .put(state.storeKey(), state);
        if (previous == null) {
            size++;
        }
    }

    /** The store's entry of this state was deleted. */
    void remove(InstanceState state) {
        TreeMap<String, InstanceState> instances = byDeployment.get(state.deploymentKey());
        if (instances == null || instances.remove(state.storeKey()) == null) {
            return;
        }
        size--;
        if (instances.isEmpty()) {
            byDeployment.remove(state.deploymentKey());
        }
    }

    void clear() {
        byDeployment.clear();
        size = 0;
    }

    /** Instances held. */
    int size() {
        return size;
    }

    /** Deployments with at least one instance. */
    Set<String> deploymentKeys() {
        return byDeployment.keySet();
    }
}
