package dev.marina.healthmonitor.metrics;

import dev.marina.schemas.v1.DeploymentStatus;
import dev.marina.schemas.v1.InstanceStatus;
import dev.marina.schemas.v1.Phase;
import java.util.Collections;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The instances a deployment owns, as its latest {@code deployment-status} lists them, and how many of
 * them are up, suspect, down and paused (stopped on purpose). Samples are accepted only from these instances. The reconciler lists
 * an instance as soon as it creates it, before its agent exists, so a live agent is always listed.
 */
public record Roster(SortedSet<String> instances, int up, int suspect, int down, int paused) {

    public Roster {
        Objects.requireNonNull(instances, "instances");
        instances = Collections.unmodifiableSortedSet(new TreeSet<>(instances));
    }

    /** The roster a status gives, or empty when the deployment is deleted (it owns nothing any more). */
    public static Optional<Roster> of(DeploymentStatus status) {
        if (status.getPhase() == Phase.PHASE_DELETED) {
            return Optional.empty();
        }
        SortedSet<String> ids = new TreeSet<>();
        int up = 0;
        int suspect = 0;
        int down = 0;
        int paused = 0;
        for (InstanceStatus instance : status.getInstancesList()) {
            if (instance.getInstanceId().isBlank()) {
                continue;
            }
            ids.add(instance.getInstanceId());
            switch (instance.getHealth()) {
                case HEALTH_UP -> up++;
                case HEALTH_SUSPECT -> suspect++;
                case HEALTH_DOWN -> down++;
                case HEALTH_PAUSED -> paused++;
                default -> {
                    // not judged yet: listed, counted under no health
                }
            }
        }
        return Optional.of(new Roster(ids, up, suspect, down, paused));
    }

    public boolean owns(String instanceId) {
        return instances.contains(instanceId);
    }
}
