package dev.marina.healthmonitor.metrics;

import java.time.Duration;
import java.util.Objects;

/**
 * The settings of the metric aggregation, {@code marina.health.metrics.*}, validated once.
 * {@code HealthConfig.Metrics} fills it; tests build it directly.
 *
 * @param grace               how long after a window's end a late sample is still counted in it
 * @param maxDeploymentLabels at most this many deployments get fleet gauges ({@code deployment} label);
 *                            0 turns the fleet gauges off
 * @param gaugesExpireAfter   a deployment's value gauges are removed when no sample of it has been
 *                            aggregated for this long
 */
public record MetricsSettings(Duration grace, int maxDeploymentLabels, Duration gaugesExpireAfter) {

    public static MetricsSettings defaults() {
        return new MetricsSettings(Duration.ofSeconds(5), 500, Duration.ofMinutes(10));
    }

    public MetricsSettings {
        Objects.requireNonNull(grace, "grace");
        Objects.requireNonNull(gaugesExpireAfter, "gaugesExpireAfter");
        if (grace.isNegative()) {
            throw new IllegalArgumentException("marina.health.metrics.grace must not be negative, is " + grace);
        }
        if (maxDeploymentLabels < 0) {
            throw new IllegalArgumentException("marina.health.metrics.max-deployment-labels must not be negative, is "
                    + maxDeploymentLabels);
        }
        if (gaugesExpireAfter.isNegative() || gaugesExpireAfter.isZero()) {
            throw new IllegalArgumentException("marina.health.metrics.gauges-expire-after must be positive, is "
                    + gaugesExpireAfter);
        }
    }

    /** How often stale gauges are looked for: a tenth of the expiry, between 1 s and 1 min. */
    public Duration sweepInterval() {
        Duration tenth = gaugesExpireAfter.dividedBy(10);
        if (tenth.compareTo(Duration.ofSeconds(1)) < 0) {
            return Duration.ofSeconds(1);
        }
        return tenth.compareTo(Duration.ofMinutes(1)) > 0 ? Duration.ofMinutes(1) : tenth;
    }
}
