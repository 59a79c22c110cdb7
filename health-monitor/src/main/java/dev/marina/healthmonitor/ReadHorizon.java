package dev.marina.healthmonitor;

/**
 * As of when the monitor judges silence: the latest moment before which it knows it has read its heartbeats. A
 * monitor that falls behind (a starved CPU, a backlog after a rebalance, a task taken over from a killed copy) reads
 * heartbeats seconds after they were sent; judged on the wall clock, every one of them is old news, live instances
 * turn SUSPECT and DOWN, and the reconciler fails over or replaces them. Judged as of its horizon, the monitor only
 * ever decides later, never sooner: a primary has had longer to fence itself, so the failover invariant
 * (down-after &gt; lease) still holds.
 *
 * <p>What the horizon is, in order:
 * <ol>
 *   <li><b>Reading</b> (a record read in the last one or two short windows): the newest record timestamp read, its
 *       <em>position</em>; the wall clock when that record was read within {@code caughtUpMs} of being sent, unless an
 *       end offset fetched since shows records this task has not read (a stream thread that stopped visiting the task
 *       right after catching up). One agent whose clock is behind cannot hold the position back (the others' newer
 *       records win); one whose clock is ahead counts as read when it was read, no later.
 *   <li><b>Read to the end</b>: the partition's end offset, fetched at some moment after the last record was read, is
 *       that record's offset + 1. Every heartbeat written before that fetch has been read: the horizon is the fetch
 *       time. So a partition whose instances all died is judged within a fetch interval of the wall clock.
 *   <li><b>No one writes</b>: the end offset has not moved for {@code holdMs}. Every instance of the partition has
 *       been silent that long, whatever is still unread: the horizon is the fetch time.
 *   <li><b>Behind</b>: records are being written that this task has not read. The horizon stays at the position (or at
 *       the task's start, before any record is read) until more is read, however long the stream thread stays away:
 *       a starved or rebalancing monitor visits a task late and in bursts, and moving on with the wall clock called
 *       every unread instance silent for the gap (measured: ./marina bench scale).
 *   <li><b>End offsets unknown</b> (none fetched within {@code staleMs}: the broker or the fetching thread is slow):
 *       the position is held for {@code holdMs} with nothing read, then the wall clock.
 * </ol>
 *
 * <p>Not thread-safe: one per stream task, used from its thread. Pure: every time is passed in.
 */
final class ReadHorizon {

    private final long windowMs;
    private final long holdMs;
    private final long caughtUpMs;
    private final long staleMs;
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
    /** The offset of the last record read; -1 before the first. */
    private long lastOffset = -1;
    /** When this task first judged or read (wall clock). */
    private long startedAt = Long.MIN_VALUE;

    /**
     * @param windowMs   the position is the newest record read in the last one or two windows of this length
     * @param holdMs     how long the end offset must stand still for the partition to count as silent; and, with end
     *                   offsets unknown, how long the position is held with nothing read
     * @param caughtUpMs a record read within this of being sent means caught up
     * @param staleMs    an end offset fetched longer ago than this is not known
     */
    ReadHorizon(long windowMs, long holdMs, long caughtUpMs, long staleMs) {
        if (windowMs <= 0 || holdMs < 0 || caughtUpMs < 0 || staleMs < 0) {
            throw new IllegalArgumentException("window must be positive; hold, caught-up and stale not negative");
        }
        this.windowMs = windowMs;
        this.holdMs = holdMs;
        this.caughtUpMs = caughtUpMs;
        this.staleMs = staleMs;
    }

    /** The record at {@code offset}, with timestamp {@code recordMs}, was read at {@code wallMs}. */
    void seen(long recordMs, long offset, long wallMs) {
        start(wallMs);
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
        lastOffset = Math.max(lastOffset, offset);
    }

    /** The time (epoch ms) as of which silence is judged at wall-clock time {@code wallMs}; {@code end} may be null. */
    long judgedAt(long wallMs, PartitionEnd end) {
        start(wallMs);
        roll(wallMs);
        boolean endKnown = end != null && wallMs - end.fetchedAtMs() <= staleMs;
        boolean fetchedSinceRead = endKnown && end.fetchedAtMs() >= lastReadAt;
        // Every record written before the fetch has been read, or some have not (before the first read: any record).
        boolean readToEnd = fetchedSinceRead && end.offset() <= lastOffset + 1;
        boolean unread = fetchedSinceRead && end.offset() > lastOffset + 1;
        long horizon;
        if (current != Long.MIN_VALUE || previous != Long.MIN_VALUE) {
            long position = Math.max(current, previous);
            long readAt = current >= previous ? currentReadAt : previousReadAt;
            // Caught up when it read: the wall clock, unless records have been written since that it has not read.
            horizon = readAt - position < caughtUpMs && !unread ? wallMs : position;
        } else if (readToEnd) {
            horizon = end.fetchedAtMs();
        } else if (endKnown && end.fetchedAtMs() - end.unchangedSinceMs() >= holdMs) {
            horizon = end.fetchedAtMs(); // no one writes: silence is silence
        } else if (endKnown) {
            horizon = held != Long.MIN_VALUE ? held : startedAt; // behind: wait where it has read to
        } else if (lastReadAt != Long.MIN_VALUE && wallMs - lastReadAt <= holdMs) {
            horizon = heldReadAt - held < caughtUpMs ? wallMs : held;
        } else {
            horizon = wallMs;
        }
        if (readToEnd) {
            horizon = Math.max(horizon, end.fetchedAtMs());
        }
        return Math.min(horizon, wallMs);
    }

    /** How far behind the wall clock the judgement is at {@code wallMs}: never negative. */
    long behindMs(long wallMs, PartitionEnd end) {
        return wallMs - judgedAt(wallMs, end);
    }

    private void start(long wallMs) {
        if (startedAt == Long.MIN_VALUE) {
            startedAt = wallMs;
        }
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
