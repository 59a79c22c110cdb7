package dev.marina.provisioner.ec2;

import java.time.Duration;

/**
 * Time as the driver's pacing sees it: the rate limiter, the throttling backoff and the wait for
 * INSYNC all read and spend time through this, so tests move a fake one instead of sleeping.
 */
public interface TimeSource {

    /** A monotonic reading in nanoseconds, as {@link System#nanoTime()}. */
    long nanoTime();

    /** Lets {@code duration} pass. */
    void sleep(Duration duration) throws InterruptedException;

    TimeSource SYSTEM = new TimeSource() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public void sleep(Duration duration) throws InterruptedException {
            if (!duration.isNegative() && !duration.isZero()) {
                Thread.sleep(duration.toMillis(), (int) (duration.toNanos() % 1_000_000));
            }
        }
    };
}
