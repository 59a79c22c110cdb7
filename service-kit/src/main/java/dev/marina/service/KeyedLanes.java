package dev.marina.service;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * Runs work on a bounded pool, one lane per key (a deployment): a key's work runs one piece after the
 * other in arrival order, different keys in parallel (up to the pool's threads).
 */
public final class KeyedLanes implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(KeyedLanes.class);
    private final String name;

    private final ExecutorService pool;
    private final Map<String, CompletableFuture<Void>> tails = new HashMap<>();

    /** @param name the threads' name prefix, e.g. "cert-order" */
    public KeyedLanes(String name, int threads) {
        this.name = name;
        AtomicInteger n = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** Runs {@code work} after every earlier work of the same lane. */
    public synchronized void submit(String lane, Runnable work) {
        CompletableFuture<Void> previous = tails.getOrDefault(lane, CompletableFuture.completedFuture(null));
        CompletableFuture<Void> next = previous.thenRunAsync(() -> {
            try {
                work.run();
            } catch (RuntimeException e) {
                LOG.errorf(e, "%s: lane work failed lane=%s", name, lane);
            }
        }, pool);
        tails.put(lane, next);
        next.whenComplete((ignored, error) -> {
            synchronized (this) {
                tails.remove(lane, next);
            }
        });
    }

    public synchronized int lanes() {
        return tails.size();
    }

    @Override
    public void close() {
        pool.shutdownNow();
        try {
            pool.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
