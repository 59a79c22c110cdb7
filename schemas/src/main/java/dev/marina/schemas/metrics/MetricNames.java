package dev.marina.schemas.metrics;

import java.util.List;

/**
 * The names in a {@code MetricSample}'s maps, as agents send them and health-monitor and dashboards
 * read them. Rates are per second over the agent's sampling interval; ratios are 0..1.
 */
public final class MetricNames {
    private MetricNames() {}

    // gauges: database
    public static final String CONNECTIONS = "connections";
    public static final String QUERIES_PER_SECOND = "queries_per_second";
    public static final String SLOW_QUERIES_PER_SECOND = "slow_queries_per_second";
    public static final String BUFFER_POOL_HIT_RATIO = "buffer_pool_hit_ratio";
    /** Seconds behind the primary; sent by replicas only. */
    public static final String REPLICATION_LAG_SECONDS = "replication_lag_seconds";
    public static final String ROWS_READ_PER_SECOND = "rows_read_per_second";
    public static final String ROWS_WRITTEN_PER_SECOND = "rows_written_per_second";
    /**
     * Clients' connections and queries only: the platform's own users (the agent's probes, replication) do not
     * count. Autoscaling's per-reader targets and idle detection (pause) read these.
     */
    public static final String CLIENT_CONNECTIONS = "client_connections";
    public static final String CLIENT_QUERIES_PER_SECOND = "client_queries_per_second";

    // gauges: the instance on its host (database server and agent together)
    /** Percent of one core. */
    public static final String CPU_PERCENT = "cpu_percent";
    public static final String MEMORY_BYTES = "memory_bytes";
    /** Bytes used by the instance's folder (data, logs, configuration). */
    public static final String DISK_BYTES = "disk_bytes";

    // counters: totals since the database server started
    public static final String QUERIES_TOTAL = "queries_total";
    public static final String SLOW_QUERIES_TOTAL = "slow_queries_total";
    public static final String ROWS_READ_TOTAL = "rows_read_total";
    public static final String ROWS_WRITTEN_TOTAL = "rows_written_total";
    public static final String CLIENT_QUERIES_TOTAL = "client_queries_total";

    public static final List<String> GAUGES = List.of(CONNECTIONS, QUERIES_PER_SECOND, SLOW_QUERIES_PER_SECOND,
            BUFFER_POOL_HIT_RATIO, REPLICATION_LAG_SECONDS, ROWS_READ_PER_SECOND, ROWS_WRITTEN_PER_SECOND, CPU_PERCENT,
            MEMORY_BYTES, DISK_BYTES, CLIENT_CONNECTIONS, CLIENT_QUERIES_PER_SECOND);
    /**
     * Gauges whose value for a whole deployment is the sum over its instances (the others — ratios,
     * lag — are averaged or maxed). health-monitor's aggregates and dashboards follow this rule.
     */
    public static final List<String> ADDITIVE_GAUGES = List.of(CONNECTIONS, QUERIES_PER_SECOND,
            SLOW_QUERIES_PER_SECOND, ROWS_READ_PER_SECOND, ROWS_WRITTEN_PER_SECOND, CPU_PERCENT, MEMORY_BYTES, DISK_BYTES,
            CLIENT_CONNECTIONS, CLIENT_QUERIES_PER_SECOND);
    public static final List<String> COUNTERS = List.of(QUERIES_TOTAL, SLOW_QUERIES_TOTAL, ROWS_READ_TOTAL,
            ROWS_WRITTEN_TOTAL, CLIENT_QUERIES_TOTAL);
}
