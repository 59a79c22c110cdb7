package dev.marina.healthmonitor.metrics;

import java.time.Instant;

/**
 * One counter of one instance within a window: its first and last point by {@code sampled_at}, and
 * the increase between the points seen, counted across resets.
 *
 * <p>A counter only grows while the database server runs; a value below the one before means the
 * server restarted and the counter began again at zero, so the increase across a reset is the value
 * after it (as Prometheus' {@code increase()} counts it).
 *
 * <p>A point that arrives out of order is placed at either end when it is older than the first or
 * newer than the last; a point between two already seen (or at the same time as one) adds nothing:
 * between two points without a reset the increase is already counted.
 */
public record CounterTrack(Instant firstAt, double firstValue, Instant lastAt, double lastValue, double increase) {

    public static CounterTrack of(Instant at, double value) {
        return new CounterTrack(at, value, at, value, 0);
    }

    public CounterTrack plus(Instant at, double value) {
        if (at.isAfter(lastAt)) {
            return new CounterTrack(firstAt, firstValue, at, value, increase + increase(lastValue, value));
        }
        if (at.isBefore(firstAt)) {
            return new CounterTrack(at, value, lastAt, lastValue, increase + increase(value, firstValue));
        }
        return this;
    }

    /** Whether the window holds two points, so its own increase is known. */
    public boolean spansTime() {
        return lastAt.isAfter(firstAt);
    }

    /** The increase from one value of a counter to the next: the difference, or the new value after a reset. */
    public static double increase(double from, double to) {
        return to >= from ? to - from : to;
    }
}
