package dev.marina.healthmonitor.dashboard;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The dashboard's settings, {@code marina.dashboard.*}: how far back it reads, and the caps that
 * keep its memory bounded whatever the size of the fleet. Durations take Quarkus' forms
 * ({@code 10m}, {@code 5s}, ISO-8601).
 */
@ConfigMapping(prefix = "marina.dashboard")
public interface DashboardConfig {

    /** Deployments kept in memory; beyond it, deleted and silent ones are dropped first. */
    @WithDefault("1000")
    int maxDeployments();

    /** Instances remembered per deployment (health and metrics). */
    @WithDefault("16")
    int maxInstances();

    /** Instances with a chart, fleet-wide; beyond it, the series silent the longest is dropped. */
    @WithDefault("1000")
    int maxSeries();

    /** How much time a chart shows. */
    @WithDefault("10m")
    Duration chartWindow();

    /** Points kept per instance, at most (600 = ten minutes of 1-second samples). */
    @WithDefault("600")
    int chartPoints();

    /** At start, metric samples are read from this long ago. */
    @WithDefault("5m")
    Duration metricsLookBack();

    /** At start, health transitions are read from this long ago. */
    @WithDefault("1h")
    Duration transitionsLookBack();

    /** Recent health transitions kept per deployment. */
    @WithDefault("20")
    int transitionsPerDeployment();

    /** Recent health transitions kept fleet-wide. */
    @WithDefault("50")
    int transitionsFleet();

    /** A condition that has been false this long is an alert. */
    @WithDefault("2m")
    Duration conditionAlertAfter();

    /** How often alerts that depend only on time (a condition false for long) are looked at again. */
    @WithDefault("5s")
    Duration alertCheckInterval();

    /** Events queued for one slow browser before its stream is ended (the page reconnects and reloads). */
    @WithDefault("2000")
    int eventsBuffer();

    /**
     * Names the {@code Host} header may carry besides addresses and {@code localhost} (e.g. the name a
     * browser reaches this machine by); any other name is refused (403), against DNS rebinding.
     */
    Optional<List<String>> hosts();

    /**
     * The token the dashboard asks for when health-monitor listens beyond loopback
     * ({@code quarkus.http.host} not 127.0.0.1, ::1 or localhost); unset: the one in token-file.
     */
    Optional<String> token();

    /** File holding the dashboard's token, created (mode 0600) when one is needed and none is set. */
    @WithDefault("${marina.home}/secrets/dashboard.token")
    String tokenFile();
}
