package dev.marina.healthmonitor.dashboard;

import static dev.marina.healthmonitor.dashboard.Records.T0;
import static dev.marina.healthmonitor.dashboard.Records.condition;
import static dev.marina.healthmonitor.dashboard.Records.instanceOf;
import static dev.marina.healthmonitor.dashboard.Records.sample;
import static dev.marina.healthmonitor.dashboard.Records.status;
import static dev.marina.healthmonitor.dashboard.Records.transition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.schemas.v1.DeploymentStatus;
import dev.marina.schemas.v1.Health;
import dev.marina.schemas.v1.InstanceStatus;
import dev.marina.schemas.v1.Phase;
import dev.marina.schemas.v1.Role;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FleetViewTest {

    private static final String KEY = "acme/orders";
    private static final String INSTANCE = instanceOf(KEY);

    private final FleetView view = new FleetView(DashboardSettings.defaults());

    private static Instant at(long seconds) {
        return T0.plusSeconds(seconds);
    }

    private static List<String> types(List<Views.Event> events) {
        return events.stream().map(e -> e.type() + " " + e.key()).toList();
    }

    private Views.Deployment only() {
        Views.Fleet fleet = view.fleet(at(60));
        assertEquals(1, fleet.deployments().size(), "deployments shown: " + fleet.deployments());
        return fleet.deployments().get(0);
    }

    @Test
    void a_status_shows_the_deployment_and_a_tombstone_removes_it() {
        List<Views.Event> shown = view.status(KEY, status(KEY, Phase.PHASE_READY, Health.HEALTH_UP, T0), at(1));
        assertEquals(List.of("deployment acme/orders"), types(shown));
        Views.Deployment d = only();
        assertEquals("PHASE_READY", d.phase());
        assertEquals("acme", d.tenant());
        assertEquals("orders", d.name());
        assertEquals(List.of(INSTANCE), d.instances().stream().map(Views.Instance::id).toList());
        assertEquals("HEALTH_UP", d.instances().get(0).health());
        assertEquals("ROLE_PRIMARY", d.instances().get(0).role());
        assertEquals("orders.acme.marina.test", d.endpoints().get(0).host());
        assertEquals(new Views.Counts(1, 0, 0, 0, 0), d.health());
        assertEquals(List.of("DatabaseReady"), d.conditions().stream().map(Views.Condition::type).toList(),
                "conditions travel with every change, so the page's list is never stale");

        assertEquals(List.of("removed acme/orders"), types(view.status(KEY, null, at(2))));
        assertEquals(List.of(), view.fleet(at(3)).deployments());
        assertTrue(view.deployment(KEY, at(3)).isEmpty());
    }

    @Test
    void a_tombstone_of_a_deployment_it_never_saw_changes_nothing() {
        assertEquals(List.of(), view.status(KEY, null, at(1)));
        assertEquals(0, view.tracked());
    }

    @Test
    void a_transition_newer_than_the_status_decides_the_health_and_raises_an_alert() {
        view.status(KEY, status(KEY, Phase.PHASE_READY, Health.HEALTH_UP, T0), at(1));
        List<Views.Event> events = view.health(KEY, transition(KEY, INSTANCE, Health.HEALTH_DOWN, Health.HEALTH_UP, at(5)), at(5));
        assertEquals(List.of("transition acme/orders", "deployment acme/orders"), types(events));
        Views.Instance instance = events.get(1).deployment().instances().get(0);
        assertEquals("HEALTH_DOWN", instance.health());
        assertEquals("no heartbeat for 5.0 s", instance.healthReason());
        assertEquals(at(5).toEpochMilli(), instance.healthSince());
        assertEquals(List.of(Alerts.INSTANCE_DOWN), events.get(1).deployment().alerts().stream().map(Alert::kind).toList());
        assertEquals(new Views.Counts(0, 0, 1, 0, 0), only().health());
    }

    @Test
    void a_status_newer_than_the_last_transition_decides_the_health() {
        // An old DOWN (say, from before the deployment was deleted and created again) loses to a newer status.
        view.health(KEY, transition(KEY, INSTANCE, Health.HEALTH_DOWN, Health.HEALTH_UP, at(0)), at(0));
        view.status(KEY, status(KEY, Phase.PHASE_READY, Health.HEALTH_UP, at(10)), at(10));
        assertEquals("HEALTH_UP", only().instances().get(0).health());
        assertEquals(List.of(), only().alerts());
    }

    @Test
    void transitions_before_any_status_are_kept_but_show_no_deployment() {
        List<Views.Event> events = view.health(KEY, transition(KEY, INSTANCE, Health.HEALTH_UP, Health.HEALTH_UNSPECIFIED, at(1)), at(1));
        assertEquals(List.of("transition acme/orders"), types(events));
        assertEquals(List.of(), view.fleet(at(2)).deployments());
        assertEquals(1, view.fleet(at(2)).transitions().size(), "but the fleet's recent transitions list it");

        view.status(KEY, status(KEY, Phase.PHASE_PROVISIONING, Health.HEALTH_UNSPECIFIED, at(0)), at(2));
        assertEquals("HEALTH_UP", only().instances().get(0).health());
        assertEquals(1, view.deployment(KEY, at(3)).orElseThrow().transitions().size());
    }

    @Test
    void keeps_the_last_transitions_newest_first_per_deployment_and_fleet_wide() {
        DashboardSettings d = DashboardSettings.defaults();
        FleetView small = new FleetView(new DashboardSettings(d.maxDeployments(), d.maxInstances(), d.maxSeries(),
                d.chartWindow(), d.chartPoints(), d.metricsLookBack(), d.transitionsLookBack(), 3, 5,
                d.conditionAlertAfter(), d.alertCheckInterval(), d.eventsBuffer()));
        small.status(KEY, status(KEY, Phase.PHASE_READY, Health.HEALTH_UP, T0), at(0));
        for (int i = 1; i <= 10; i++) {
            String key = i % 2 == 0 ? KEY : "acme/other";
            small.health(key, transition(key, instanceOf(key), i % 4 < 2 ? Health.HEALTH_UP : Health.HEALTH_DOWN,
                    Health.HEALTH_UNSPECIFIED, at(i)), at(i));
        }
        List<Long> fleet = small.fleet(at(20)).transitions().stream().map(Views.Transition::detectedAt).toList();
        assertEquals(List.of(10L, 9L, 8L, 7L, 6L), fleet.stream().map(ms -> (ms - T0.toEpochMilli()) / 1000).toList());
        List<Long> mine = small.deployment(KEY, at(20)).orElseThrow().transitions().stream().map(Views.Transition::detectedAt).toList();
        assertEquals(List.of(10L, 8L, 6L), mine.stream().map(ms -> (ms - T0.toEpochMilli()) / 1000).toList());
    }

    @Test
    void a_sample_becomes_a_point_and_the_instance_s_latest_gauges() {
        view.status(KEY, status(KEY, Phase.PHASE_READY, Health.HEALTH_UP, T0), at(0));
        List<Views.Event> events = view.metric(KEY, sample(KEY, INSTANCE, at(1), 12.5, 3), at(1), at(1));
        assertEquals(List.of("point acme/orders"), types(events));
        Views.Point point = events.get(0).point();
        assertEquals(INSTANCE, point.instance());
        assertEquals(at(1).toEpochMilli(), point.t());
        assertEquals(12.5, point.values().get("queries_per_second"));
        assertEquals(List.copyOf(FleetView.CHARTED), List.copyOf(point.values().keySet()));
        assertEquals(0.99, point.latest().get("buffer_pool_hit_ratio"), "every gauge, not only the charted ones");

        view.metric(KEY, sample(KEY, INSTANCE, at(2), 14, 4), at(2), at(2));
        Views.Instance instance = only().instances().get(0);
        assertEquals(14.0, instance.latest().get("queries_per_second"));
        assertEquals(at(2).toEpochMilli(), instance.sampledAt());

        Views.Series series = view.deployment(KEY, at(3)).orElseThrow().series().get(0);
        assertEquals(2, series.t().length);
        assertEquals(List.of(12.5, 14.0), List.of(series.values().get("queries_per_second")));
        assertEquals(List.of(3.0, 4.0), List.of(series.values().get("connections")));
    }

    @Test
    void ignores_samples_older_than_the_chart_window_or_not_newer_than_the_newest() {
        Instant now = at(3600);
        assertEquals(List.of(), view.metric(KEY, sample(KEY, INSTANCE, now.minus(Duration.ofMinutes(11)), 1, 1), now, now));
        view.metric(KEY, sample(KEY, INSTANCE, now.minusSeconds(5), 1, 1), now, now);
        assertEquals(List.of(), view.metric(KEY, sample(KEY, INSTANCE, now.minusSeconds(5), 2, 2), now, now), "a repeat");
        assertEquals(List.of(), view.metric(KEY, sample(KEY, INSTANCE, now.minusSeconds(6), 2, 2), now, now), "out of order");
        assertEquals(3, view.ignoredSamples());
    }

    @Test
    void a_sample_without_a_time_counts_at_the_record_s_time() {
        var sample = sample(KEY, INSTANCE, at(0), 1, 1).toBuilder().clearSampledAt().build();
        List<Views.Event> events = view.metric(KEY, sample, at(7), at(8));
        assertEquals(at(7).toEpochMilli(), events.get(0).point().t());
    }

    @Test
    void time_drops_old_points_and_instances_that_stopped_sending() {
        view.status(KEY, status(KEY, Phase.PHASE_READY, Health.HEALTH_UP, T0), at(0));
        for (int s = 0; s < 120; s++) {
            view.metric(KEY, sample(KEY, INSTANCE, at(s), s, 1), at(s), at(s));
        }
        assertEquals(1, view.series());
        view.tick(at(119).plus(Duration.ofMinutes(10)).minusSeconds(30));
        assertEquals(31, view.deployment(KEY, at(700)).orElseThrow().series().get(0).t().length);
        view.tick(at(119).plus(Duration.ofMinutes(11)));
        assertEquals(0, view.series());
        assertEquals(List.of(), view.deployment(KEY, at(800)).orElseThrow().series());
    }

    @Test
    void points_per_instance_are_capped() {
        FleetView small = new FleetView(DashboardSettings.defaults().withCaps(10, 4, 10, 50));
        for (int s = 0; s < 200; s++) {
            small.metric(KEY, sample(KEY, INSTANCE, at(s), s, 1), at(s), at(s));
        }
        small.status(KEY, status(KEY, Phase.PHASE_READY, Health.HEALTH_UP, T0), at(200));
        assertEquals(50, small.deployment(KEY, at(200)).orElseThrow().series().get(0).t().length);
    }

    @Test
    void when_full_it_drops_what_is_not_shown_then_what_is_deleted_then_what_was_heard_from_the_longest_ago() {
        FleetView small = new FleetView(DashboardSettings.defaults().withCaps(3, 4, 10, 10));
        small.status("t/deleted", status("t/deleted", Phase.PHASE_DELETED, Health.HEALTH_UNSPECIFIED, T0), at(1));
        small.status("t/old", status("t/old", Phase.PHASE_READY, Health.HEALTH_UP, T0), at(2));
        small.health("t/unseen", transition("t/unseen", "t-unseen-1", Health.HEALTH_UP, Health.HEALTH_UNSPECIFIED, at(3)), at(3));

        assertEquals(List.of("deployment t/a"),
                types(small.status("t/a", status("t/a", Phase.PHASE_READY, Health.HEALTH_UP, T0), at(4))), "no status: no event");
        assertEquals(List.of("removed t/deleted", "deployment t/b"),
                types(small.status("t/b", status("t/b", Phase.PHASE_READY, Health.HEALTH_UP, T0), at(5))));
        assertEquals(List.of("removed t/old", "deployment t/c"),
                types(small.status("t/c", status("t/c", Phase.PHASE_READY, Health.HEALTH_UP, T0), at(6))));
        assertEquals(List.of("t/a", "t/b", "t/c"), small.fleet(at(7)).deployments().stream().map(Views.Deployment::key).toList());
        assertEquals(3, small.evicted());
    }

    @Test
    void charted_instances_are_capped_fleet_wide_dropping_the_one_silent_the_longest() {
        FleetView small = new FleetView(DashboardSettings.defaults().withCaps(10, 4, 2, 10));
        small.metric("t/a", sample("t/a", "a1", at(1), 1, 1), at(1), at(10));
        small.metric("t/b", sample("t/b", "b1", at(3), 1, 1), at(3), at(10));
        small.metric("t/a", sample("t/a", "a1", at(4), 1, 1), at(4), at(10));
        small.metric("t/c", sample("t/c", "c1", at(5), 1, 1), at(5), at(10));
        assertEquals(2, small.series());
        small.status("t/b", status("t/b", Phase.PHASE_READY, Health.HEALTH_UP, T0), at(10));
        assertEquals(List.of(), small.deployment("t/b", at(10)).orElseThrow().series(), "b1 was silent the longest");
    }

    @Test
    void instances_remembered_per_deployment_are_capped() {
        FleetView small = new FleetView(DashboardSettings.defaults().withCaps(10, 2, 10, 10));
        DeploymentStatus three = status(KEY, Phase.PHASE_READY, Health.HEALTH_UNSPECIFIED, T0).toBuilder()
                .addInstances(InstanceStatus.newBuilder().setInstanceId("i2").setRole(Role.ROLE_REPLICA))
                .addInstances(InstanceStatus.newBuilder().setInstanceId("i3").setRole(Role.ROLE_REPLICA)).build();
        small.status(KEY, three, at(0));
        small.health(KEY, transition(KEY, INSTANCE, Health.HEALTH_UP, Health.HEALTH_UNSPECIFIED, at(1)), at(1));
        small.health(KEY, transition(KEY, "i2", Health.HEALTH_UP, Health.HEALTH_UNSPECIFIED, at(2)), at(2));
        small.health(KEY, transition(KEY, "i3", Health.HEALTH_DOWN, Health.HEALTH_UNSPECIFIED, at(3)), at(3));
        List<String> health = small.fleet(at(4)).deployments().get(0).instances().stream().map(Views.Instance::health).toList();
        assertEquals(List.of("HEALTH_UNSPECIFIED", "HEALTH_UP", "HEALTH_DOWN"), health, "the oldest report was dropped");
    }

    @Test
    void time_alone_raises_an_alert_for_a_condition_false_for_long_once() {
        DeploymentStatus stuck = status(KEY, Phase.PHASE_PROVISIONING, Health.HEALTH_UNSPECIFIED, T0).toBuilder()
                .addConditions(condition("DnsReady", false, "NameClash", T0)).build();
        view.status(KEY, stuck, T0);
        assertEquals(List.of(), view.tick(at(60)));
        List<Views.Event> events = view.tick(at(121));
        assertEquals(List.of("deployment acme/orders"), types(events));
        Alert alert = events.get(0).deployment().alerts().stream().filter(a -> a.kind().equals(Alerts.CONDITION_FALSE))
                .findFirst().orElseThrow();
        assertEquals(T0.toEpochMilli(), alert.since());
        assertEquals(List.of(), view.tick(at(200)), "the same alerts are not sent again");
    }

    @Test
    void the_summary_counts_deployments_by_phase_instances_by_health_and_alerts_by_severity() {
        view.status("t/a", status("t/a", Phase.PHASE_READY, Health.HEALTH_UP, T0), at(1));
        view.status("t/b", status("t/b", Phase.PHASE_DEGRADED, Health.HEALTH_SUSPECT, T0), at(1));
        view.status("t/c", status("t/c", Phase.PHASE_FAILED, Health.HEALTH_DOWN, T0), at(1));
        view.status("t/d", status("t/d", Phase.PHASE_PENDING, Health.HEALTH_UNSPECIFIED, T0), at(1));
        view.status("t/e", status("t/e", Phase.PHASE_PAUSED, Health.HEALTH_PAUSED, T0), at(1));
        Views.Summary summary = view.fleet(at(2)).summary();
        assertEquals(5, summary.deployments());
        assertEquals(Map.of("PHASE_READY", 1, "PHASE_DEGRADED", 1, "PHASE_FAILED", 1, "PHASE_PENDING", 1, "PHASE_PAUSED", 1),
                summary.phases());
        assertEquals(new Views.Counts(1, 1, 1, 1, 1), summary.instances());
        assertEquals(2, summary.critical(), "failed, down");
        assertEquals(2, summary.warning(), "degraded, suspect; paused is no alert");
    }

    @Test
    void lag_comes_from_the_latest_sample_else_from_the_status_of_a_replica() {
        DeploymentStatus withReplica = status(KEY, Phase.PHASE_READY, Health.HEALTH_UP, T0).toBuilder()
                .addInstances(InstanceStatus.newBuilder().setInstanceId("r1").setRole(Role.ROLE_REPLICA).setReplicationLagMs(250))
                .build();
        view.status(KEY, withReplica, at(0));
        assertNull(only().instances().get(0).lagMs(), "a primary has no lag");
        assertEquals(250L, only().instances().get(1).lagMs());
        view.metric(KEY, sample(KEY, "r1", at(1), 1, 1).toBuilder().putGauges("replication_lag_seconds", 1.5).build(), at(1), at(1));
        assertEquals(1500L, only().instances().get(1).lagMs());
    }
}
