package dev.marina.provisioner.reaping;

import dev.marina.provisioner.driver.Instance;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Decides which instances are orphans: instances the platform no longer wants but nobody destroyed
 * (a missed DESTROY, a CREATE replayed after the deployment was deleted). Pure; the guards come
 * first, because reaping a wanted instance destroys a database:
 * <ol>
 *   <li>nothing is reaped before {@code deployment-status} was read to its end once (an empty or
 *       half-read topic proves nothing);</li>
 *   <li>nothing younger than the grace period (the reconciler may not have listed it yet);</li>
 *   <li>nothing of a deployment without any status (unknown is not "unwanted").</li>
 * </ol>
 * An instance is then an orphan when its deployment's status was tombstoned, or when the latest
 * status does not list it.
 */
public final class OrphanRule {

    /** Reason codes, for logs. */
    public static final String DEPLOYMENT_DELETED = "DeploymentDeleted";
    public static final String NOT_IN_STATUS = "NotInStatus";

    /** An instance to reap, and why. */
    public record Orphan(Instance instance, String reason) {}

    private OrphanRule() {}

    public static List<Orphan> orphans(List<Instance> instances, Map<String, StatusFact> latestStatus,
            boolean statusReadToEnd, Instant now, Duration grace) {
        if (!statusReadToEnd) {
            return List.of();
        }
        List<Orphan> orphans = new ArrayList<>();
        for (Instance instance : instances) {
            if (now.isBefore(instance.createdAt().plus(grace))) {
                continue;
            }
            reasonToReap(instance, latestStatus.get(instance.deployment()))
                    .ifPresent(reason -> orphans.add(new Orphan(instance, reason)));
        }
        return orphans;
    }

    private static Optional<String> reasonToReap(Instance instance, StatusFact status) {
        if (status instanceof StatusFact.Tombstoned) {
            return Optional.of(DEPLOYMENT_DELETED);
        }
        if (status instanceof StatusFact.Listed listed && !listed.instanceIds().contains(instance.instanceId())) {
            return Optional.of(NOT_IN_STATUS);
        }
        return Optional.empty();
    }
}
