package dev.marina.agent;

import static org.junit.jupiter.api.Assertions.assertFalse;

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

    @Test
    void runs_idle_when_no_instance_is_configured() {
        assertFalse(lifecycle.hasInstance());
    }
}
