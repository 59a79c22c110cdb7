package dev.marina.agent.metrics;

import static dev.marina.schemas.metrics.MetricNames.BUFFER_POOL_HIT_RATIO;
import static dev.marina.schemas.metrics.MetricNames.CLIENT_CONNECTIONS;
import static dev.marina.schemas.metrics.MetricNames.CLIENT_QUERIES_PER_SECOND;
import static dev.marina.schemas.metrics.MetricNames.CLIENT_QUERIES_TOTAL;
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

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * <b>Pure</b>: two raw samples and the time between them → the figures a {@code MetricSample} carries.
 *
 * <ul>
 *   <li>Counters and the figures of the moment (connections, memory, disk, replication lag) are always
 *       reported.</li>
 *   <li>Rates (per second), the buffer pool hit ratio and CPU are deltas over the interval, reported
 *       only when the previous sample is of the same server run: there is one, time went forward, the
 *       server's process and uptime did not start again, and no counter went down. Otherwise (first
 *       sample after a start, a server restart) the sample has counters and no rates.</li>
 * </ul>
 */
public final class MetricsCalculator {
    private MetricsCalculator() {}

    private static final double NANOS_PER_SECOND = 1_000_000_000d;

    public static Figures compute(Optional<RawSample> previous, RawSample current, Duration elapsed) {
        DatabaseStatus now = current.database().status();
        Map<String, Double> counters = new HashMap<>();
        counters.put(QUERIES_TOTAL, (double) now.questions());
        counters.put(SLOW_QUERIES_TOTAL, (double) now.slowQueries());
        counters.put(ROWS_READ_TOTAL, (double) now.rowsRead());
        counters.put(ROWS_WRITTEN_TOTAL, (double) now.rowsWritten());

        Map<String, Double> gauges = new HashMap<>();
        gauges.put(CONNECTIONS, (double) now.connections());
        if (now.clientConnections() >= 0) {
            gauges.put(CLIENT_CONNECTIONS, (double) now.clientConnections());
        }
        if (now.clientQueries() >= 0) {
            counters.put(CLIENT_QUERIES_TOTAL, (double) now.clientQueries());
        }
        gauges.put(MEMORY_BYTES, (double) (current.server().rssBytes() + current.agent().rssBytes()));
        gauges.put(DISK_BYTES, (double) current.diskBytes());
        current.database().replication().lagSeconds().ifPresent(lag -> gauges.put(REPLICATION_LAG_SECONDS, (double) lag));

        if (previous.isPresent() && elapsed.toNanos() > 0 && sameRun(previous.get(), current)) {
            RawSample before = previous.get();
            DatabaseStatus then = before.database().status();
            double seconds = elapsed.toNanos() / NANOS_PER_SECOND;
            gauges.put(QUERIES_PER_SECOND, (now.questions() - then.questions()) / seconds);
            // USER_STATISTICS starts again on FLUSH USER_STATISTICS: no rate across it.
            if (now.clientQueries() >= 0 && then.clientQueries() >= 0 && now.clientQueries() >= then.clientQueries()) {
                gauges.put(CLIENT_QUERIES_PER_SECOND, (now.clientQueries() - then.clientQueries()) / seconds);
            }
            gauges.put(SLOW_QUERIES_PER_SECOND, (now.slowQueries() - then.slowQueries()) / seconds);
            gauges.put(ROWS_READ_PER_SECOND, (now.rowsRead() - then.rowsRead()) / seconds);
            gauges.put(ROWS_WRITTEN_PER_SECOND, (now.rowsWritten() - then.rowsWritten()) / seconds);
            gauges.put(BUFFER_POOL_HIT_RATIO, hitRatio(now.bufferPoolReadRequests() - then.bufferPoolReadRequests(),
                    now.bufferPoolReads() - then.bufferPoolReads()));
            long cpuNanos = (current.server().cpuNanos() - before.server().cpuNanos())
                    + (current.agent().cpuNanos() - before.agent().cpuNanos());
            gauges.put(CPU_PERCENT, 100d * cpuNanos / elapsed.toNanos());
        }
        return new Figures(gauges, counters);
    }

    /** Share of logical reads served from memory; 1.0 when there were none (nothing missed). */
    static double hitRatio(long readRequests, long diskReads) {
        if (readRequests <= 0) {
            return 1.0;
        }
        return Math.max(0d, Math.min(1d, 1d - (double) diskReads / readRequests));
    }

    /** True when both samples are of the same server process and agent, so their counters can be subtracted. */
    static boolean sameRun(RawSample before, RawSample after) {
        DatabaseStatus a = before.database().status();
        DatabaseStatus b = after.database().status();
        return before.server().pid() == after.server().pid()
                && before.agent().pid() == after.agent().pid()
                && b.uptimeSeconds() >= a.uptimeSeconds()
                && b.questions() >= a.questions()
                && b.slowQueries() >= a.slowQueries()
                && b.bufferPoolReadRequests() >= a.bufferPoolReadRequests()
                && b.bufferPoolReads() >= a.bufferPoolReads()
                && b.rowsRead() >= a.rowsRead()
                && b.rowsWritten() >= a.rowsWritten()
                && after.server().cpuNanos() >= before.server().cpuNanos()
                && after.agent().cpuNanos() >= before.agent().cpuNanos();
    }
}
