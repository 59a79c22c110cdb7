package dev.marina.provisioner.local;

import java.time.Duration;
import java.time.Instant;

/**
 * How long to wait before relaunching an agent that keeps dying: the first death is answered at
 * once, then 1 s, 2 s, 4 s, … up to a ceiling, so a broken agent never hot-loops. An agent that
 * stayed up for the stable period counts as healthy again.
 */
public record RestartBackoff(Duration initial, Duration max, Duration stableAfter) {

    public static final RestartBackoff DEFAULT =
            new RestartBackoff(Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(30));

    /** The wait before the next relaunch, given how many relaunches happened without a stable run. */
    public Duration delayBefore(int recentRelaunches) {
        if (recentRelaunches <= 0) {
            return Duration.ZERO;
        }
        int doublings = Math.min(recentRelaunches - 1, 30);
        Duration delay = initial.multipliedBy(1L << doublings);
        return delay.compareTo(max) > 0 ? max : delay;
    }

    /** Whether an agent launched at {@code launchedAt} has run long enough to forget its past deaths. */
    public boolean isStable(Instant launchedAt, Instant now) {
        return !now.isBefore(launchedAt.plus(stableAfter));
    }
}
