package dev.marina.healthmonitor.metrics;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * One tumbling window: {@code [start, start + size)}, aligned to the epoch, so every monitor and every
 * reader computes the same bounds.
 */
public record Window(Instant start, WindowSize size) {

    public Window {
        Objects.requireNonNull(start, "start");
        Objects.requireNonNull(size, "size");
    }

    /** The window of this size that contains {@code time}. */
    public static Window containing(Instant time, WindowSize size) {
        long ms = size.size().toMillis();
        return new Window(Instant.ofEpochMilli(Math.floorDiv(time.toEpochMilli(), ms) * ms), size);
    }

    public Instant end() {
        return start.plus(size.size());
    }

    public long startMs() {
        return start.toEpochMilli();
    }

    public long seconds() {
        return size.size().toSeconds();
    }

    public Window previous() {
        return new Window(start.minus(size.size()), size);
    }

    /**
     * Closed: stream time has passed the window's end by the grace period or more, so a sample for it
     * is too late and is dropped (as Kafka Streams' own windowed aggregations do).
     */
    public boolean closedAt(long streamTimeMs, Duration grace) {
        return end().toEpochMilli() + grace.toMillis() <= streamTimeMs;
    }
}
