package dev.marina.healthmonitor.dashboard;

import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.v1.Condition;
import dev.marina.schemas.v1.DeploymentStatus;
import dev.marina.schemas.v1.Endpoint;
import dev.marina.schemas.v1.Health;
import dev.marina.schemas.v1.InstanceHealth;
import dev.marina.schemas.v1.InstanceStatus;
import dev.marina.schemas.v1.MetricSample;
import dev.marina.schemas.v1.Phase;
import dev.marina.schemas.v1.Role;
import dev.marina.service.Timestamps;
import java.time.Instant;
import java.util.Map;

/** The records the dashboard folds, as the services write them; shared by the unit tests and the page test. */
public final class Records {
    private Records() {}

    public static final Instant T0 = Instant.parse("2026-11-02T10:00:00Z");

    /** A deployment's status with one primary instance {@code <tenant>-<name>-1} at the given health. */
    public static DeploymentStatus status(String key, Phase phase, Health health, Instant updatedAt) {
        var ref = DeploymentKey.parse(key);
        String instance = instanceOf(key);
        return DeploymentStatus.newBuilder()
                .setDeployment(ref)
                .setPhase(phase)
                .setObservedGeneration(1)
                .addInstances(InstanceStatus.newBuilder().setInstanceId(instance).setRole(Role.ROLE_PRIMARY)
                        .setAddress("127.10.0.7").setHealth(health))
                .addEndpoints(Endpoint.newBuilder().setKind("writer").setHost(ref.getName() + "." + ref.getTenant() + ".marina.test")
                        .setPort(3306).setAddress("127.10.0.7"))
                .addConditions(condition("DatabaseReady", phase == Phase.PHASE_READY, "Running", updatedAt))
                .setUpdatedAt(Timestamps.of(updatedAt))
                .build();
    }

    public static Condition condition(String type, boolean holds, String reason, Instant since) {
        return Condition.newBuilder().setType(type).setStatus(holds).setReason(reason).setMessage(type + " says " + reason)
                .setLastTransitionAt(Timestamps.of(since)).build();
    }

    public static String instanceOf(String key) {
        return key.replace('/', '-') + "-1";
    }

    public static InstanceHealth transition(String key, String instance, Health health, Health previous, Instant detectedAt) {
        return InstanceHealth.newBuilder()
                .setDeployment(DeploymentKey.parse(key))
                .setInstanceId(instance)
                .setHealth(health)
                .setPrevious(previous)
                .setRole(Role.ROLE_PRIMARY)
                .setReason(health == Health.HEALTH_UP ? "heartbeats fresh" : "no heartbeat for 5.0 s")
                .setDetectedAt(Timestamps.of(detectedAt))
                .setLastHeartbeatAt(Timestamps.of(detectedAt))
                .build();
    }

    public static MetricSample sample(String key, String instance, Instant at, double qps, double connections) {
        return MetricSample.newBuilder()
                .setDeployment(DeploymentKey.parse(key))
                .setInstanceId(instance)
                .setSampledAt(Timestamps.of(at))
                .putAllGauges(Map.of(
                        "queries_per_second", qps,
                        "connections", connections,
                        "cpu_percent", 3.5,
                        "memory_bytes", 150.0 * 1024 * 1024,
                        "buffer_pool_hit_ratio", 0.99))
                .putCounters("queries_total", 1000)
                .build();
    }
}
