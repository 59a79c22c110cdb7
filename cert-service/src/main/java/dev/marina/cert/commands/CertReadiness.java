package dev.marina.cert.commands;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready once commands are read and the DNS answers reader is positioned. The ACME server is not
 * part of it: an unreachable one fails single commands (retryable), not the service.
 */
@Readiness
@ApplicationScoped
public class CertReadiness implements HealthCheck {

    @Inject
    CertController controller;

    @Inject
    KafkaChallengeDns dns;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("cert-commands")
                .withData("commands-assigned", controller.assigned())
                .withData("dns-answers-positioned", dns.ready())
                .status(controller.assigned() && dns.ready())
                .build();
    }
}
