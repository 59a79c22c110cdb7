package dev.marina.cert.commands;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * Runs work on a bounded pool, one lane per deployment: a deployment's commands run one after the
 * other in arrival order (its orders share the {@code _acme-challenge} names), different deployments
 * in parallel.
 */
final class DeploymentLanes implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(DeploymentLanes.class);

    private final ExecutorService pool;
    private final Map<String, CompletableFuture<Void>> tails = new HashMap<>();

    DeploymentLanes(int threads) {
        AtomicInteger n = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "cert-order-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** Runs {@code work} after every earlier work of the same lane. */
    synchronized void submit(String lane, Runnable work) {
        CompletableFuture<Void> previous = tails.getOrDefault(lane, CompletableFuture.completedFuture(null));
        CompletableFuture<Void> next = previous.thenRunAsync(() -> {
            try {
                work.run();
            } catch (RuntimeException e) {
                LOG.errorf(e, "cert lane work failed lane=%s", lane);
            }
        }, pool);
        tails.put(lane, next);
        next.whenComplete((ignored, error) -> {
            synchronized (this) {
                tails.remove(lane, next);
            }
        });
    }

    synchronized int lanes() {
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
