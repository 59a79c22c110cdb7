package dev.marina.provisioner.ec2;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Time that passes only when the code under test sleeps; every pause is kept for the test to look at. */
public final class FakeTime implements TimeSource {

    private long now = 1_000_000_000L;
    private final long start = now;
    private final List<Duration> pauses = new ArrayList<>();

    @Override
    public synchronized long nanoTime() {
        return now;
    }

    @Override
    public synchronized void sleep(Duration duration) {
        if (!duration.isZero() && !duration.isNegative()) {
            pauses.add(duration);
            now += duration.toNanos();
        }
    }

    public synchronized Duration elapsed() {
        return Duration.ofNanos(now - start);
    }

    /** Every non-zero pause, in order. */
    public synchronized List<Duration> pauses() {
        return List.copyOf(pauses);
    }
}
