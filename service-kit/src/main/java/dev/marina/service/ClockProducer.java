package dev.marina.service;

import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;

/**
 * The one {@link Clock} every service injects wherever time decides something (timeouts, backoff,
 * renewals, stamps on events): the system clock in UTC. A default bean, so a service or a test that
 * produces its own clock replaces it.
 */
@Singleton
public class ClockProducer {
    @Produces
    @Singleton
    @DefaultBean
    Clock clock() {
        return Clock.systemUTC();
    }
}
