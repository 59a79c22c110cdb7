package dev.marina.healthmonitor.metrics;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What the window store keeps per deployment and window: each instance's folded samples. The
 * deployment-wide figures are computed from these when a record is emitted, so they never drift from
 * the instances' ones. The instances are only those the deployment's status lists, so the map is as
 * small as the deployment.
 */
public record WindowAggregate(Map<String, InstanceWindow> instances) {

    public static final WindowAggregate EMPTY = new WindowAggregate(Map.of());

    public WindowAggregate {
        Objects.requireNonNull(instances, "instances");
        instances = Collections.unmodifiableMap(new TreeMap<>(instances));
    }

    public InstanceWindow instance(String instanceId) {
        return instances.get(instanceId);
    }

    public WindowAggregate with(String instanceId, InstanceWindow window) {
        Map<String, InstanceWindow> updated = new TreeMap<>(instances);
        updated.put(instanceId, window);
        return new WindowAggregate(updated);
    }
}
