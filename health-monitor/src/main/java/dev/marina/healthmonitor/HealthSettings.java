package dev.marina.healthmonitor;

import java.time.Duration;
import java.util.Objects;

/**
 * The thresholds of the health rules, validated once. {@link HealthConfig} fills it from
 * {@code marina.health.*}; tests build it directly.
 *
 * <p>The invariant that makes failover safe: <b>down-after &gt; primary-lease</b>. A primary whose
 * heartbeats stop being acknowledged fences itself (read-only) one lease after its last acknowledged
 * heartbeat; the monitor calls it DOWN, and the reconciler promotes a replica, only down-after after
 * its last heartbeat was heard. So by the time a replica is promoted, a primary that is alive but cut
 * off from Kafka no longer takes writes. The difference (500 ms by default) is the margin for the
 * heartbeat's delivery and for the agent to apply read-only.
 *
 * @param suspectAfter  silence after which an instance is SUSPECT; also how fresh a replica's report
 *                      must be to count for or against its primary
 * @param downAfter     silence after which an instance is DOWN (a primary only when its replicas no
 *                      longer hear from it either)
 * @param forgetAfter   how long a DOWN instance is remembered before it is dropped from the store
 * @param checkInterval how often the wall-clock check looks at the deployments that have something due
 * @param primaryLease  how long the agents let a primary go without an acknowledged heartbeat before it
 *                      fences itself; down-after must be longer
 */
public record HealthSettings(Duration suspectAfter, Duration downAfter, Duration forgetAfter, Duration checkInterval,
        Duration primaryLease) {

    /**
     * For a failover within about 2 s of a primary dying: agents beat every 200 ms, so 600 ms is three
     * missed heartbeats; DOWN at 1.5 s is the 1 s lease plus 500 ms of margin.
     */
    public static HealthSettings defaults() {
        return new HealthSettings(Duration.ofMillis(600), Duration.ofMillis(1500), Duration.ofMinutes(10),
                Duration.ofMillis(100), Duration.ofSeconds(1));
    }

    public HealthSettings {
        Objects.requireNonNull(suspectAfter, "suspectAfter");
        Objects.requireNonNull(downAfter, "downAfter");
        Objects.requireNonNull(forgetAfter, "forgetAfter");
        Objects.requireNonNull(checkInterval, "checkInterval");
        Objects.requireNonNull(primaryLease, "primaryLease");
        if (checkInterval.isNegative() || checkInterval.isZero()) {
            throw new IllegalArgumentException("marina.health.check-interval must be positive, is " + checkInterval);
        }
        if (suspectAfter.isNegative() || suspectAfter.isZero()) {
            throw new IllegalArgumentException("marina.health.suspect-after must be positive, is " + suspectAfter);
        }
        if (primaryLease.isNegative() || primaryLease.isZero()) {
            throw new IllegalArgumentException("marina.health.primary-lease must be positive, is " + primaryLease);
        }
        if (downAfter.compareTo(suspectAfter) <= 0) {
            throw new IllegalArgumentException("marina.health.down-after (" + downAfter
                    + ") must be longer than suspect-after (" + suspectAfter + ")");
        }
        if (downAfter.compareTo(primaryLease) <= 0) {
            throw new IllegalArgumentException("marina.health.down-after (" + downAfter
                    + ") must be longer than primary-lease (" + primaryLease + "): a primary cut off from Kafka"
                    + " must have fenced itself before it is called DOWN and a replica is promoted");
        }
        if (forgetAfter.compareTo(downAfter) <= 0) {
            throw new IllegalArgumentException("marina.health.forget-after (" + forgetAfter
                    + ") must be longer than down-after (" + downAfter + ")");
        }
    }
}
