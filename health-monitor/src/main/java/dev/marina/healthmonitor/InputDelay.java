package dev.marina.healthmonitor;

/**
 * How far behind its input the monitor is, so it judges silence as of where it has read to, not as of the wall
 * clock. A monitor that falls behind (a starved CPU, a backlog after a rebalance) reads heartbeats seconds after they
 * were sent; judged on the wall clock, every one of them is old news and live instances turn SUSPECT and DOWN, and the
 * reconciler fails over or replaces them. Judged as of its own position, the monitor only ever decides later, never
 * sooner: a primary has had longer to fence itself, so the failover invariant (down-after &gt; lease) still holds.
 *
 * <p>The delay is the <em>freshest</em> record's (wall clock when read minus the record's timestamp) over the last two
 * short windows: one agent whose clock is behind cannot hold back judging the others (their fresher records read in
 * the same window win), and one whose clock is ahead only reads as no delay. The windows are short so that a growing
 * delay is followed at once: the freshest delay of a long window is the smallest of a backlog that has since grown,
 * and every instance the monitor has not yet caught up on looked silent (measured: ./marina bench scale flapped live
 * instances between UP and SUSPECT with 10 s windows).
 *
 * <p>With no record read, the last measured delay <em>holds</em> for a while: a stream thread that visits a task
 * seldom (a starved CPU, many tasks) reads in bursts, and dropping to "no delay" between bursts would judge the burst's
 * instances on the wall clock. After the hold the delay is zero: nothing read for that long means caught up (or
 * nothing to read), and silence is judged on the wall clock, as before.
 *
 * <p>Not thread-safe: one per stream task, used from its thread.
 */
final class InputDelay {

    private final long windowMs;
    private final long holdMs;
    private long windowStart = Long.MIN_VALUE;
    /** Smallest delay seen in the current window, and in the previous one; Long.MAX_VALUE: no record. */
    private long current = Long.MAX_VALUE;
    private long previous = Long.MAX_VALUE;
    /** The freshest delay as of the last record read, and when that was (wall clock): held while nothing is read. */
    private long measured;
    private long lastReadAt = Long.MIN_VALUE;

    InputDelay(long windowMs, long holdMs) {
        if (windowMs <= 0 || holdMs < 0) {
            throw new IllegalArgumentException("window must be positive and hold not negative");
        }
        this.windowMs = windowMs;
        this.holdMs = holdMs;
    }

    /** A record with timestamp {@code recordMs} was read at {@code wallMs}. */
    void seen(long recordMs, long wallMs) {
        roll(wallMs);
        current = Math.min(current, wallMs - recordMs);
        measured = Math.max(0, Math.min(current, previous));
        lastReadAt = wallMs;
    }

    /** How far behind the input is at {@code wallMs}: never negative, zero with nothing read for the hold. */
    long behindMs(long wallMs) {
        roll(wallMs);
        long freshest = Math.min(current, previous);
        if (freshest != Long.MAX_VALUE) {
            return Math.max(0, freshest);
        }
        return lastReadAt != Long.MIN_VALUE && wallMs - lastReadAt <= holdMs ? measured : 0;
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
