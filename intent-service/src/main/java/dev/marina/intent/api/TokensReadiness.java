package dev.marina.intent.api;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Not ready until every token on {@code api-tokens} is known: a token made before a restart must work after it. */
@Readiness
@ApplicationScoped
public class TokensReadiness implements HealthCheck {
    @Inject
    TokenStore tokens;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("api-tokens").status(tokens.caughtUp()).withData("problem", tokens.problem()).build();
    }
}
