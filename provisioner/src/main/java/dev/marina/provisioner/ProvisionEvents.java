package dev.marina.provisioner;

import dev.marina.provisioner.driver.Instance;
import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.v1.DeploymentRef;
import dev.marina.schemas.v1.InstanceState;
import dev.marina.schemas.v1.ProvisionCommand;
import dev.marina.schemas.v1.ProvisionEvent;
import dev.marina.service.Timestamps;
import java.time.Instant;

/**
 * Builds the {@code provision-events} the provisioner reports. Events caused by no command (a restart
 * the supervisor made, an orphan reaped) carry no command id and no action: the contract keeps the
 * action for answers, so the reconciler never takes something seen unasked for the end of an action
 * it waits for.
 */
public final class ProvisionEvents {
    private ProvisionEvents() {}

    /** The answer to a CREATE or DESTROY: the command's action echoed (the reconciler matches answers to actions by value). */
    public static ProvisionEvent answering(ProvisionCommand command, ProvisionEvent event) {
        return command.hasAction() ? event.toBuilder().setAction(command.getAction()).build() : event;
    }

    public static ProvisionEvent running(String commandId, Instance instance, Instant now) {
        return of(commandId, instance, InstanceState.INSTANCE_STATE_RUNNING, now);
    }

    public static ProvisionEvent restarting(Instance instance, Instant now) {
        return of("", instance, InstanceState.INSTANCE_STATE_RESTARTING, now);
    }

    public static ProvisionEvent destroyed(String commandId, DeploymentRef deployment, String instanceId, Instant now) {
        return ProvisionEvent.newBuilder()
                .setCommandId(commandId)
                .setDeployment(deployment)
                .setInstanceId(instanceId)
                .setState(InstanceState.INSTANCE_STATE_DESTROYED)
                .setObservedAt(Timestamps.of(now))
                .build();
    }

    public static ProvisionEvent failed(String commandId, DeploymentRef deployment, String instanceId, String reason,
            Instant now) {
        return ProvisionEvent.newBuilder()
                .setCommandId(commandId)
                .setDeployment(deployment)
                .setInstanceId(instanceId)
                .setState(InstanceState.INSTANCE_STATE_FAILED)
                .setReason(reason)
                .setObservedAt(Timestamps.of(now))
                .build();
    }

    private static ProvisionEvent of(String commandId, Instance instance, InstanceState state, Instant now) {
        return ProvisionEvent.newBuilder()
                .setCommandId(commandId)
                .setDeployment(DeploymentKey.parse(instance.deployment()))
                .setInstanceId(instance.instanceId())
                .setState(state)
                .setAddress(instance.address())
                .setObservedAt(Timestamps.of(now))
                .build();
    }
}
