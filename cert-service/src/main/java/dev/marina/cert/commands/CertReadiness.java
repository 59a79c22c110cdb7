package dev.marina.cert.commands;

import dev.marina.cert.names.DeploymentNames;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready once commands are read, the DNS answers reader is positioned and the deployments' declared
 * names are read (a certificate is signed only for names its deployment owns). The ACME server is not
 * part of it: an unreachable one fails single commands (retryable), not the service.
 */
@Readiness
@ApplicationScoped
public class CertReadiness implements HealthCheck {

    @Inject
    CertController controller;

    @Inject
    KafkaChallengeDns dns;

    @Inject
    DeploymentNames names;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("cert-commands")
                .withData("commands-assigned", controller.assigned())
                .withData("standing-by", controller.standingBy())
                .withData("dns-answers-positioned", dns.ready())
                .withData("deployment-names-read", names.caughtUp())
                .status((controller.assigned() || controller.standingBy()) && dns.ready() && names.caughtUp())
                .build();
    }
}
