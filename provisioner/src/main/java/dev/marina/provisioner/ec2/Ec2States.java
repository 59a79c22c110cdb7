package dev.marina.provisioner.ec2;

import dev.marina.schemas.v1.InstanceState;
import java.util.Optional;

/**
 * EC2 instance states onto the platform's instance states. Pure.
 *
 * <table>
 *   <tr><th>EC2</th><th>platform</th><th>why</th></tr>
 *   <tr><td>pending</td><td>CREATING</td><td>launched, not yet running</td></tr>
 *   <tr><td>running</td><td>RUNNING</td><td>the host runs (its agent reports the database)</td></tr>
 *   <tr><td>stopping, stopped</td><td>FAILED</td><td>the platform never stops hosts: stopped outside it, the database is
 *       down until someone starts it</td></tr>
 *   <tr><td>shutting-down, terminated</td><td>DESTROYED</td><td>gone, or going (a terminate cannot be undone)</td></tr>
 * </table>
 */
public final class Ec2States {

    private Ec2States() {}

    public static InstanceState map(String ec2State) {
        switch (ec2State) {
            case "pending":
                return InstanceState.INSTANCE_STATE_CREATING;
            case "running":
                return InstanceState.INSTANCE_STATE_RUNNING;
            case "stopping":
            case "stopped":
                return InstanceState.INSTANCE_STATE_FAILED;
            case "shutting-down":
            case "terminated":
                return InstanceState.INSTANCE_STATE_DESTROYED;
            default:
                return InstanceState.INSTANCE_STATE_UNSPECIFIED;
        }
    }

    /** Whether the host still exists as an instance of the platform (describe and list show it). */
    public static boolean exists(String ec2State) {
        InstanceState state = map(ec2State);
        return state != InstanceState.INSTANCE_STATE_DESTROYED && state != InstanceState.INSTANCE_STATE_UNSPECIFIED;
    }

    /** The reason a FAILED state carries. */
    public static Optional<String> reason(String ec2State) {
        return map(ec2State) == InstanceState.INSTANCE_STATE_FAILED
                ? Optional.of("the EC2 instance is " + ec2State + " (stopped outside the platform)")
                : Optional.empty();
    }

    /** The states DescribeInstances is filtered by to list existing hosts. */
    public static final java.util.List<String> EXISTING = java.util.List.of("pending", "running", "stopping", "stopped");
}
