package dev.marina.healthmonitor.metrics;

import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.v1.MetricSample;
import dev.marina.service.Timestamps;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Can a decoded sample be aggregated? A chain of small checks, each with a reason; what fails goes to
 * {@code dead-letters}, except a sample whose instance the status does not list ({@link #unlisted}). Pure: the processor gathers the roster and the record's timestamp.
 */
public final class SampleCheck {
    private SampleCheck() {}

    /** Why a record is dead-lettered; a bounded set, used as a metric label. */
    public enum Reason {
        /** The value is not a {@code MetricSample} in proto3 JSON (or not a status, on deployment-status). */
        UNDECODABLE,
        /** The sample does not prove the instance it names (no proof, or one that does not hold). */
        UNPROVEN,
        /** No value: a sample is never a tombstone. */
        TOMBSTONE,
        /** Decoded, but lacks what aggregation needs (key, instance, time) or contradicts its key. */
        INVALID,
        /** Stamped further ahead of the monitor's clock than the grace period. */
        AHEAD_OF_CLOCK,
        /** The deployment has no status (unknown, or deleted). */
        UNKNOWN_DEPLOYMENT,
        /** The deployment's status does not list the instance. */
        UNKNOWN_INSTANCE;

        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    public record Rejection(Reason reason, String detail) {}

    /**
     * Whether a rejection is only that the deployment's status does not list the sample's instance (yet, or any
     * more): the sample is proven, so not a bad record; it is counted and dropped, not dead-lettered.
     */
    public static boolean unlisted(Reason reason) {
        return reason == Reason.UNKNOWN_DEPLOYMENT || reason == Reason.UNKNOWN_INSTANCE;
    }

    /** Whether the record key is a deployment key; checked first, before the roster is looked up by it. */
    public static Optional<Rejection> key(String key) {
        if (key == null) {
            return invalid("sample without a record key; expected the deployment key \"<tenant>/<name>\"");
        }
        try {
            DeploymentKey.parse(key);
        } catch (IllegalArgumentException e) {
            return invalid(e.getMessage());
        }
        return Optional.empty();
    }

    /**
     * Why the sample cannot be aggregated, or empty when it can.
     *
     * @param key               the record key, already accepted by {@link #key}
     * @param recordTimestampMs the record's timestamp as {@link SampleTime} extracted it: below
     *                          {@code sampled_at} only when the sample was stamped too far ahead
     * @param roster            the deployment's roster, or null when it has no status
     */
    public static Optional<Rejection> check(String key, MetricSample sample, long recordTimestampMs, Roster roster) {
        if (sample.getInstanceId().isBlank()) {
            return invalid("sample without instance_id");
        }
        if (!sample.hasSampledAt() || Timestamps.toInstant(sample.getSampledAt()).toEpochMilli() <= 0) {
            return invalid("sample without sampled_at: it cannot be placed in a window");
        }
        if (sample.hasDeployment() && !DeploymentKey.of(sample.getDeployment()).equals(key)) {
            return invalid("record key \"" + key + "\" does not match the sample's deployment \""
                    + DeploymentKey.of(sample.getDeployment()) + "\"");
        }
        Optional<Rejection> values = values("gauge", sample.getGaugesMap())
                .or(() -> values("counter", sample.getCountersMap()));
        if (values.isPresent()) {
            return values;
        }
        long sampledAtMs = Timestamps.toInstant(sample.getSampledAt()).toEpochMilli();
        if (sampledAtMs > recordTimestampMs) {
            return Optional.of(new Rejection(Reason.AHEAD_OF_CLOCK, "sampled_at " + Timestamps.toInstant(sample.getSampledAt())
                    + " is ahead of the monitor's clock by more than the grace period"));
        }
        if (roster == null) {
            return Optional.of(new Rejection(Reason.UNKNOWN_DEPLOYMENT,
                    "deployment " + key + " has no status: unknown or deleted"));
        }
        if (!roster.owns(sample.getInstanceId())) {
            return Optional.of(new Rejection(Reason.UNKNOWN_INSTANCE, "instance " + sample.getInstanceId()
                    + " is not listed in the status of " + key));
        }
        return Optional.empty();
    }

    private static Optional<Rejection> values(String kind, Map<String, Double> values) {
        if (values.size() > InstanceWindow.MAX_NAMES) {
            return invalid("sample with " + values.size() + " " + kind + "s; at most " + InstanceWindow.MAX_NAMES
                    + " are aggregated");
        }
        for (Map.Entry<String, Double> value : values.entrySet()) {
            if (!Double.isFinite(value.getValue())) {
                return invalid(kind + " " + value.getKey() + " is " + value.getValue() + ", not a finite number");
            }
        }
        return Optional.empty();
    }

    private static Optional<Rejection> invalid(String detail) {
        return Optional.of(new Rejection(Reason.INVALID, detail));
    }
}
