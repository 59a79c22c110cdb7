package dev.marina.provisioner.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.schemas.v1.DeploymentRef;
import dev.marina.schemas.v1.ProvisionCommand;
import dev.marina.schemas.v1.ProvisionOp;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CommandCheckTest {

    private static final ProvisionCommand GOOD = ProvisionCommand.newBuilder()
            .setCommandId("acme/orders/1/create/acme-orders-1")
            .setDeployment(DeploymentRef.newBuilder().setTenant("acme").setName("orders"))
            .setInstanceId("acme-orders-1")
            .setOp(ProvisionOp.PROVISION_OP_CREATE)
            .build();

    private static String problem(ProvisionCommand command) {
        return CommandCheck.problem(command).orElse("");
    }

    @Test
    void accepts_a_complete_command() {
        assertEquals(Optional.empty(), CommandCheck.problem(GOOD));
        assertEquals(Optional.empty(), CommandCheck.problem(GOOD.toBuilder().setOp(ProvisionOp.PROVISION_OP_DESTROY).build()));
    }

    @Test
    void refuses_a_command_without_a_deployment_to_answer_to() {
        assertTrue(problem(GOOD.toBuilder().clearDeployment().build()).contains("deployment"));
        assertTrue(problem(GOOD.toBuilder().setDeployment(DeploymentRef.newBuilder().setTenant("a/b").setName("c")).build())
                .contains("deployment key"));
    }

    @Test
    void refuses_instance_ids_that_could_leave_the_instances_folder() {
        assertTrue(problem(GOOD.toBuilder().clearInstanceId().build()).contains("instance_id is missing"));
        assertTrue(problem(GOOD.toBuilder().setInstanceId("../etc").build()).contains("instance_id"));
        assertTrue(problem(GOOD.toBuilder().setInstanceId("a/b").build()).contains("instance_id"));
    }

    @Test
    void refuses_a_command_without_an_operation() {
        assertTrue(problem(GOOD.toBuilder().setOp(ProvisionOp.PROVISION_OP_UNSPECIFIED).build()).contains("op must be"));
    }
}
