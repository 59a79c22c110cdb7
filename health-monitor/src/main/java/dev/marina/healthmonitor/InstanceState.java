package dev.marina.healthmonitor;

import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.v1.Health;
import dev.marina.schemas.v1.Heartbeat;
import dev.marina.schemas.v1.InstanceHealth;
import dev.marina.schemas.v1.Role;
import dev.marina.service.Timestamps;
import java.time.Instant;
import java.util.Objects;

/**
 * What the monitor remembers about one instance, in the state store.
 *
 * @param deploymentKey     {@code "<tenant>/<name>"}, the record key of the heartbeats
 * @param instanceId        the instance
 * @param role              role in the last heartbeat
 * @param gtidPosition      GTID position in the last heartbeat
 * @param databaseReachable whether the last heartbeat could reach the database
 * @param databaseError     why not, when it could not
 * @param lastHeardAt       the last sign of life on the monitor's clock: when a timely heartbeat
 *                          arrived, or when a late one was sent (see {@link HealthRules})
 * @param lastSentAt        {@code sent_at} of the newest heartbeat seen; older ones are ignored
 * @param health            current health; UNSPECIFIED until the first judgement
 * @param reason            why the instance has that health
 * @param lastTransitionAt  when the current health was detected
 */
public record InstanceState(
        String deploymentKey,
        String instanceId,
        Role role,
        String gtidPosition,
        boolean databaseReachable,
        String databaseError,
        Instant lastHeardAt,
        Instant lastSentAt,
        Health health,
        String reason,
        Instant lastTransitionAt) {

    public InstanceState {
        Objects.requireNonNull(deploymentKey, "deploymentKey");
        Objects.requireNonNull(instanceId, "instanceId");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(gtidPosition, "gtidPosition");
        Objects.requireNonNull(databaseError, "databaseError");
        Objects.requireNonNull(lastHeardAt, "lastHeardAt");
        Objects.requireNonNull(lastSentAt, "lastSentAt");
        Objects.requireNonNull(health, "health");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(lastTransitionAt, "lastTransitionAt");
    }

    /** The store key: deployment key plus instance id, so two deployments never share an entry. */
    public static String storeKey(String deploymentKey, String instanceId) {
        return deploymentKey + "/" + instanceId;
    }

    public String storeKey() {
        return storeKey(deploymentKey, instanceId);
    }

    /** An instance heard of for the first time; its health is judged right after. */
    public static InstanceState first(String deploymentKey, Heartbeat heartbeat, Instant heardAt) {
        return new InstanceState(deploymentKey, heartbeat.getInstanceId(), Role.ROLE_UNSPECIFIED, "", false, "",
                heardAt, Instant.EPOCH, Health.HEALTH_UNSPECIFIED, "", heardAt)
                .withHeartbeat(heartbeat, heardAt);
    }

    /** The facts of a newer heartbeat; health stays as it was until judged. */
    public InstanceState withHeartbeat(Heartbeat heartbeat, Instant heardAt) {
        return new InstanceState(deploymentKey, instanceId, roleOf(heartbeat), heartbeat.getGtidPosition(),
                heartbeat.getDatabaseReachable(), heartbeat.getDatabaseError(), heardAt,
                Timestamps.toInstant(heartbeat.getSentAt()), health, reason, lastTransitionAt);
    }

    public InstanceState withHealth(Health newHealth, String newReason, Instant detectedAt) {
        return new InstanceState(deploymentKey, instanceId, role, gtidPosition, databaseReachable, databaseError,
                lastHeardAt, lastSentAt, newHealth, newReason, detectedAt);
    }

    /** The {@code instance-health} record announcing this state's health, reached from {@code previous}. */
    public InstanceHealth announce(Health previous) {
        return InstanceHealth.newBuilder()
                .setDeployment(DeploymentKey.parse(deploymentKey))
                .setInstanceId(instanceId)
                .setHealth(health)
                .setPrevious(previous)
                .setRole(role)
                .setReason(reason)
                .setDetectedAt(Timestamps.of(lastTransitionAt))
                .setLastHeartbeatAt(Timestamps.of(lastSentAt))
                .setGtidPosition(gtidPosition)
                .build();
    }

    /** A role this build does not know (a newer agent) reads as "not said", never as a wrong role. */
    private static Role roleOf(Heartbeat heartbeat) {
        Role role = Role.forNumber(heartbeat.getRoleValue());
        return role == null ? Role.ROLE_UNSPECIFIED : role;
    }
}
