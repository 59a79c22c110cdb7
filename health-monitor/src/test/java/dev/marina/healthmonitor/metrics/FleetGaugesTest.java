package dev.marina.healthmonitor.metrics;

import static dev.marina.healthmonitor.metrics.MetricsFixtures.T0;
import static dev.marina.healthmonitor.metrics.MetricsFixtures.at;
import static dev.marina.schemas.metrics.MetricNames.CLIENT_CONNECTIONS;
import static dev.marina.schemas.metrics.MetricNames.CLIENT_QUERIES_PER_SECOND;
import static dev.marina.schemas.metrics.MetricNames.CONNECTIONS;
import static dev.marina.schemas.metrics.MetricNames.CPU_PERCENT;
import static dev.marina.schemas.metrics.MetricNames.QUERIES_PER_SECOND;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.marina.schemas.v1.DeploymentMetrics;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class FleetGaugesTest {

    private static final Duration EXPIRE = Duration.ofMinutes(10);
    private static final Roster TWO_UP_ONE_DOWN = new Roster(new TreeSet<>(Set.of("i1", "i2", "i3")), 2, 0, 1, 0);

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final FleetGauges fleet = new FleetGauges(registry, 2, EXPIRE);

    private static DeploymentMetrics aggregate(double qps, double connections) {
        return DeploymentMetrics.newBuilder().putGaugesAvg(QUERIES_PER_SECOND, qps)
                .putGaugesAvg(CONNECTIONS, connections).build();
    }

    private Double gauge(String name, String deployment, String... moreTags) {
        Gauge gauge = registry.find(name).tag("deployment", deployment).tags(moreTags).gauge();
        return gauge == null ? null : gauge.value();
    }

    private double refused() {
        return registry.get("marina.metrics.labels.refused").counter().count();
    }

    @Test
    void shows_a_deployments_instances_by_health_and_its_newest_figures() {
        fleet.window("acme/orders", TWO_UP_ONE_DOWN, T0, aggregate(300, 45), T0);

        assertEquals(2.0, gauge("marina.deployment.instances", "acme/orders", "health", "up"));
        assertEquals(0.0, gauge("marina.deployment.instances", "acme/orders", "health", "suspect"));
        assertEquals(1.0, gauge("marina.deployment.instances", "acme/orders", "health", "down"));
        assertEquals(300.0, gauge("marina.deployment.queries.per.second", "acme/orders"));
        assertEquals(45.0, gauge("marina.deployment.connections", "acme/orders"));

        fleet.window("acme/orders", TWO_UP_ONE_DOWN, at(10), aggregate(310, 40), at(10));
        assertEquals(310.0, gauge("marina.deployment.queries.per.second", "acme/orders"));
        fleet.window("acme/orders", TWO_UP_ONE_DOWN, T0, aggregate(1, 1), at(11));
        assertEquals(310.0, gauge("marina.deployment.queries.per.second", "acme/orders"),
                "a late update of an older window does not replace the newest one");
    }

    @Test
    void labels_at_most_the_cap_and_counts_the_deployments_refused() {
        fleet.roster("t/one", TWO_UP_ONE_DOWN);
        fleet.roster("t/two", TWO_UP_ONE_DOWN);
        fleet.roster("t/three", TWO_UP_ONE_DOWN);
        fleet.window("t/three", TWO_UP_ONE_DOWN, T0, aggregate(5, 5), T0);

        assertEquals(2, registry.find("marina.deployment.instances").tag("health", "up").gauges().size());
        assertNull(gauge("marina.deployment.instances", "t/three", "health", "up"));
        assertNull(gauge("marina.deployment.queries.per.second", "t/three"));
        assertEquals(1.0, refused(), "one deployment refused, however often it asks");
        assertEquals(2.0, registry.get("marina.metrics.labelled.deployments").gauge().value());
    }

    @Test
    void a_released_deployment_loses_its_gauges_and_frees_its_label() {
        fleet.roster("t/one", TWO_UP_ONE_DOWN);
        fleet.window("t/two", TWO_UP_ONE_DOWN, T0, aggregate(5, 5), T0);
        fleet.roster("t/three", TWO_UP_ONE_DOWN);

        fleet.release("t/two");
        assertNull(gauge("marina.deployment.instances", "t/two", "health", "up"));
        assertNull(gauge("marina.deployment.queries.per.second", "t/two"));

        fleet.roster("t/three", TWO_UP_ONE_DOWN);
        assertEquals(2.0, gauge("marina.deployment.instances", "t/three", "health", "up"));
    }

    @Test
    void figures_of_a_deployment_without_samples_for_the_expiry_are_removed_but_its_instances_stay() {
        fleet.window("t/one", TWO_UP_ONE_DOWN, T0, aggregate(5, 5), T0);

        fleet.expire(T0.plus(EXPIRE).minusMillis(1));
        assertEquals(5.0, gauge("marina.deployment.queries.per.second", "t/one"));
        fleet.expire(T0.plus(EXPIRE));
        assertNull(gauge("marina.deployment.queries.per.second", "t/one"));
        assertNull(gauge("marina.deployment.connections", "t/one"));
        assertEquals(2.0, gauge("marina.deployment.instances", "t/one", "health", "up"),
                "the deployment still exists: its instances are still shown");

        fleet.window("t/one", TWO_UP_ONE_DOWN, at(700), aggregate(7, 7), at(700));
        assertEquals(7.0, gauge("marina.deployment.queries.per.second", "t/one"), "back with its next sample");
    }

    @Test
    void counts_paused_instances_and_shows_the_clients_share_of_the_figures() {
        Roster onePaused = new Roster(new TreeSet<>(Set.of("i1", "i2")), 1, 0, 0, 1);
        fleet.window("t/one", onePaused, T0, aggregate(300, 45).toBuilder().putGaugesAvg(CLIENT_CONNECTIONS, 40)
                .putGaugesAvg(CLIENT_QUERIES_PER_SECOND, 280).build(), T0);
        assertEquals(1.0, gauge("marina.deployment.instances", "t/one", "health", "paused"));
        assertEquals(1.0, gauge("marina.deployment.instances", "t/one", "health", "up"));
        assertEquals(40.0, gauge("marina.deployment.client.connections", "t/one"));
        assertEquals(280.0, gauge("marina.deployment.client.queries.per.second", "t/one"));
    }

    @Test
    void a_paused_deployments_database_figures_go_with_the_first_window_that_has_none() {
        Roster paused = new Roster(new TreeSet<>(Set.of("i1")), 0, 0, 0, 1);
        fleet.window("t/one", TWO_UP_ONE_DOWN, T0, aggregate(300, 45).toBuilder().putGaugesAvg(CLIENT_CONNECTIONS, 3).build(), T0);
        DeploymentMetrics hostOnly = DeploymentMetrics.newBuilder().putGaugesAvg(CPU_PERCENT, 0.4).build();
        fleet.window("t/one", paused, T0, hostOnly, at(5));
        assertEquals(3.0, gauge("marina.deployment.client.connections", "t/one"),
                "the window still holds the figures sent before the pause");
        fleet.window("t/one", paused, at(10), hostOnly, at(10));
        assertNull(gauge("marina.deployment.client.connections", "t/one"), "a stale figure would look live");
        assertNull(gauge("marina.deployment.queries.per.second", "t/one"));
        assertEquals(1.0, gauge("marina.deployment.instances", "t/one", "health", "paused"));
        fleet.window("t/one", TWO_UP_ONE_DOWN, at(20), aggregate(1, 1).toBuilder().putGaugesAvg(CLIENT_CONNECTIONS, 1).build(),
                at(20));
        assertEquals(1.0, gauge("marina.deployment.client.connections", "t/one"), "back once it serves");
    }

    @Test
    void a_figure_the_aggregate_does_not_have_is_not_shown() {
        fleet.window("t/one", TWO_UP_ONE_DOWN, T0,
                DeploymentMetrics.newBuilder().putGaugesAvg(CONNECTIONS, 3).build(), T0);
        assertNull(gauge("marina.deployment.queries.per.second", "t/one"));
        assertEquals(3.0, gauge("marina.deployment.connections", "t/one"));
    }
}
