package dev.marina.intent.views;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** The API answers reads from the views: not ready until they have caught up with the topics. */
@Readiness
@ApplicationScoped
public class ViewsReadiness implements HealthCheck {
    @Inject
    DeploymentViews views;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("deployment-views").status(views.caughtUp())
                .withData("problem", views.problem()).build();
    }
}
