package dev.marina.intent.reconcile;

import dev.marina.schemas.v1.DeploymentStatus;
import dev.marina.schemas.v1.ReconcilerState;
import java.util.List;
import java.util.Optional;

/**
 * The outcome of one planning pass.
 *
 * @param next     the state to store (in-flight actions recorded, status remembered)
 * @param sends    commands and records to send now
 * @param status   the status to publish, present only when it changed
 * @param purge    the deployment is gone: publish its last status, then tombstone its intent,
 *                 status and reconciler state
 */
public record PlanResult(ReconcilerState next, List<Send<?>> sends, Optional<DeploymentStatus> status, boolean purge) {}
