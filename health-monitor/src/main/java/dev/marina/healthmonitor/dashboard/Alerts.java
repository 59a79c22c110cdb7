package dev.marina.healthmonitor.dashboard;

import dev.marina.schemas.v1.Condition;
import dev.marina.schemas.v1.DeploymentStatus;
import dev.marina.schemas.v1.Health;
import dev.marina.schemas.v1.InstanceStatus;
import dev.marina.schemas.v1.Phase;
import dev.marina.service.Timestamps;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What counts as an alert on the dashboard: a short chain of named checks over a deployment's status,
 * the freshest health of its instances and the time. Pure.
 */
public final class Alerts {
    private Alerts() {}

    public static final String PHASE_FAILED = "PhaseFailed";
    public static final String PHASE_DEGRADED = "PhaseDegraded";
    public static final String INSTANCE_DOWN = "InstanceDown";
    public static final String INSTANCE_SUSPECT = "InstanceSuspect";
    public static final String CONDITION_FALSE = "ConditionFalse";

    /**
     * Reasons that say "not there yet, by design" rather than "something is wrong": a condition false
     * for one of these is no alert. {@code NotImplementedYet} is intent-service's reason for replicas
     * asked for before high availability exists.
     */
    static final Set<String> QUIET_REASONS = Set.of("NotImplementedYet");

    /**
     * @param status           the deployment's latest status
     * @param health           the freshest health known per instance id (from transitions, else the status)
     * @param now              the time
     * @param conditionAfter   how long a condition must have been false to be an alert
     */
    public static List<Alert> of(DeploymentStatus status, Map<String, Health> health, Instant now, Duration conditionAfter) {
        List<Alert> alerts = new ArrayList<>();
        phase(status).ifPresent(alerts::add);
        for (InstanceStatus instance : status.getInstancesList()) {
            instance(instance.getInstanceId(), health.getOrDefault(instance.getInstanceId(), instance.getHealth()))
                    .ifPresent(alerts::add);
        }
        if (watchesConditions(status.getPhase())) {
            for (Condition condition : status.getConditionsList()) {
                longFalse(condition, now, conditionAfter).ifPresent(alerts::add);
            }
        }
        alerts.sort(Comparator.comparing((Alert a) -> !a.critical()));
        return List.copyOf(alerts);
    }

    static Optional<Alert> phase(DeploymentStatus status) {
        String error = status.getLastError().isEmpty() ? "" : ": " + status.getLastError();
        return switch (status.getPhase()) {
            case PHASE_FAILED -> Optional.of(new Alert(Alert.CRITICAL, PHASE_FAILED, null, "deployment failed" + error, null));
            case PHASE_DEGRADED -> Optional.of(new Alert(Alert.WARNING, PHASE_DEGRADED, null, "deployment degraded" + error, null));
            default -> Optional.empty();
        };
    }

    static Optional<Alert> instance(String id, Health health) {
        return switch (health) {
            case HEALTH_DOWN -> Optional.of(new Alert(Alert.CRITICAL, INSTANCE_DOWN, id, id + " is down", null));
            case HEALTH_SUSPECT -> Optional.of(new Alert(Alert.WARNING, INSTANCE_SUSPECT, id, id + " is suspect", null));
            default -> Optional.empty();
        };
    }

    static Optional<Alert> longFalse(Condition condition, Instant now, Duration after) {
        if (condition.getStatus() || QUIET_REASONS.contains(condition.getReason()) || !condition.hasLastTransitionAt()) {
            return Optional.empty();
        }
        Instant since = Timestamps.toInstant(condition.getLastTransitionAt());
        if (Duration.between(since, now).compareTo(after) < 0) {
            return Optional.empty();
        }
        // The message does not say for how long (the page does, from `since`): an alert stays equal to
        // itself while it holds, so it is sent to browsers once, not at every check.
        String message = condition.getType() + " false: " + condition.getReason()
                + (condition.getMessage().isEmpty() ? "" : " (" + condition.getMessage() + ")");
        return Optional.of(new Alert(Alert.WARNING, CONDITION_FALSE, null, message, since.toEpochMilli()));
    }

    /**
     * Conditions of a deployment on its way out, or paused (its servers stopped on purpose), are expected to fail: no
     * alerts for them. A PAUSED instance raises none either (see {@link #instance}).
     */
    private static boolean watchesConditions(Phase phase) {
        return phase != Phase.PHASE_DELETING && phase != Phase.PHASE_DELETED && phase != Phase.PHASE_PAUSED;
    }
}
