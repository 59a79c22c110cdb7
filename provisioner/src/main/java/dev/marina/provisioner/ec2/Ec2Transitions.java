package dev.marina.provisioner.ec2;

import dev.marina.provisioner.driver.Instance;
import dev.marina.schemas.v1.InstanceState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which provision events an observation of EC2 states makes, against the previous one. Pure. Only changes are
 * reported, and only those nobody asked for (no command id, no action): a host that became running (RUNNING), was
 * stopped outside the platform (FAILED, with the EC2 state as reason) or vanished (terminated outside the platform:
 * DESTROYED). The first observation after start is the baseline and reports nothing; the reconciler's resync covers
 * what happened while the provisioner was away.
 */
public final class Ec2Transitions {

    /** One event to emit. */
    public record Change(Instance instance, InstanceState state, Optional<String> reason) {}

    private Ec2Transitions() {}

    /**
     * @param previous the platform state of each instance at the previous observation (instance id → state); empty
     *                 before the first
     * @param current  what EC2 shows now
     */
    public static List<Change> changes(Optional<Map<String, InstanceState>> previous, List<Ec2Driver.Observed> current,
            Map<String, Instance> previousInstances) {
        if (previous.isEmpty()) {
            return List.of();
        }
        List<Change> changes = new ArrayList<>();
        Map<String, InstanceState> now = states(current);
        for (Ec2Driver.Observed observed : current) {
            String id = observed.instance().instanceId();
            InstanceState state = now.get(id);
            InstanceState before = previous.get().get(id);
            if (state == before) {
                continue;
            }
            if (state == InstanceState.INSTANCE_STATE_RUNNING && !observed.instance().address().isEmpty()) {
                changes.add(new Change(observed.instance(), state, Optional.empty()));
            } else if (state == InstanceState.INSTANCE_STATE_FAILED) {
                changes.add(new Change(observed.instance(), state, Ec2States.reason(observed.ec2State())));
            }
        }
        for (Map.Entry<String, InstanceState> gone : previous.get().entrySet()) {
            if (!now.containsKey(gone.getKey()) && previousInstances.containsKey(gone.getKey())) {
                changes.add(new Change(previousInstances.get(gone.getKey()), InstanceState.INSTANCE_STATE_DESTROYED,
                        Optional.empty()));
            }
        }
        return changes;
    }

    /** The platform state of each observed instance. */
    public static Map<String, InstanceState> states(List<Ec2Driver.Observed> observed) {
        Map<String, InstanceState> states = new HashMap<>();
        observed.forEach(o -> states.put(o.instance().instanceId(), Ec2States.map(o.ec2State())));
        return states;
    }
}
