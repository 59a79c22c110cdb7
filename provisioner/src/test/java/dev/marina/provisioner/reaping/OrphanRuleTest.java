package dev.marina.provisioner.reaping;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.marina.provisioner.driver.Instance;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OrphanRuleTest {

    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private static final Duration GRACE = Duration.ofSeconds(60);
    private static final Instance OLD_ORDERS_1 = instance("acme-orders-1", "acme/orders", NOW.minusSeconds(600));
    private static final Instance OLD_ORDERS_2 = instance("acme-orders-2", "acme/orders", NOW.minusSeconds(600));
    private static final Instance NEW_ORDERS_3 = instance("acme-orders-3", "acme/orders", NOW.minusSeconds(10));
    private static final Instance OLD_SHOP_1 = instance("acme-shop-1", "acme/shop", NOW.minusSeconds(600));

    private static Instance instance(String id, String deployment, Instant createdAt) {
        return new Instance(id, deployment, "127.10.0.1", createdAt);
    }

    private static List<String> reaped(List<Instance> instances, Map<String, StatusFact> statuses, boolean readToEnd) {
        return OrphanRule.orphans(instances, statuses, readToEnd, NOW, GRACE).stream()
                .map(o -> o.instance().instanceId() + ":" + o.reason())
                .toList();
    }

    @Test
    void reaps_an_instance_the_latest_status_does_not_list() {
        assertEquals(List.of("acme-orders-2:NotInStatus"),
                reaped(List.of(OLD_ORDERS_1, OLD_ORDERS_2), Map.of("acme/orders", StatusFact.listed(Set.of("acme-orders-1"))), true));
    }

    @Test
    void reaps_every_instance_of_a_deployment_whose_status_was_tombstoned() {
        assertEquals(List.of("acme-orders-1:DeploymentDeleted", "acme-orders-2:DeploymentDeleted"),
                reaped(List.of(OLD_ORDERS_1, OLD_ORDERS_2, OLD_SHOP_1), Map.of("acme/orders", StatusFact.tombstoned()), true));
    }

    @Test
    void reaps_nothing_before_the_status_topic_was_read_to_its_end() {
        assertEquals(List.of(),
                reaped(List.of(OLD_ORDERS_1, OLD_ORDERS_2), Map.of("acme/orders", StatusFact.tombstoned()), false));
    }

    @Test
    void reaps_nothing_when_the_status_topic_is_empty() {
        assertEquals(List.of(), reaped(List.of(OLD_ORDERS_1, OLD_SHOP_1), Map.of(), true));
    }

    @Test
    void leaves_deployments_without_any_status_alone() {
        assertEquals(List.of("acme-orders-1:NotInStatus"),
                reaped(List.of(OLD_ORDERS_1, OLD_SHOP_1), Map.of("acme/orders", StatusFact.listed(Set.of())), true));
    }

    @Test
    void spares_instances_younger_than_the_grace_period() {
        assertEquals(List.of(),
                reaped(List.of(NEW_ORDERS_3), Map.of("acme/orders", StatusFact.listed(Set.of("acme-orders-1"))), true));
        assertEquals(List.of(),
                reaped(List.of(NEW_ORDERS_3), Map.of("acme/orders", StatusFact.tombstoned()), true));
    }

    @Test
    void an_instance_exactly_as_old_as_the_grace_period_may_be_reaped() {
        Instance justOldEnough = instance("acme-orders-4", "acme/orders", NOW.minus(GRACE));
        assertEquals(List.of("acme-orders-4:NotInStatus"),
                reaped(List.of(justOldEnough), Map.of("acme/orders", StatusFact.listed(Set.of("acme-orders-1"))), true));
    }

    @Test
    void keeps_every_listed_instance() {
        assertEquals(List.of(), reaped(List.of(OLD_ORDERS_1, OLD_ORDERS_2),
                Map.of("acme/orders", StatusFact.listed(Set.of("acme-orders-1", "acme-orders-2"))), true));
    }
}
