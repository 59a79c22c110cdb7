package dev.marina.provisioner.reaping;

import dev.marina.service.KafkaClients;
import dev.marina.provisioner.EventSink;
import dev.marina.provisioner.ProvisionEvents;
import dev.marina.provisioner.ProvisionerConfig;
import dev.marina.provisioner.driver.InstanceDriver;
import dev.marina.schemas.topics.DeploymentKey;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Destroys instances the platform no longer wants ({@link OrphanRule}) every
 * {@code marina.provisioner.reap-interval}, and reports each as DESTROYED. Works with any driver.
 */
@ApplicationScoped
public class OrphanReaper {

    private static final Logger LOG = Logger.getLogger(OrphanReaper.class);

    @Inject
    ProvisionerConfig config;

    @Inject
    KafkaClients kafka;

    @Inject
    InstanceDriver driver;

    @Inject
    EventSink events;

    @Inject
    Clock clock;

    private final DeploymentStatusView view = new DeploymentStatusView();
    @Inject
    dev.marina.service.leader.Leadership leadership;

    private DeploymentStatusReader reader;
    private ScheduledExecutorService timer;

    void onStart(@Observes StartupEvent event) {
        reader = new DeploymentStatusReader(kafka.base(), view);
        reader.start();
        timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread t = new Thread(runnable, "orphan-reaper");
            t.setDaemon(true);
            return t;
        });
        long interval = config.reapInterval().toMillis();
        timer.scheduleWithFixedDelay(this::reapSafely, interval, interval, TimeUnit.MILLISECONDS);
    }

    void onStop(@Observes ShutdownEvent event) {
        if (timer != null) {
            timer.shutdownNow();
        }
        if (reader != null) {
            reader.close();
        }
    }

    private void reapSafely() {
        if (!leadership.leading()) {
            return; // the elected copy reaps (docs/copies.md); a standby would reap what it does not supervise
        }
        try {
            reapOnce();
        } catch (RuntimeException e) {
            LOG.errorf(e, "orphan reaping failed");
        }
    }

    void reapOnce() {
        Optional<Map<String, StatusFact>> statuses = view.snapshotIfReadToEnd();
        if (statuses.isEmpty()) {
            return;
        }
        reap(driver, statuses.get(), clock.instant(), config.orphanGrace(), events);
    }

    /**
     * One round for any driver, given the statuses read to the end: lists the driver's instances, destroys each
     * orphan ({@link OrphanRule}) and reports it DESTROYED (no command id). A failed destroy is logged and left for the
     * next round. Returns the instance ids reaped.
     */
    public static List<String> reap(InstanceDriver driver, Map<String, StatusFact> statuses, java.time.Instant now,
            java.time.Duration grace, EventSink events) {
        List<OrphanRule.Orphan> orphans = OrphanRule.orphans(driver.list(), statuses, true, now, grace);
        List<String> reaped = new java.util.ArrayList<>();
        for (OrphanRule.Orphan orphan : orphans) {
            String deployment = orphan.instance().deployment();
            String instanceId = orphan.instance().instanceId();
            LOG.warnf("reaping an orphan instance deployment=%s instance=%s address=%s created=%s reason=%s", deployment,
                    instanceId, orphan.instance().address(), orphan.instance().createdAt(), orphan.reason());
            try {
                driver.destroy(instanceId);
                events.emit(ProvisionEvents.destroyed("", DeploymentKey.parse(deployment), instanceId, now));
                reaped.add(instanceId);
            } catch (RuntimeException e) {
                LOG.errorf(e, "orphan not reaped deployment=%s instance=%s", deployment, instanceId);
            }
        }
        return List.copyOf(reaped);
    }
}
