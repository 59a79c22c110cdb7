package dev.marina.intent.config;

import dev.marina.service.PlatformConfig;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/** Refuses to start with settings that break a {@link SafetyRules} rule; the message names the keys and values. */
@ApplicationScoped
public class StartupCheck {

    @Inject
    ReconcilerConfig reconciler;

    @Inject
    PlatformConfig platform;

    void onStart(@Observes @Priority(1) StartupEvent event) {
        SafetyRules.require(SafetyRules.violations(reconciler, platform.primaryLease()));
    }
}
