package dev.marina.agent.metrics;

import static dev.marina.schemas.metrics.MetricNames.BUFFER_POOL_HIT_RATIO;
import static dev.marina.schemas.metrics.MetricNames.CONNECTIONS;
import static dev.marina.schemas.metrics.MetricNames.CPU_PERCENT;
import static dev.marina.schemas.metrics.MetricNames.DISK_BYTES;
import static dev.marina.schemas.metrics.MetricNames.MEMORY_BYTES;
import static dev.marina.schemas.metrics.MetricNames.QUERIES_PER_SECOND;
import static dev.marina.schemas.metrics.MetricNames.QUERIES_TOTAL;
import static dev.marina.schemas.metrics.MetricNames.REPLICATION_LAG_SECONDS;
import static dev.marina.schemas.metrics.MetricNames.ROWS_READ_PER_SECOND;
import static dev.marina.schemas.metrics.MetricNames.ROWS_READ_TOTAL;
import static dev.marina.schemas.metrics.MetricNames.ROWS_WRITTEN_PER_SECOND;
import static dev.marina.schemas.metrics.MetricNames.ROWS_WRITTEN_TOTAL;
import static dev.marina.schemas.metrics.MetricNames.SLOW_QUERIES_PER_SECOND;
import static dev.marina.schemas.metrics.MetricNames.SLOW_QUERIES_TOTAL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.marina.schemas.metrics.MetricNames;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class MetricsCalculatorTest {

    private static final double EXACT = 1e-9;
    private static final long MB = 1024 * 1024;
    private static final Set<String> RATES = Set.of(QUERIES_PER_SECOND, SLOW_QUERIES_PER_SECOND, ROWS_READ_PER_SECOND,
            ROWS_WRITTEN_PER_SECOND, BUFFER_POOL_HIT_RATIO, CPU_PERCENT);

    /** A primary that has served a while: 100 s up, 3 connections, 60 MB + 40 MB resident, 30 MB on disk. */
    private static RawSample base() {
        return new RawSample(
                new DatabaseReading(new DatabaseStatus(100, 3, 1_000, 10, 50_000, 500, 20_000, 4_000, 1, 400), Replication.NOT_A_REPLICA),
                new ProcessFigures(4242, 2_000_000_000L, 60 * MB),
                new ProcessFigures(7, 5_000_000_000L, 40 * MB),
                30 * MB);
    }

    /** {@code base()} five seconds later: 500 questions, 5 slow, 10,000 reads of which 100 from disk, 2,500 rows read, 250 written, 1 s of CPU. */
    private static RawSample fiveSecondsLater() {
        RawSample b = base();
        return new RawSample(
                new DatabaseReading(new DatabaseStatus(105, 4, 1_500, 15, 60_000, 600, 22_500, 4_250, 2, 650), Replication.NOT_A_REPLICA),
                new ProcessFigures(4242, 2_750_000_000L, 61 * MB),
                new ProcessFigures(7, 5_250_000_000L, 41 * MB),
                b.diskBytes() + MB);
    }

    @Test
    void the_first_sample_sends_counters_and_the_figures_of_the_moment_but_no_rates() {
        Figures f = MetricsCalculator.compute(Optional.empty(), base(), Duration.ZERO);
        assertEquals(Map.of(QUERIES_TOTAL, 1_000d, SLOW_QUERIES_TOTAL, 10d, ROWS_READ_TOTAL, 20_000d, ROWS_WRITTEN_TOTAL, 4_000d,
                MetricNames.CLIENT_QUERIES_TOTAL, 400d), f.counters());
        assertEquals(Map.of(CONNECTIONS, 3d, MetricNames.CLIENT_CONNECTIONS, 1d, MEMORY_BYTES, 100d * MB, DISK_BYTES, 30d * MB),
                f.gauges());
    }

    @Test
    void rates_are_counter_deltas_divided_by_the_elapsed_time() {
        Figures f = MetricsCalculator.compute(Optional.of(base()), fiveSecondsLater(), Duration.ofSeconds(5));
        assertEquals(100d, f.gauges().get(QUERIES_PER_SECOND), EXACT);
        assertEquals(1d, f.gauges().get(SLOW_QUERIES_PER_SECOND), EXACT);
        assertEquals(500d, f.gauges().get(ROWS_READ_PER_SECOND), EXACT);
        assertEquals(50d, f.gauges().get(ROWS_WRITTEN_PER_SECOND), EXACT);
        assertEquals(0.99, f.gauges().get(BUFFER_POOL_HIT_RATIO), EXACT);
        // 0.75 s of the server + 0.25 s of the agent in 5 s: 20 % of one core.
        assertEquals(20d, f.gauges().get(CPU_PERCENT), EXACT);
        assertEquals(4d, f.gauges().get(CONNECTIONS));
        assertEquals(102d * MB, f.gauges().get(MEMORY_BYTES));
        assertEquals(31d * MB, f.gauges().get(DISK_BYTES));
        assertEquals(1_500d, f.counters().get(QUERIES_TOTAL));
        assertEquals(4_250d, f.counters().get(ROWS_WRITTEN_TOTAL));
        assertEquals(2d, f.gauges().get(MetricNames.CLIENT_CONNECTIONS));
        assertEquals(50d, f.gauges().get(MetricNames.CLIENT_QUERIES_PER_SECOND), EXACT);
        assertEquals(650d, f.counters().get(MetricNames.CLIENT_QUERIES_TOTAL));
    }

    @Test
    void client_figures_are_left_out_when_unknown_and_their_rate_when_they_started_again() {
        RawSample later = fiveSecondsLater();
        DatabaseStatus s = later.database().status();
        Figures unknown = MetricsCalculator.compute(Optional.of(base()), withStatus(later, new DatabaseStatus(s.uptimeSeconds(),
                s.connections(), s.questions(), s.slowQueries(), s.bufferPoolReadRequests(), s.bufferPoolReads(), s.rowsRead(),
                s.rowsWritten())), Duration.ofSeconds(5));
        assertFalse(unknown.gauges().containsKey(MetricNames.CLIENT_CONNECTIONS));
        assertFalse(unknown.gauges().containsKey(MetricNames.CLIENT_QUERIES_PER_SECOND));
        assertFalse(unknown.counters().containsKey(MetricNames.CLIENT_QUERIES_TOTAL));
        // FLUSH USER_STATISTICS: the client counter went down, the server did not restart: other rates stay, not this one.
        Figures flushed = MetricsCalculator.compute(Optional.of(base()), withStatus(later, s.withClients(2, 7)), Duration.ofSeconds(5));
        assertFalse(flushed.gauges().containsKey(MetricNames.CLIENT_QUERIES_PER_SECOND));
        assertEquals(100d, flushed.gauges().get(QUERIES_PER_SECOND), EXACT);
        assertEquals(7d, flushed.counters().get(MetricNames.CLIENT_QUERIES_TOTAL));
    }

    @Test
    void a_primary_sends_every_gauge_but_replication_lag_and_every_counter() {
        Figures f = MetricsCalculator.compute(Optional.of(base()), fiveSecondsLater(), Duration.ofSeconds(5));
        assertEquals(MetricNames.GAUGES.stream().filter(g -> !g.equals(REPLICATION_LAG_SECONDS)).collect(Collectors.toSet()),
                f.gauges().keySet());
        assertEquals(Set.copyOf(MetricNames.COUNTERS), f.counters().keySet());
    }

    @Test
    void uses_the_measured_elapsed_time_not_the_nominal_interval() {
        Figures f = MetricsCalculator.compute(Optional.of(base()), fiveSecondsLater(), Duration.ofMillis(2_500));
        assertEquals(200d, f.gauges().get(QUERIES_PER_SECOND), EXACT);
        assertEquals(40d, f.gauges().get(CPU_PERCENT), EXACT);
    }

    @Test
    void a_counter_that_went_down_means_the_server_restarted_so_no_rates() {
        RawSample later = fiveSecondsLater();
        DatabaseStatus s = later.database().status();
        RawSample restarted = withStatus(later, new DatabaseStatus(s.uptimeSeconds(), s.connections(), 12, s.slowQueries(),
                s.bufferPoolReadRequests(), s.bufferPoolReads(), s.rowsRead(), s.rowsWritten(), s.clientConnections(), 3));
        Figures f = MetricsCalculator.compute(Optional.of(base()), restarted, Duration.ofSeconds(5));
        assertNoRates(f);
        assertEquals(12d, f.counters().get(QUERIES_TOTAL));
        assertEquals(4d, f.gauges().get(CONNECTIONS));
    }

    @Test
    void a_shorter_uptime_means_a_restart_even_when_the_counters_grew_past_the_old_values() {
        RawSample later = fiveSecondsLater();
        DatabaseStatus s = later.database().status();
        RawSample restarted = withStatus(later, new DatabaseStatus(2, s.connections(), s.questions(), s.slowQueries(),
                s.bufferPoolReadRequests(), s.bufferPoolReads(), s.rowsRead(), s.rowsWritten(), s.clientConnections(), s.clientQueries()));
        assertNoRates(MetricsCalculator.compute(Optional.of(base()), restarted, Duration.ofSeconds(5)));
    }

    @Test
    void another_server_process_means_a_restart() {
        RawSample later = fiveSecondsLater();
        RawSample otherProcess = new RawSample(later.database(), new ProcessFigures(5555, 10_000_000L, 50 * MB), later.agent(),
                later.diskBytes());
        Figures f = MetricsCalculator.compute(Optional.of(base()), otherProcess, Duration.ofSeconds(5));
        assertNoRates(f);
        assertEquals(91d * MB, f.gauges().get(MEMORY_BYTES));
    }

    @Test
    void zero_or_negative_elapsed_time_gives_no_rates_instead_of_dividing_by_zero() {
        assertNoRates(MetricsCalculator.compute(Optional.of(base()), fiveSecondsLater(), Duration.ZERO));
        assertNoRates(MetricsCalculator.compute(Optional.of(base()), fiveSecondsLater(), Duration.ofMillis(-1)));
    }

    @Test
    void the_hit_ratio_is_one_when_there_were_no_read_requests_in_the_interval() {
        Figures f = MetricsCalculator.compute(Optional.of(base()), base(), Duration.ofSeconds(5));
        assertEquals(1d, f.gauges().get(BUFFER_POOL_HIT_RATIO));
        assertEquals(0d, f.gauges().get(QUERIES_PER_SECOND));
        assertEquals(0d, f.gauges().get(CPU_PERCENT));
    }

    @Test
    void the_hit_ratio_stays_within_zero_and_one() {
        assertEquals(0d, MetricsCalculator.hitRatio(10, 50));
        assertEquals(0d, MetricsCalculator.hitRatio(10, 10));
        assertEquals(1d, MetricsCalculator.hitRatio(10, 0));
        assertEquals(0.75, MetricsCalculator.hitRatio(4, 1), EXACT);
        assertEquals(1d, MetricsCalculator.hitRatio(0, 0));
    }

    @Test
    void a_replica_sends_its_lag_when_it_is_known() {
        RawSample replica = withReplication(fiveSecondsLater(), Replication.replicaBehind(7));
        assertEquals(7d, MetricsCalculator.compute(Optional.of(base()), replica, Duration.ofSeconds(5)).gauges()
                .get(REPLICATION_LAG_SECONDS));
        RawSample firstOfReplica = withReplication(base(), Replication.replicaBehind(0));
        assertEquals(0d, MetricsCalculator.compute(Optional.empty(), firstOfReplica, Duration.ZERO).gauges()
                .get(REPLICATION_LAG_SECONDS));
    }

    @Test
    void a_replica_that_does_not_know_its_lag_sends_no_lag() {
        RawSample replica = withReplication(fiveSecondsLater(), Replication.replicaWithUnknownLag());
        Figures f = MetricsCalculator.compute(Optional.of(base()), replica, Duration.ofSeconds(5));
        assertFalse(f.gauges().containsKey(REPLICATION_LAG_SECONDS));
        assertEquals(100d, f.gauges().get(QUERIES_PER_SECOND), EXACT);
    }

    private static void assertNoRates(Figures f) {
        assertEquals(Set.of(), RATES.stream().filter(f.gauges()::containsKey).collect(Collectors.toSet()), "no rates");
        assertEquals(Set.copyOf(MetricNames.COUNTERS), f.counters().keySet(), "counters are still sent");
        assertEquals(Set.copyOf(List.of(CONNECTIONS, MetricNames.CLIENT_CONNECTIONS, MEMORY_BYTES, DISK_BYTES)), f.gauges().keySet());
    }

    private static RawSample withStatus(RawSample sample, DatabaseStatus status) {
        return new RawSample(new DatabaseReading(status, sample.database().replication()), sample.server(), sample.agent(),
                sample.diskBytes());
    }

    private static RawSample withReplication(RawSample sample, Replication replication) {
        return new RawSample(new DatabaseReading(sample.database().status(), replication), sample.server(), sample.agent(),
                sample.diskBytes());
    }
}
