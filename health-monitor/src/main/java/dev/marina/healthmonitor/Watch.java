package dev.marina.healthmonitor;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * The monitor's view of time: the wall-clock time now, and since when it has been watching (when
 * its task started processing). Silence before that was not observed: after a restart or a move of
 * the task, heartbeats sent meanwhile are still in the backlog, so they cannot be called missing.
 */
public record Watch(Instant since, Instant now) {

    public Watch {
        Objects.requireNonNull(since, "since");
        Objects.requireNonNull(now, "now");
    }

    /** How long the monitor has itself seen no sign of life: never longer than it has been watching. */
    public Duration observedSilence(Instant lastHeardAt) {
        Instant from = lastHeardAt.isAfter(since) ? lastHeardAt : since;
        return Duration.between(from, now);
    }
}
