package dev.marina.healthmonitor;

import static dev.marina.healthmonitor.Fixtures.DEPLOYMENT;
import static dev.marina.healthmonitor.Fixtures.T0;
import static dev.marina.healthmonitor.Fixtures.heartbeat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.schemas.v1.Health;
import java.util.List;
import org.junit.jupiter.api.Test;

class TaskInstancesTest {

    private static InstanceState state(String deployment, String instance, Health health) {
        return new InstanceState(deployment, instance, heartbeat(instance, T0, true, ""), T0, health, "", T0, false);
    }

    private static List<String> ids(List<InstanceState> states) {
        return states.stream().map(InstanceState::instanceId).toList();
    }

    @Test
    void a_deployment_comes_back_whole_in_store_key_order_whatever_the_order_of_writes() {
        TaskInstances instances = new TaskInstances();
        instances.put(state(DEPLOYMENT, "acme-orders-3", Health.HEALTH_UP));
        instances.put(state(DEPLOYMENT, "acme-orders-1", Health.HEALTH_UP));
        instances.put(state("acme/search", "acme-search-1", Health.HEALTH_UP));
        instances.put(state(DEPLOYMENT, "acme-orders-2", Health.HEALTH_UP));

        assertEquals(List.of("acme-orders-1", "acme-orders-2", "acme-orders-3"), ids(instances.of(DEPLOYMENT)));
        assertEquals(List.of("acme-search-1"), ids(instances.of("acme/search")));
        assertEquals(4, instances.size());
    }

    @Test
    void a_write_of_a_known_instance_replaces_it_and_a_deletion_forgets_it() {
        TaskInstances instances = new TaskInstances();
        instances.put(state(DEPLOYMENT, "acme-orders-1", Health.HEALTH_UP));
        instances.put(state(DEPLOYMENT, "acme-orders-1", Health.HEALTH_DOWN));
        assertEquals(1, instances.size());
        assertEquals(Health.HEALTH_DOWN, instances.of(DEPLOYMENT).get(0).health());

        instances.remove(state(DEPLOYMENT, "acme-orders-1", Health.HEALTH_DOWN));
        instances.remove(state(DEPLOYMENT, "acme-orders-1", Health.HEALTH_DOWN)); // twice: nothing more
        assertEquals(0, instances.size());
        assertTrue(instances.of(DEPLOYMENT).isEmpty());
        assertTrue(instances.deploymentKeys().isEmpty(), "a deployment with no instance left is not kept");
    }

    @Test
    void what_a_caller_does_with_the_list_it_got_does_not_change_what_is_held() {
        TaskInstances instances = new TaskInstances();
        instances.put(state(DEPLOYMENT, "acme-orders-1", Health.HEALTH_UP));
        instances.of(DEPLOYMENT).clear();
        assertEquals(1, instances.of(DEPLOYMENT).size());
    }

    @Test
    void an_unknown_deployment_has_no_instances() {
        assertTrue(new TaskInstances().of("acme/none").isEmpty());
    }
}
