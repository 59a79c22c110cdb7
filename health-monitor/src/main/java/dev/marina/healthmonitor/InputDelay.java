package dev.marina.healthmonitor;

/**
 * As of when the monitor judges silence: the wall clock when it is caught up with its heartbeats, and where it has
 * read to when it is behind. A monitor that falls behind (a starved CPU, a backlog after a rebalance) reads heartbeats
 * seconds after they were sent; judged on the wall clock, every one of them is old news and live instances turn
 * SUSPECT and DOWN, and the reconciler fails over or replaces them. Judged as of its own position, the monitor only
 * ever decides later, never sooner: a primary has had longer to fence itself, so the failover invariant
 * (down-after &gt; lease) still holds.
 *
 * <p>The position is the newest record timestamp read in the last one or two short windows (wall clock): one agent
 * whose clock is behind cannot hold it back (the others' newer records win), and one whose clock is ahead counts as
 * read when it was read, no later. The monitor is caught up when that record was read within {@code caughtUpMs} of
 * being sent; then silence is judged on the wall clock.
 *
 * <p>Behind, the judgement stays at the position until more is read: it does not move on with the wall clock. A
 * judgement that moved on (the wall clock less the delay last measured) called every instance whose heartbeats the
 * monitor had not read yet silent for as long as the stream thread had not visited the task — a starved thread visits
 * late and in bursts — and live instances flapped UP, SUSPECT, DOWN, UP (measured: ./marina bench scale). With nothing
 * read for {@code holdMs} the judgement goes back to the wall clock: nothing read for that long means nothing to read
 * (every instance of the partition silent), which must still be detected, later but surely.
 *
 * <p>Not thread-safe: one per stream task, used from its thread.
 */
final class InputDelay {

    private final long windowMs;
    private final long holdMs;
    private final long caughtUpMs;
    private long windowStart = Long.MIN_VALUE;
    /** Newest record timestamp read in the current window and the previous one (Long.MIN_VALUE: none), and when read. */
    private long current = Long.MIN_VALUE;
    private long currentReadAt;
    private long previous = Long.MIN_VALUE;
    private long previousReadAt;
    /** The position as of the last record read, when that was read, and when the last record was read (wall clock). */
    private long held = Long.MIN_VALUE;
    private long heldReadAt;
    private long lastReadAt = Long.MIN_VALUE;

    InputDelay(long windowMs, long holdMs, long caughtUpMs) {
        if (windowMs <= 0 || holdMs < 0 || caughtUpMs < 0) {
            throw new IllegalArgumentException("window must be positive, hold and caught-up not negative");
        }
        this.windowMs = windowMs;
        this.holdMs = holdMs;
        this.caughtUpMs = caughtUpMs;
    }

    /** A record with timestamp {@code recordMs} was read at {@code wallMs}. */
    void seen(long recordMs, long wallMs) {
        roll(wallMs);
        long at = Math.min(recordMs, wallMs); // a clock ahead: read now, no later
        if (at > current) {
            current = at;
            currentReadAt = wallMs;
        }
        if (current >= previous) {
            held = current;
            heldReadAt = currentReadAt;
        } else {
            held = previous;
            heldReadAt = previousReadAt;
        }
        lastReadAt = wallMs;
    }

    /** The time (epoch ms) as of which silence is judged at wall-clock time {@code wallMs}. */
    long judgedAt(long wallMs) {
        roll(wallMs);
        long position;
        long readAt;
        if (current != Long.MIN_VALUE || previous != Long.MIN_VALUE) {
            position = Math.max(current, previous);
            readAt = current >= previous ? currentReadAt : previousReadAt;
        } else if (lastReadAt != Long.MIN_VALUE && wallMs - lastReadAt <= holdMs) {
            position = held;
            readAt = heldReadAt;
        } else {
            return wallMs;
        }
        return readAt - position < caughtUpMs ? wallMs : Math.min(position, wallMs);
    }

    /** How far behind the wall clock the judgement is at {@code wallMs}: never negative. */
    long behindMs(long wallMs) {
        return wallMs - judgedAt(wallMs);
    }

    private void roll(long wallMs) {
        if (windowStart == Long.MIN_VALUE) {
            windowStart = wallMs;
            return;
        }
        long windows = (wallMs - windowStart) / windowMs;
        if (windows >= 2) {
            previous = Long.MIN_VALUE;
            current = Long.MIN_VALUE;
            windowStart += windows * windowMs;
        } else if (windows == 1) {
            previous = current;
            previousReadAt = currentReadAt;
            current = Long.MIN_VALUE;
            windowStart += windowMs;
        }
    }
}
