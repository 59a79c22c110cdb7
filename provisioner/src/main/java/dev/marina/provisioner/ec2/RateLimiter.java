package dev.marina.provisioner.ec2;

import java.time.Duration;

/**
 * A token bucket: holds up to {@code burst} permits, refilled at {@code permitsPerSecond}. A caller
 * that finds it empty reserves the next permit and sleeps until it is due, outside the lock, so
 * concurrent callers queue in order instead of all waking at once. Starting full, n calls at once
 * take (n - burst) / rate seconds.
 */
final class RateLimiter {

    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final double permitsPerSecond;
    private final double burst;
    private final TimeSource time;

    // Negative while permits are reserved ahead of time.
    private double permits;
    private long refilledAt;

    RateLimiter(double permitsPerSecond, int burst, TimeSource time) {
        if (permitsPerSecond <= 0 || burst < 1) {
            throw new IllegalArgumentException("a rate limiter needs a positive rate and a burst of at least 1");
        }
        this.permitsPerSecond = permitsPerSecond;
        this.burst = burst;
        this.time = time;
        this.permits = burst;
        this.refilledAt = time.nanoTime();
    }

    /** One second's worth of requests may go at once, and at least one. */
    static RateLimiter perSecond(double permitsPerSecond, TimeSource time) {
        return new RateLimiter(permitsPerSecond, Math.max(1, (int) Math.floor(permitsPerSecond)), time);
    }

    /** Waits until a permit is available and takes it. */
    void acquire() throws InterruptedException {
        time.sleep(reserve());
    }

    /** Takes a permit, possibly one not yet refilled, and says how long to wait before using it. */
    synchronized Duration reserve() {
        long now = time.nanoTime();
        permits = Math.min(burst, permits + (now - refilledAt) * permitsPerSecond / NANOS_PER_SECOND);
        refilledAt = now;
        double missing = 1 - permits;
        permits -= 1;
        return missing <= 0 ? Duration.ZERO : Duration.ofNanos((long) Math.ceil(missing * NANOS_PER_SECOND / permitsPerSecond));
    }
}
