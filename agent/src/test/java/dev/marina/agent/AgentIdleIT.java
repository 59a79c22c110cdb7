package dev.marina.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.marina.service.PlatformConfig;
import dev.marina.testkit.KafkaTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

/** Without an instance (no MARINA_INSTANCE_* in the environment) the agent starts, but runs nothing. */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
class AgentIdleIT {

    @Inject
    AgentLifecycle lifecycle;

    @Inject
    AgentConfig config;

    @Inject
    PlatformConfig platform;

    @Test
    void runs_idle_when_no_instance_is_configured() {
        assertFalse(lifecycle.hasInstance());
    }

    @Test
    void the_lease_is_the_platforms_primary_lease() {
        assertEquals(platform.primaryLease(), config.lease());
    }
}
