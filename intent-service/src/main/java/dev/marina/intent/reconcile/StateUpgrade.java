package dev.marina.intent.reconcile;

import dev.marina.schemas.v1.InstancePlan;
import dev.marina.schemas.v1.ObservedInstance;
import dev.marina.schemas.v1.ReconcilerState;

/**
 * Brings a reconciler state stored by an older version to the current shape, once, when it is loaded.
 * Pure. A state already current comes back as the same object.
 *
 * <ul>
 *   <li>An instance stored before {@code ObservedInstance.plan} carried the planner's decisions (role,
 *       retiring, requested-at, served-at) among the observed fields: they move into its plan.</li>
 *   <li>In-flight actions stored before the typed ledger are dropped ({@link Ledger#dropUntyped}).</li>
 *   <li>A state stored before autoscaling and pauses has neither {@code autoscale} nor {@code pause}: absent reads as
 *       nothing added and running (not paused), which is what it was; nothing needs moving.</li>
 * </ul>
 */
public final class StateUpgrade {
    private StateUpgrade() {}

    public static ReconcilerState of(ReconcilerState stored) {
        ReconcilerState state = Ledger.dropUntyped(stored);
        if (state.getInstancesMap().values().stream().allMatch(ObservedInstance::hasPlan)) {
            return state;
        }
        ReconcilerState.Builder next = state.toBuilder();
        for (ObservedInstance i : state.getInstancesMap().values()) {
            if (!i.hasPlan()) {
                next.putInstances(i.getInstanceId(), withPlan(i));
            }
        }
        return next.build();
    }

    private static ObservedInstance withPlan(ObservedInstance old) {
        InstancePlan.Builder plan = InstancePlan.newBuilder().setRole(old.getRole()).setRetiring(old.getRetiring());
        if (old.hasRequestedAt()) {
            plan.setRequestedAt(old.getRequestedAt());
        }
        if (old.hasServedAt()) {
            plan.setServedAt(old.getServedAt());
        }
        return old.toBuilder().setPlan(plan).clearRole().clearRetiring().clearRequestedAt().clearServedAt().build();
    }
}
