package dev.marina.healthmonitor;

/**
 * How far behind its input the monitor is, so it judges silence as of where it has read to, not as of the wall
 * clock. A monitor that falls behind (a starved CPU, a backlog after a rebalance) reads heartbeats seconds after they
 * were sent; judged on the wall clock, every one of them is old news and live instances turn SUSPECT and DOWN, and the
 * reconciler fails over or replaces them. Judged as of its own position, the monitor only ever decides later, never
 * sooner: a primary has had longer to fence itself, so the failover invariant (down-after &gt; lease) still holds.
 *
 * <p>The delay is the <em>freshest</em> record's (wall clock when read minus the record's timestamp) over the last two
 * windows: one agent whose clock is behind cannot hold back judging the others (their fresher records win), and one
 * whose clock is ahead only reads as no delay. With no record read for two windows the delay is zero: nothing read
 * means caught up (or nothing to read), and silence is then judged on the wall clock, as before.
 *
 * <p>Not thread-safe: one per stream task, used from its thread.
 */
final class InputDelay {

    private final long windowMs;
    private long windowStart = Long.MIN_VALUE;
    /** Smallest delay seen in the current window, and in the previous one; Long.MAX_VALUE: no record. */
    private long current = Long.MAX_VALUE;
    private long previous = Long.MAX_VALUE;

    InputDelay(long windowMs) {
        if (windowMs <= 0) {
            throw new IllegalArgumentException("window must be positive");
        }
        this.windowMs = windowMs;
    }

    /** A record with timestamp {@code recordMs} was read at {@code wallMs}. */
    void seen(long recordMs, long wallMs) {
        roll(wallMs);
        current = Math.min(current, wallMs - recordMs);
    }

    /** How far behind the input is at {@code wallMs}: never negative, zero with nothing read lately. */
    long behindMs(long wallMs) {
        roll(wallMs);
        long freshest = Math.min(current, previous);
        return freshest == Long.MAX_VALUE ? 0 : Math.max(0, freshest);
    }

    private void roll(long wallMs) {
        if (windowStart == Long.MIN_VALUE) {
            windowStart = wallMs;
            return;
        }
        long windows = (wallMs - windowStart) / windowMs;
        if (windows >= 2) {
            previous = Long.MAX_VALUE;
            current = Long.MAX_VALUE;
            windowStart += windows * windowMs;
        } else if (windows == 1) {
            previous = current;
            current = Long.MAX_VALUE;
            windowStart += windowMs;
        }
    }
}
