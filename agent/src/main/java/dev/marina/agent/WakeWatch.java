package dev.marina.agent;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Watches a paused server's wake listener on a thread of its own, every {@link #PERIOD}: a client's connection that
 * started the server is noticed within that and announced ({@link CommandHandler#watchWake}); a listener that died is
 * armed again. While nothing is paused a tick reads one field and returns.
 */
final class WakeWatch implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(WakeWatch.class);
    /** The woken server answers its first client in ~0.15 s; the agent follows within this. */
    static final Duration PERIOD = Duration.ofMillis(10);

    private final InstanceIdentity identity;
    private final Runnable watch;
    private final ScheduledExecutorService thread;

    WakeWatch(InstanceIdentity identity, Runnable watch) {
        this.identity = identity;
        this.watch = watch;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "wake-watch");
            t.setDaemon(true);
            return t;
        });
    }

    void start() {
        thread.scheduleWithFixedDelay(this::tick, PERIOD.toMillis(), PERIOD.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void tick() {
        try {
            InstanceLog.tag(identity);
            watch.run();
        } catch (RuntimeException e) {
            LOG.warnf("wake watch failed deployment=%s instance=%s reason=%s", identity.deploymentKey(), identity.instanceId(),
                    e.getMessage());
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
