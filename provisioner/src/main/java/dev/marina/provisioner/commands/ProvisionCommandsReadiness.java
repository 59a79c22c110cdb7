package dev.marina.provisioner.commands;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready while the command loop reads {@code provision-commands}: a loop that stopped is not ready. */
@Readiness
@ApplicationScoped
public class ProvisionCommandsReadiness implements HealthCheck {

    @Inject
    ProvisionCommandConsumer commands;

    /** A copy standing by while another leads is ready: it takes over when elected. */
    @Inject
    dev.marina.service.leader.Leadership leadership;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("provision-commands").status(commands.assigned() || (leadership.member() && !leadership.leading())).build();
    }
}
