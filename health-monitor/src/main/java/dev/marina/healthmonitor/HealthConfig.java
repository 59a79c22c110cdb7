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

    /** No heartbeat for this long: the instance is SUSPECT. Agents send one every second. */
    @WithDefault("2500ms")
    Duration suspectAfter();

    /** No heartbeat for this long: the instance is DOWN. */
    @WithDefault("5s")
    Duration downAfter();

    /** A DOWN instance is dropped from the store after this long (deleted instances never come back). */
    @WithDefault("10m")
    Duration forgetAfter();

    /** How often the wall-clock check looks at every instance; bounds how late a detection can be. */
    @WithDefault("250ms")
    Duration checkInterval();
}
