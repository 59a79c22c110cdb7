package dev.marina.dns.commands;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready once the controller has read every wish that existed at its start (before that, a drift check would be blind),
 * or, on a copy standing by while another leads, once it takes part in the election.
 */
@Readiness
@ApplicationScoped
public class DnsControllerReadiness implements HealthCheck {

    @Inject
    DnsController controller;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("dns-commands caught up").status(controller.caughtUp() || controller.standingBy()).build();
    }
}
