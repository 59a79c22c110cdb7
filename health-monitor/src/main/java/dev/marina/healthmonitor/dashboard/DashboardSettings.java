package dev.marina.healthmonitor.dashboard;

import java.time.Duration;
import java.util.Objects;

/**
 * {@link DashboardConfig}, validated once; tests build it directly.
 *
 * @param maxDeployments           deployments kept in memory
 * @param maxInstances             instances remembered per deployment
 * @param maxSeries                instances with a chart, fleet-wide
 * @param chartWindow              how much time a chart shows
 * @param chartPoints              points kept per instance
 * @param metricsLookBack          how far back metric samples are read at start
 * @param transitionsLookBack      how far back health transitions are read at start
 * @param transitionsPerDeployment recent transitions kept per deployment
 * @param transitionsFleet         recent transitions kept fleet-wide
 * @param conditionAlertAfter      a condition false this long is an alert
 * @param alertCheckInterval       how often time-only alerts are looked at again
 * @param eventsBuffer             events queued for one slow browser
 */
public record DashboardSettings(int maxDeployments, int maxInstances, int maxSeries, Duration chartWindow, int chartPoints,
        Duration metricsLookBack, Duration transitionsLookBack, int transitionsPerDeployment, int transitionsFleet,
        Duration conditionAlertAfter, Duration alertCheckInterval, int eventsBuffer) {

    public static DashboardSettings defaults() {
        return new DashboardSettings(1000, 16, 1000, Duration.ofMinutes(10), 600, Duration.ofMinutes(5), Duration.ofHours(1),
                20, 50, Duration.ofMinutes(2), Duration.ofSeconds(5), 2000);
    }

    public static DashboardSettings of(DashboardConfig c) {
        return new DashboardSettings(c.maxDeployments(), c.maxInstances(), c.maxSeries(), c.chartWindow(), c.chartPoints(),
                c.metricsLookBack(), c.transitionsLookBack(), c.transitionsPerDeployment(), c.transitionsFleet(),
                c.conditionAlertAfter(), c.alertCheckInterval(), c.eventsBuffer());
    }

    public DashboardSettings {
        positive("max-deployments", maxDeployments);
        positive("max-instances", maxInstances);
        positive("max-series", maxSeries);
        positive("chart-points", chartPoints);
        positive("transitions-per-deployment", transitionsPerDeployment);
        positive("transitions-fleet", transitionsFleet);
        positive("events-buffer", eventsBuffer);
        positive("chart-window", chartWindow);
        positive("alert-check-interval", alertCheckInterval);
        notNegative("metrics-look-back", metricsLookBack);
        notNegative("transitions-look-back", transitionsLookBack);
        notNegative("condition-alert-after", conditionAlertAfter);
        if (metricsLookBack.compareTo(chartWindow) > 0) {
            throw new IllegalArgumentException("marina.dashboard.metrics-look-back (" + metricsLookBack
                    + ") must not be longer than chart-window (" + chartWindow + "): older samples would be dropped at once");
        }
    }

    /** A builder-style copy with other caps, for tests. */
    public DashboardSettings withCaps(int maxDeployments, int maxInstances, int maxSeries, int chartPoints) {
        return new DashboardSettings(maxDeployments, maxInstances, maxSeries, chartWindow, chartPoints, metricsLookBack,
                transitionsLookBack, transitionsPerDeployment, transitionsFleet, conditionAlertAfter, alertCheckInterval,
                eventsBuffer);
    }

    private static void positive(String key, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException("marina.dashboard." + key + " must be positive, is " + value);
        }
    }

    private static void positive(String key, Duration value) {
        Objects.requireNonNull(value, key);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException("marina.dashboard." + key + " must be positive, is " + value);
        }
    }

    private static void notNegative(String key, Duration value) {
        Objects.requireNonNull(value, key);
        if (value.isNegative()) {
            throw new IllegalArgumentException("marina.dashboard." + key + " must not be negative, is " + value);
        }
    }
}
