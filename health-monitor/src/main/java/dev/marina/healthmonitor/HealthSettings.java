package dev.marina.healthmonitor;

import java.time.Duration;
import java.util.Objects;

/**
 * The thresholds of the health rules, validated once. {@link HealthConfig} fills it from
 * {@code marina.health.*}; tests build it directly.
 *
 * @param suspectAfter  silence after which an instance is SUSPECT
 * @param downAfter     silence after which an instance is DOWN
 * @param forgetAfter   how long a DOWN instance is remembered before it is dropped from the store
 * @param checkInterval how often the wall-clock check looks at every instance
 */
public record HealthSettings(Duration suspectAfter, Duration downAfter, Duration forgetAfter, Duration checkInterval) {

    public static HealthSettings defaults() {
        return new HealthSettings(Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofMinutes(10),
                Duration.ofMillis(250));
    }

    public HealthSettings {
        Objects.requireNonNull(suspectAfter, "suspectAfter");
        Objects.requireNonNull(downAfter, "downAfter");
        Objects.requireNonNull(forgetAfter, "forgetAfter");
        Objects.requireNonNull(checkInterval, "checkInterval");
        if (checkInterval.isNegative() || checkInterval.isZero()) {
            throw new IllegalArgumentException("marina.health.check-interval must be positive, is " + checkInterval);
        }
        if (suspectAfter.isNegative() || suspectAfter.isZero()) {
            throw new IllegalArgumentException("marina.health.suspect-after must be positive, is " + suspectAfter);
        }
        if (downAfter.compareTo(suspectAfter) <= 0) {
            throw new IllegalArgumentException("marina.health.down-after (" + downAfter
                    + ") must be longer than suspect-after (" + suspectAfter + ")");
        }
        if (forgetAfter.compareTo(downAfter) <= 0) {
            throw new IllegalArgumentException("marina.health.forget-after (" + forgetAfter
                    + ") must be longer than down-after (" + downAfter + ")");
        }
    }
}
