package dev.marina.healthmonitor;

import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.v1.Health;
import dev.marina.schemas.v1.Heartbeat;
import dev.marina.schemas.v1.InstanceHealth;
import dev.marina.schemas.v1.ReplicaReport;
import dev.marina.schemas.v1.Role;
import dev.marina.service.Timestamps;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What the monitor remembers about one instance, in the state store.
 *
 * @param deploymentKey    {@code "<tenant>/<name>"}, the record key of the heartbeats
 * @param instanceId       the instance
 * @param latest           the newest heartbeat seen: what the agent last said (role, GTID position,
 *                         replication, fencing, …); older ones are ignored
 * @param lastHeardAt      the last sign of life on the monitor's clock: when a timely heartbeat
 *                         arrived, or when a late one was sent (see {@link HealthRules})
 * @param health           current health; UNSPECIFIED until the first judgement
 * @param reason           why the instance has that health
 * @param lastTransitionAt when the current health was detected (for a PAUSED instance that is resuming: when the
 *                         resume was heard of)
 * @param heldByReplicas   a silent primary kept SUSPECT, not DOWN, because replicas still replicate from it
 */
public record InstanceState(
        String deploymentKey,
        String instanceId,
        Heartbeat latest,
        Instant lastHeardAt,
        Health health,
        String reason,
        Instant lastTransitionAt,
        boolean heldByReplicas) {

    public InstanceState {
        Objects.requireNonNull(deploymentKey, "deploymentKey");
        Objects.requireNonNull(instanceId, "instanceId");
        Objects.requireNonNull(latest, "latest");
        Objects.requireNonNull(lastHeardAt, "lastHeardAt");
        Objects.requireNonNull(health, "health");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(lastTransitionAt, "lastTransitionAt");
    }

    /** The store key: deployment key plus instance id, so two deployments never share an entry. */
    public static String storeKey(String deploymentKey, String instanceId) {
        return storeKeyPrefix(deploymentKey) + instanceId;
    }

    /** What the store keys of every instance of a deployment begin with. */
    public static String storeKeyPrefix(String deploymentKey) {
        return deploymentKey + "/";
    }

    public String storeKey() {
        return storeKey(deploymentKey, instanceId);
    }

    /** An instance heard of for the first time; its health is judged right after. */
    public static InstanceState first(String deploymentKey, Heartbeat heartbeat, Instant heardAt) {
        return new InstanceState(deploymentKey, heartbeat.getInstanceId(), heartbeat, heardAt,
                Health.HEALTH_UNSPECIFIED, "", heardAt, false);
    }

    /** The facts of a newer heartbeat; health stays as it was until judged. */
    public InstanceState withHeartbeat(Heartbeat heartbeat, Instant heardAt) {
        return new InstanceState(deploymentKey, instanceId, heartbeat, heardAt, health, reason, lastTransitionAt,
                heldByReplicas);
    }

    public InstanceState withHealth(Health newHealth, String newReason, Instant since, boolean held) {
        return new InstanceState(deploymentKey, instanceId, latest, lastHeardAt, newHealth, newReason, since, held);
    }

    /** {@code sent_at} of the newest heartbeat. */
    public Instant lastSentAt() {
        return Timestamps.toInstant(latest.getSentAt());
    }

    /** The role in the newest heartbeat; one this build does not know (a newer agent) reads as "not said". */
    public Role role() {
        Role role = Role.forNumber(latest.getRoleValue());
        return role == null ? Role.ROLE_UNSPECIFIED : role;
    }

    public boolean isPrimary() {
        return role() == Role.ROLE_PRIMARY;
    }

    public boolean isReplica() {
        return role() == Role.ROLE_REPLICA;
    }

    /**
     * The {@code instance-health} record announcing this state, reached from {@code previous} (equal to the
     * health when only facts changed), with what the replicas say when this is a primary.
     */
    public InstanceHealth announce(Health previous, Instant detectedAt, Replicas replicas) {
        InstanceHealth.Builder record = InstanceHealth.newBuilder()
                .setDeployment(DeploymentKey.parse(deploymentKey))
                .setInstanceId(instanceId)
                .setHealth(health)
                .setPrevious(previous)
                .setRole(role())
                .setReason(reason)
                .setDetectedAt(Timestamps.of(detectedAt))
                .setLastHeartbeatAt(latest.getSentAt())
                .setGtidPosition(latest.getGtidPosition())
                .setEpoch(latest.getEpoch())
                .setReadOnly(latest.getReadOnly())
                .setReplicationLagMs(latest.getReplicationLagMs())
                .setReplicationSource(latest.getReplicationSource())
                .setReplicationError(latest.getReplicationError())
                .setReplicationFaultValue(latest.getReplicationFaultValue())
                .setReplicationConnected(latest.getReplicationConnected())
                .setSemiSyncReplicasConnected(latest.getSemiSyncReplicasConnected())
                .setCommitsWaiting(latest.getCommitsWaiting())
                .setSemiSyncWaitValue(latest.getSemiSyncWaitValue());
        if (replicas != null) {
            record.setReplicasConnected(replicas.connected())
                    .setReplicasReporting(replicas.reporting())
                    .addAllReplicas(replicas.reports());
        }
        return record.build();
    }

    /**
     * What a deployment's replicas say about one primary.
     *
     * @param connected replicas with fresh heartbeats that replicate from it and heard from it lately
     * @param reporting replicas with fresh heartbeats
     * @param silent    replicas whose heartbeats are not fresh: their reports do not count
     * @param reports   the latest report of every replica, fresh or not
     */
    public record Replicas(int connected, int reporting, int silent, List<ReplicaReport> reports) {
        public Replicas {
            reports = List.copyOf(reports);
        }
    }
}
