package dev.marina.healthmonitor;

import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/**
 * Refuses to start with health rules that break {@link HealthSettings}' checks (down-after longer than the
 * primary lease, and so on), at startup rather than when the topology is first built (after the topics exist).
 */
@ApplicationScoped
public class HealthStartupCheck {

    @Inject
    HealthConfig config;

    void onStart(@Observes @Priority(1) StartupEvent event) {
        try {
            new HealthSettings(config.suspectAfter(), config.downAfter(), config.forgetAfter(), config.checkInterval(),
                    config.primaryLease());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("unsafe settings: " + e.getMessage()
                    + " (marina.health.primary-lease defaults to marina.platform.primary-lease, the agents' lease)", e);
        }
    }
}
