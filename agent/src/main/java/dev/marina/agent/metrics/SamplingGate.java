package dev.marina.agent.metrics;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Keeps samples away from a database that is being stopped or removed. The sampling thread holds
 * the gate from its first query until the sample is handed to the producer; the command thread shuts
 * it around stop and removal, after waiting for a sample in progress (bounded by the sampler's socket
 * timeout). A tick that finds the gate shut is skipped, never waits.
 */
public final class SamplingGate {

    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    /** Threads shutting or holding the gate shut; read before the lock so a waiting closer is not overtaken. */
    private final AtomicInteger closers = new AtomicInteger();

    /** The sampler: true when it may sample now, and must then call {@link #exit()}; false when shut. */
    public boolean tryEnter() {
        if (closers.get() > 0 || !lock.readLock().tryLock()) {
            return false;
        }
        if (closers.get() > 0) {
            lock.readLock().unlock();
            return false;
        }
        return true;
    }

    public void exit() {
        lock.readLock().unlock();
    }

    /** Runs {@code action} with the gate shut: no sample is taken or sent meanwhile. */
    public void shutWhile(Runnable action) {
        closers.incrementAndGet();
        try {
            lock.writeLock().lock();
            try {
                action.run();
            } finally {
                lock.writeLock().unlock();
            }
        } finally {
            closers.decrementAndGet();
        }
    }

    private volatile boolean paused;

    /** The server is paused on purpose: samples carry no server figures, and clients' figures are zero (none can be there). */
    public void markPaused(boolean next) {
        paused = next;
    }

    public boolean paused() {
        return paused;
    }

    /** True while some thread shuts the gate or waits to. */
    public boolean isShut() {
        return closers.get() > 0;
    }
}
