package dev.marina.healthmonitor.metrics;

import static dev.marina.healthmonitor.metrics.MetricsFixtures.ONE;
import static dev.marina.healthmonitor.metrics.MetricsFixtures.REF;
import static dev.marina.healthmonitor.metrics.MetricsFixtures.T0;
import static dev.marina.healthmonitor.metrics.MetricsFixtures.TWO;
import static dev.marina.healthmonitor.metrics.MetricsFixtures.at;
import static dev.marina.healthmonitor.metrics.MetricsFixtures.counters;
import static dev.marina.healthmonitor.metrics.MetricsFixtures.gauges;
import static dev.marina.schemas.metrics.MetricNames.BUFFER_POOL_HIT_RATIO;
import static dev.marina.schemas.metrics.MetricNames.CLIENT_CONNECTIONS;
import static dev.marina.schemas.metrics.MetricNames.CLIENT_QUERIES_PER_SECOND;
import static dev.marina.schemas.metrics.MetricNames.CLIENT_QUERIES_TOTAL;
import static dev.marina.schemas.metrics.MetricNames.MEMORY_BYTES;
import static dev.marina.schemas.metrics.MetricNames.CONNECTIONS;
import static dev.marina.schemas.metrics.MetricNames.CPU_PERCENT;
import static dev.marina.schemas.metrics.MetricNames.QUERIES_PER_SECOND;
import static dev.marina.schemas.metrics.MetricNames.QUERIES_TOTAL;
import static dev.marina.schemas.metrics.MetricNames.REPLICATION_LAG_SECONDS;
import static dev.marina.schemas.metrics.MetricNames.ROWS_READ_TOTAL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.schemas.metrics.MetricNames;
import dev.marina.schemas.v1.DeploymentMetrics;
import dev.marina.schemas.v1.MetricSample;
import dev.marina.service.Timestamps;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AggregationTest {

    private static final double EXACT = 1e-9;
    private static final Window TEN = new Window(T0, WindowSize.TEN_SECONDS);
    private static final Window MINUTE = new Window(T0, WindowSize.ONE_MINUTE);

    private static WindowAggregate folded(MetricSample... samples) {
        WindowAggregate window = WindowAggregate.EMPTY;
        for (MetricSample sample : samples) {
            window = Aggregation.fold(window, sample);
        }
        return window;
    }

    private static MetricSample queries(String instance, double seconds, double total) {
        return counters(instance, at(seconds), Map.of(QUERIES_TOTAL, total));
    }

    private static double queryRate(Window window, WindowAggregate current, WindowAggregate previous) {
        DeploymentMetrics record = Aggregation.forInstance(REF, window, ONE, current, previous);
        assertTrue(record.containsCounterRates(QUERIES_TOTAL), () -> "no rate in " + record);
        return record.getCounterRatesOrThrow(QUERIES_TOTAL);
    }

    @Test
    void an_instance_record_has_the_mean_and_maximum_of_its_gauges_and_the_window_bounds() {
        WindowAggregate window = folded(
                gauges(ONE, at(1), Map.of(QUERIES_PER_SECOND, 10.0, CONNECTIONS, 4.0)),
                gauges(ONE, at(6), Map.of(QUERIES_PER_SECOND, 30.0)));

        DeploymentMetrics record = Aggregation.forInstance(REF, TEN, ONE, window, null);

        assertEquals(REF, record.getDeployment());
        assertEquals(ONE, record.getInstanceId());
        assertEquals(T0, Timestamps.toInstant(record.getWindowStart()));
        assertEquals(at(10), Timestamps.toInstant(record.getWindowEnd()));
        assertEquals(10, record.getWindowSeconds());
        assertEquals(2, record.getSamples());
        assertEquals(20.0, record.getGaugesAvgOrThrow(QUERIES_PER_SECOND), EXACT);
        assertEquals(30.0, record.getGaugesMaxOrThrow(QUERIES_PER_SECOND), EXACT);
        assertEquals(4.0, record.getGaugesAvgOrThrow(CONNECTIONS), EXACT, "a gauge sent once averages over its one value");
    }

    @Test
    void a_counter_rate_is_its_increase_in_the_window_per_second_of_the_window() {
        WindowAggregate window = folded(queries(ONE, 0, 100), queries(ONE, 5, 150));
        assertEquals(5.0, queryRate(TEN, window, null), EXACT);
    }

    @Test
    void the_same_increase_in_a_minute_window_is_divided_by_sixty() {
        WindowAggregate window = folded(queries(ONE, 0, 100), queries(ONE, 30, 400));
        assertEquals(5.0, queryRate(MINUTE, window, null), EXACT);
        assertEquals(60, Aggregation.forInstance(REF, MINUTE, ONE, window, null).getWindowSeconds());
    }

    @Test
    void the_first_sample_of_a_window_counts_from_the_last_sample_of_the_window_before() {
        WindowAggregate before = folded(queries(ONE, -5, 50), queries(ONE, -1, 90));
        WindowAggregate window = folded(queries(ONE, 0, 100), queries(ONE, 9, 190));
        // (100 - 90) carried in, then 90 within: 100 over 10 s.
        assertEquals(10.0, queryRate(TEN, window, before), EXACT);
    }

    @Test
    void a_counter_reset_counts_the_value_after_it_as_the_increase() {
        WindowAggregate window = folded(queries(ONE, 0, 1000), queries(ONE, 3, 1100), queries(ONE, 5, 20),
                queries(ONE, 8, 70));
        // 100 before the restart, 20 up to the first value after it, 50 after.
        assertEquals(17.0, queryRate(TEN, window, null), EXACT);
    }

    @Test
    void a_reset_between_windows_counts_the_first_value_after_it() {
        WindowAggregate before = folded(queries(ONE, -2, 5000));
        WindowAggregate window = folded(queries(ONE, 1, 30), queries(ONE, 6, 80));
        assertEquals(8.0, queryRate(TEN, window, before), EXACT);
    }

    @Test
    void samples_out_of_order_give_the_same_rate_as_in_order() {
        WindowAggregate inOrder = folded(queries(ONE, 0, 100), queries(ONE, 3, 130), queries(ONE, 5, 150),
                queries(ONE, 9, 190));
        WindowAggregate shuffled = folded(queries(ONE, 5, 150), queries(ONE, 0, 100), queries(ONE, 9, 190),
                queries(ONE, 3, 130));
        assertEquals(9.0, queryRate(TEN, inOrder, null), EXACT);
        assertEquals(9.0, queryRate(TEN, shuffled, null), EXACT);
    }

    @Test
    void a_counter_seen_once_with_nothing_before_has_no_rate_yet() {
        WindowAggregate window = folded(queries(ONE, 2, 100));
        DeploymentMetrics record = Aggregation.forInstance(REF, TEN, ONE, window, null);
        assertFalse(record.containsCounterRates(QUERIES_TOTAL), "a rate of 0 would be a claim; none is known");
        assertEquals(0.0, queryRate(TEN, window, folded(queries(ONE, -3, 100))), EXACT, "known once the window before has it");
    }

    @Test
    void a_sample_delivered_twice_adds_nothing_to_a_counter() {
        WindowAggregate window = folded(queries(ONE, 0, 100), queries(ONE, 5, 150), queries(ONE, 5, 150));
        assertEquals(5.0, queryRate(TEN, window, null), EXACT);
    }

    @Test
    void the_deployment_sums_additive_gauges_and_averages_the_others_over_its_instances() {
        WindowAggregate window = folded(
                gauges(ONE, at(1), Map.of(CONNECTIONS, 10.0, QUERIES_PER_SECOND, 100.0, BUFFER_POOL_HIT_RATIO, 0.9,
                        CPU_PERCENT, 50.0, "threads_running", 2.0)),
                gauges(ONE, at(6), Map.of(CONNECTIONS, 20.0, QUERIES_PER_SECOND, 100.0, BUFFER_POOL_HIT_RATIO, 0.9,
                        CPU_PERCENT, 50.0, "threads_running", 2.0)),
                gauges(TWO, at(2), Map.of(CONNECTIONS, 30.0, QUERIES_PER_SECOND, 200.0, BUFFER_POOL_HIT_RATIO, 0.7,
                        CPU_PERCENT, 30.0, REPLICATION_LAG_SECONDS, 2.0, "threads_running", 6.0)),
                gauges(TWO, at(7), Map.of(CONNECTIONS, 30.0, QUERIES_PER_SECOND, 200.0, BUFFER_POOL_HIT_RATIO, 0.7,
                        CPU_PERCENT, 30.0, REPLICATION_LAG_SECONDS, 4.0, "threads_running", 6.0)));

        DeploymentMetrics whole = Aggregation.forDeployment(REF, TEN, window, null);

        assertEquals("", whole.getInstanceId(), "the deployment-wide record has no instance");
        assertEquals(4, whole.getSamples());
        assertEquals(10, whole.getWindowSeconds());
        // additive: sum of the instances' averages (15 + 30) and of their maxima (20 + 30)
        assertEquals(45.0, whole.getGaugesAvgOrThrow(CONNECTIONS), EXACT);
        assertEquals(50.0, whole.getGaugesMaxOrThrow(CONNECTIONS), EXACT);
        assertEquals(300.0, whole.getGaugesAvgOrThrow(QUERIES_PER_SECOND), EXACT);
        assertEquals(80.0, whole.getGaugesAvgOrThrow(CPU_PERCENT), EXACT);
        // a ratio: mean of the instances' averages, largest maximum
        assertEquals(0.8, whole.getGaugesAvgOrThrow(BUFFER_POOL_HIT_RATIO), EXACT);
        assertEquals(0.9, whole.getGaugesMaxOrThrow(BUFFER_POOL_HIT_RATIO), EXACT);
        // lag: only the replica sends it, so only the replica counts
        assertEquals(3.0, whole.getGaugesAvgOrThrow(REPLICATION_LAG_SECONDS), EXACT);
        assertEquals(4.0, whole.getGaugesMaxOrThrow(REPLICATION_LAG_SECONDS), EXACT);
        // a name this build does not know is not assumed to add up
        assertEquals(4.0, whole.getGaugesAvgOrThrow("threads_running"), EXACT);
        assertEquals(6.0, whole.getGaugesMaxOrThrow("threads_running"), EXACT);
    }

    @Test
    void each_instance_weighs_the_same_in_a_deployment_mean_however_often_it_sampled() {
        WindowAggregate window = folded(
                gauges(ONE, at(1), Map.of(BUFFER_POOL_HIT_RATIO, 1.0)),
                gauges(ONE, at(2), Map.of(BUFFER_POOL_HIT_RATIO, 1.0)),
                gauges(ONE, at(3), Map.of(BUFFER_POOL_HIT_RATIO, 1.0)),
                gauges(TWO, at(1), Map.of(BUFFER_POOL_HIT_RATIO, 0.5)));
        assertEquals(0.75, Aggregation.forDeployment(REF, TEN, window, null).getGaugesAvgOrThrow(BUFFER_POOL_HIT_RATIO),
                EXACT);
    }

    @Test
    void the_deployment_sums_its_instances_counter_rates() {
        WindowAggregate before = folded(counters(TWO, at(-1), Map.of(QUERIES_TOTAL, 0.0)));
        WindowAggregate window = folded(
                counters(ONE, at(0), Map.of(QUERIES_TOTAL, 100.0, ROWS_READ_TOTAL, 7.0)),
                counters(ONE, at(5), Map.of(QUERIES_TOTAL, 150.0)),
                counters(TWO, at(4), Map.of(QUERIES_TOTAL, 20.0)));

        DeploymentMetrics whole = Aggregation.forDeployment(REF, TEN, window, before);

        assertEquals(5.0 + 2.0, whole.getCounterRatesOrThrow(QUERIES_TOTAL), EXACT);
        assertFalse(whole.containsCounterRates(ROWS_READ_TOTAL), "no instance has a rate for it yet");
    }

    @Test
    void the_additive_gauges_are_the_ones_whose_whole_is_the_sum_of_its_parts() {
        assertEquals(List.of(CONNECTIONS, MetricNames.QUERIES_PER_SECOND, MetricNames.SLOW_QUERIES_PER_SECOND,
                        MetricNames.ROWS_READ_PER_SECOND, MetricNames.ROWS_WRITTEN_PER_SECOND, CPU_PERCENT,
                        MetricNames.MEMORY_BYTES, MetricNames.DISK_BYTES, CLIENT_CONNECTIONS, CLIENT_QUERIES_PER_SECOND),
                MetricNames.GAUGES.stream().filter(Aggregation.ADDITIVE::contains).toList());
        assertFalse(Aggregation.ADDITIVE.contains(BUFFER_POOL_HIT_RATIO));
        assertFalse(Aggregation.ADDITIVE.contains(REPLICATION_LAG_SECONDS));
    }

    @Test
    void the_deployment_sums_its_readers_client_connections_and_queries_as_autoscaling_reads_them() {
        WindowAggregate before = folded(counters(ONE, at(-1), Map.of(CLIENT_QUERIES_TOTAL, 0.0)),
                counters(TWO, at(-1), Map.of(CLIENT_QUERIES_TOTAL, 1_000.0)));
        WindowAggregate window = folded(
                sample(ONE, 1, Map.of(CONNECTIONS, 14.0, CLIENT_CONNECTIONS, 10.0, CLIENT_QUERIES_PER_SECOND, 40.0),
                        Map.of(CLIENT_QUERIES_TOTAL, 40.0)),
                sample(ONE, 6, Map.of(CONNECTIONS, 16.0, CLIENT_CONNECTIONS, 12.0, CLIENT_QUERIES_PER_SECOND, 60.0),
                        Map.of(CLIENT_QUERIES_TOTAL, 340.0)),
                sample(TWO, 2, Map.of(CONNECTIONS, 5.0, CLIENT_CONNECTIONS, 2.0, CLIENT_QUERIES_PER_SECOND, 10.0),
                        Map.of(CLIENT_QUERIES_TOTAL, 1_020.0)),
                sample(TWO, 7, Map.of(CONNECTIONS, 5.0, CLIENT_CONNECTIONS, 4.0, CLIENT_QUERIES_PER_SECOND, 30.0),
                        Map.of(CLIENT_QUERIES_TOTAL, 1_100.0)));

        DeploymentMetrics whole = Aggregation.forDeployment(REF, TEN, window, before);

        assertEquals(11.0 + 3.0, whole.getGaugesAvgOrThrow(CLIENT_CONNECTIONS), EXACT, "sum of the averages");
        assertEquals(12.0 + 4.0, whole.getGaugesMaxOrThrow(CLIENT_CONNECTIONS), EXACT, "sum of the maxima");
        assertEquals(50.0 + 20.0, whole.getGaugesAvgOrThrow(CLIENT_QUERIES_PER_SECOND), EXACT);
        assertEquals(15.0 + 5.0, whole.getGaugesAvgOrThrow(CONNECTIONS), EXACT, "all connections, the platform's too");
        assertEquals(340.0 / 10 + 100.0 / 10, whole.getCounterRatesOrThrow(CLIENT_QUERIES_TOTAL), EXACT);
    }

    @Test
    void a_paused_instance_sending_only_its_hosts_figures_leaves_the_database_figures_to_the_others() {
        WindowAggregate window = folded(
                sample(ONE, 1, Map.of(CLIENT_CONNECTIONS, 3.0, CLIENT_QUERIES_PER_SECOND, 8.0, CPU_PERCENT, 20.0),
                        Map.of(CLIENT_QUERIES_TOTAL, 500.0)),
                sample(ONE, 6, Map.of(CLIENT_CONNECTIONS, 5.0, CLIENT_QUERIES_PER_SECOND, 12.0, CPU_PERCENT, 30.0),
                        Map.of(CLIENT_QUERIES_TOTAL, 550.0)),
                // the paused one: its agent reports the host, no database, and then nothing at all
                sample(TWO, 2, Map.of(CPU_PERCENT, 0.5, MEMORY_BYTES, 1.5e8), Map.of()),
                sample(TWO, 7, Map.of(), Map.of()));

        DeploymentMetrics whole = Aggregation.forDeployment(REF, TEN, window, null);
        DeploymentMetrics paused = Aggregation.forInstance(REF, TEN, TWO, window, null);

        assertEquals(4, whole.getSamples());
        assertEquals(4.0, whole.getGaugesAvgOrThrow(CLIENT_CONNECTIONS), EXACT);
        assertEquals(10.0, whole.getGaugesAvgOrThrow(CLIENT_QUERIES_PER_SECOND), EXACT);
        assertEquals(25.0 + 0.5, whole.getGaugesAvgOrThrow(CPU_PERCENT), EXACT);
        assertEquals(5.0, whole.getCounterRatesOrThrow(CLIENT_QUERIES_TOTAL), EXACT);
        assertEquals(2, paused.getSamples());
        assertFalse(paused.containsGaugesAvg(CLIENT_CONNECTIONS), "no figure is not a figure of 0");
        assertTrue(paused.getCounterRatesMap().isEmpty());
        assertTrue(whole.getGaugesAvgMap().values().stream().allMatch(Double::isFinite), () -> "finite: " + whole);
    }

    @Test
    void a_client_query_counter_across_a_pause_counts_the_restarted_servers_queries_and_never_goes_negative() {
        Window paused = new Window(at(10), WindowSize.TEN_SECONDS);
        Window resumed = new Window(at(20), WindowSize.TEN_SECONDS);
        WindowAggregate beforePause = folded(sample(ONE, 5, Map.of(), Map.of(CLIENT_QUERIES_TOTAL, 9_000.0)));
        WindowAggregate whilePaused = folded(sample(ONE, 15, Map.of(CPU_PERCENT, 0.2), Map.of()));
        WindowAggregate afterResume = folded(sample(ONE, 21, Map.of(), Map.of(CLIENT_QUERIES_TOTAL, 2.0)),
                sample(ONE, 26, Map.of(), Map.of(CLIENT_QUERIES_TOTAL, 32.0)));

        assertFalse(Aggregation.forInstance(REF, paused, ONE, whilePaused, beforePause)
                .containsCounterRates(CLIENT_QUERIES_TOTAL), "paused: no rate, not a rate of 0");
        assertEquals(3.0, Aggregation.forInstance(REF, resumed, ONE, afterResume, whilePaused)
                .getCounterRatesOrThrow(CLIENT_QUERIES_TOTAL), EXACT, "30 queries in the window after the resume");
        WindowAggregate resumedAtOnce = folded(sample(ONE, 12, Map.of(), Map.of(CLIENT_QUERIES_TOTAL, 4.0)),
                sample(ONE, 17, Map.of(), Map.of(CLIENT_QUERIES_TOTAL, 24.0)));
        assertEquals(2.4, Aggregation.forInstance(REF, paused, ONE, resumedAtOnce, beforePause)
                .getCounterRatesOrThrow(CLIENT_QUERIES_TOTAL), EXACT,
                "a restarted server's counter begins at 0: a reset, its 24 queries counted, not -8976");
    }

    private static MetricSample sample(String instance, double seconds, Map<String, Double> gauges,
            Map<String, Double> counters) {
        return MetricsFixtures.sample(instance, at(seconds), gauges, counters);
    }

    @Test
    void an_instance_keeps_at_most_max_names_gauges_in_a_window() {
        Map<String, Double> many = new HashMap<>();
        for (int i = 0; i < InstanceWindow.MAX_NAMES; i++) {
            many.put("g" + i, 1.0);
        }
        WindowAggregate window = folded(gauges(ONE, at(1), many),
                gauges(ONE, at(2), Map.of("one_too_many", 1.0, "g0", 3.0)));
        InstanceWindow own = window.instance(ONE);
        assertEquals(InstanceWindow.MAX_NAMES, own.gauges().size());
        assertFalse(own.gauges().containsKey("one_too_many"));
        assertEquals(2.0, own.gauges().get("g0").avg(), EXACT, "known names are still aggregated");
        assertEquals(2, own.samples());
    }
}
