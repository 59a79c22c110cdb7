package dev.marina.provisioner.commands;

import dev.marina.provisioner.driver.InstanceIds;
import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.v1.ProvisionCommand;
import dev.marina.schemas.v1.ProvisionOp;
import java.util.Optional;

/**
 * Whether a decoded command can be carried out and answered at all. One that cannot (no deployment to
 * key the answer by, no usable instance id, no operation) goes to {@code dead-letters} with the reason.
 */
final class CommandCheck {
    private CommandCheck() {}

    static Optional<String> problem(ProvisionCommand command) {
        if (command.getDeployment().getTenant().isEmpty() || command.getDeployment().getName().isEmpty()) {
            return Optional.of("deployment (tenant and name) is missing");
        }
        try {
            DeploymentKey.parse(DeploymentKey.of(command.getDeployment()));
        } catch (IllegalArgumentException e) {
            return Optional.of(e.getMessage());
        }
        Optional<String> instanceProblem = InstanceIds.problem(command.getInstanceId());
        if (instanceProblem.isPresent()) {
            return instanceProblem;
        }
        if (command.getOp() != ProvisionOp.PROVISION_OP_CREATE && command.getOp() != ProvisionOp.PROVISION_OP_DESTROY) {
            return Optional.of("op must be PROVISION_OP_CREATE or PROVISION_OP_DESTROY, got " + command.getOp());
        }
        return Optional.empty();
    }
}
