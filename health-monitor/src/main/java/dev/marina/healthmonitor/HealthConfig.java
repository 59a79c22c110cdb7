package dev.marina.healthmonitor;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/**
 * The health monitor's settings, {@code marina.health.*}. Durations take Quarkus' forms:
 * {@code 2500ms}, {@code 5s}, {@code 10m} or ISO-8601 ({@code PT2.5S}).
 */
@ConfigMapping(prefix = "marina.health")
public interface HealthConfig {

    /**
     * No heartbeat for this long: the instance is SUSPECT (three missed heartbeats at the agents' 200 ms).
     * Also how fresh a replica's heartbeat must be for its report to count when its primary is judged.
     */
    @WithDefault("600ms")
    Duration suspectAfter();

    /**
     * No heartbeat for this long: the instance is DOWN; a primary only when no fresh replica still
     * replicates from it. Must be longer than {@link #primaryLease()}, so that a primary cut off from Kafka
     * has fenced itself before a replica is promoted.
     */
    @WithDefault("1500ms")
    Duration downAfter();

    /** A DOWN instance is dropped from the store after this long (deleted instances never come back). */
    @WithDefault("10m")
    Duration forgetAfter();

    /**
     * How often the wall-clock check runs; bounds how late a detection can be. Each run looks only at the
     * deployments where something can have changed since (a threshold passed), not at every instance.
     */
    @WithDefault("100ms")
    Duration checkInterval();

    /**
     * The agents' lease: a primary whose heartbeats are not acknowledged for this long makes itself
     * read-only. Checked against down-after. Defaults to the platform's {@code marina.platform.primary-lease},
     * the value the agents' {@code marina.agent.lease} defaults to.
     */
    @WithDefault("${marina.platform.primary-lease}")
    Duration primaryLease();

    /** The aggregation of agents' metric samples into {@code deployment-metrics}, {@code marina.health.metrics.*}. */
    Metrics metrics();

    interface Metrics {

        /**
         * How long after a window's end a late sample still counts in it (stream time, i.e. the newest
         * {@code sampled_at} seen). Later ones are dropped and counted. Also how far ahead of the monitor's
         * clock a sample may be stamped; further ahead, it is dead-lettered.
         */
        @WithDefault("5s")
        Duration grace();

        /**
         * At most this many deployments get per-deployment gauges on {@code /q/metrics} (a
         * {@code deployment} label); further ones are counted in {@code marina_metrics_labels_refused_total}.
         * 0 turns the per-deployment gauges off.
         */
        @WithDefault("500")
        int maxDeploymentLabels();

        /** A deployment's value gauges (queries per second, connections) go when it has had no sample for this long. */
        @WithDefault("10m")
        Duration gaugesExpireAfter();
    }
}
