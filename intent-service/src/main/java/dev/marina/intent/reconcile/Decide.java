package dev.marina.intent.reconcile;

import dev.marina.schemas.v1.InstancePlan;
import dev.marina.schemas.v1.ObservedInstance;
import dev.marina.schemas.v1.ReconcilerState;
import dev.marina.schemas.v1.Role;
import java.util.function.UnaryOperator;

/**
 * The planner's only ways to change an instance's {@link InstancePlan}. Planner steps call these; the
 * observe step never does (ObserveTest checks that it leaves every plan as it found it).
 */
final class Decide {
    private Decide() {}

    /** The deployment no longer wants this instance; {@code reason} (may be empty) shows in the status. */
    static void retire(ReconcilerState.Builder state, ObservedInstance instance, String reason) {
        plan(state, instance, p -> p.setRetiring(true).setRetireReason(reason));
    }

    static void role(ReconcilerState.Builder state, ObservedInstance instance, Role role) {
        plan(state, instance, p -> p.setRole(role));
    }

    private static void plan(ReconcilerState.Builder state, ObservedInstance instance,
            UnaryOperator<InstancePlan.Builder> change) {
        ObservedInstance current = state.getInstancesMap().getOrDefault(instance.getInstanceId(), instance);
        state.putInstances(current.getInstanceId(), current.toBuilder()
                .setPlan(change.apply(current.getPlan().toBuilder())).build());
    }
}
