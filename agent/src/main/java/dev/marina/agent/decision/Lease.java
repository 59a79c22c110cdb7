package dev.marina.agent.decision;

import java.time.Duration;

/**
 * A primary's right to take writes, kept alive by heartbeats the broker acknowledged: it runs from the
 * moment the last acknowledged heartbeat was <em>sent</em> (not when its acknowledgement came back), or
 * from the moment the primary role was granted (DEPLOY of a primary, PROMOTE), whichever is later.
 * A writable primary whose lease ran out must make itself read-only: the reconciler, no longer hearing
 * from it, may be promoting another instance.
 *
 * <p>Pure: times are monotonic nanoseconds handed in by the caller. Thread-safe (acknowledgements
 * arrive on the producer's thread, checks on the heartbeat timer's).
 */
public final class Lease {

    /** What a check says. */
    public enum Verdict {
        /** Not a writable primary: nothing to guard. */
        NOT_HELD,
        /** Writable, and the lease runs. */
        VALID,
        /** Writable, and the lease ran out: make it read-only now. */
        FENCE
    }

    private final long lengthNanos;
    private boolean started;
    private long since;

    public Lease(Duration length) {
        if (length == null || length.isNegative() || length.isZero()) {
            throw new IllegalArgumentException("the lease must be a positive duration, not " + length);
        }
        this.lengthNanos = length.toNanos();
    }

    public Duration length() {
        return Duration.ofNanos(lengthNanos);
    }

    /** The broker acknowledged a heartbeat sent at {@code sentAtNanos}. */
    public synchronized void acknowledged(long sentAtNanos) {
        extendTo(sentAtNanos);
    }

    /** The primary role was granted at {@code nowNanos} (it was told so through the broker just now). */
    public synchronized void granted(long nowNanos) {
        extendTo(nowNanos);
    }

    /** Whether a primary that is {@code writable} must fence itself at {@code nowNanos}. */
    public synchronized Verdict check(boolean writable, long nowNanos) {
        if (!writable) {
            return Verdict.NOT_HELD;
        }
        // Never renewed at all: nothing vouches for the role.
        return started && nowNanos - since <= lengthNanos ? Verdict.VALID : Verdict.FENCE;
    }

    /** Milliseconds since the lease was last renewed; -1 when never. */
    public synchronized long sinceRenewalMillis(long nowNanos) {
        return started ? (nowNanos - since) / 1_000_000 : -1;
    }

    private void extendTo(long nanos) {
        if (!started || nanos - since > 0) {
            since = nanos;
            started = true;
        }
    }
}
