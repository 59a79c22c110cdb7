package dev.marina.provisioner;

import dev.marina.provisioner.driver.Instance;
import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.v1.DeploymentRef;
import dev.marina.schemas.v1.InstanceState;
import dev.marina.schemas.v1.ProvisionEvent;
import dev.marina.service.Timestamps;
import java.time.Instant;

/** Builds the {@code provision-events} the provisioner reports. Events caused by no command carry no command id. */
public final class ProvisionEvents {
    private ProvisionEvents() {}

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
