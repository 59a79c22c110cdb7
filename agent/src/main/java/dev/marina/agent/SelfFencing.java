package dev.marina.agent;

import dev.marina.agent.decision.Lease;
import dev.marina.agent.kafka.HeartbeatLoop;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * Fences a primary whose lease ran out: the heartbeat loop feeds acknowledgements into the
 * {@link Lease} and asks at every tick; when the lease says FENCE, {@code read_only=ON} is set on a
 * thread of its own (a slow server never delays heartbeats) by {@link CommandHandler#fenceForLostLease}.
 * A failed attempt is tried again at the next tick.
 */
public final class SelfFencing implements HeartbeatLoop.LeaseWatch, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(SelfFencing.class);

    private final InstanceIdentity identity;
    private final CommandHandler handler;
    private final Lease lease;
    private final AtomicBoolean fencing = new AtomicBoolean();
    private final ExecutorService fencer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "agent-fencing");
        t.setDaemon(true);
        return t;
    });

    public SelfFencing(InstanceIdentity identity, CommandHandler handler) {
        this.identity = identity;
        this.handler = handler;
        this.lease = handler.lease();
    }

    @Override
    public void acknowledged(long sentAtNanos) {
        lease.acknowledged(sentAtNanos);
    }

    @Override
    public void check(long nowNanos) {
        if (lease.check(handler.writablePrimary(), nowNanos) != Lease.Verdict.FENCE || !fencing.compareAndSet(false, true)) {
            return;
        }
        long since = lease.sinceRenewalMillis(nowNanos);
        try {
            fencer.execute(() -> {
                InstanceLog.tag(identity);
                try {
                    handler.fenceForLostLease(since);
                } catch (RuntimeException e) {
                    LOG.errorf("primary could not fence itself, trying again deployment=%s instance=%s reason=%s",
                            identity.deploymentKey(), identity.instanceId(), e.getMessage());
                } finally {
                    fencing.set(false);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            fencing.set(false);
        }
    }

    @Override
    public void close() {
        fencer.shutdownNow();
        try {
            fencer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
