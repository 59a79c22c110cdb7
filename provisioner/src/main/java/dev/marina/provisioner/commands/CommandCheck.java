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
        return problem(DeploymentKey.of(command.getDeployment()), command);
    }

    /** As {@link #problem(ProvisionCommand)}, and the record key must be the command's deployment. */
    static Optional<String> problem(String key, ProvisionCommand command) {
        if (command.getDeployment().getTenant().isEmpty() || command.getDeployment().getName().isEmpty()) {
            return Optional.of("deployment (tenant and name) is missing");
        }
        try {
            DeploymentKey.parse(DeploymentKey.of(command.getDeployment()));
        } catch (IllegalArgumentException e) {
            return Optional.of(e.getMessage());
        }
        if (!DeploymentKey.of(command.getDeployment()).equals(key)) {
            // another key puts the command on another partition, out of order with its deployment's others
            return Optional.of("key \"" + shortKey(key) + "\" is not the command's deployment "
                    + DeploymentKey.of(command.getDeployment()));
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

    private static String shortKey(String key) {
        return key.length() <= 64 ? key : key.substring(0, 64) + "…(" + key.length() + " chars)";
    }
}
