package dev.marina.provisioner.retention;

import dev.marina.objectstore.ObjectStoreConfig;
import dev.marina.objectstore.S3ObjectStore;
import dev.marina.provisioner.ProvisionerConfig;
import dev.marina.service.KafkaClients;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The store's retention in the provisioner: reads {@code backups} ({@link BackupCatalogueReader}) and runs a
 * {@link RetentionReaper} round every {@code marina.provisioner.retention-interval} against the object store of
 * {@code marina.provisioner.object-store-config}. Without that setting it is off, and says so once at start. The
 * settings file is read at the first round that needs it and again after it could not be (a file written later, as
 * by {@code ./marina up}, is picked up); until then each round fails, logged and counted.
 */
@ApplicationScoped
public class RetentionService {

    private static final Logger LOG = Logger.getLogger(RetentionService.class);
    static final Duration MIN_INTERVAL = Duration.ofSeconds(1);

    @Inject
    ProvisionerConfig config;

    @Inject
    KafkaClients kafka;

    @Inject
    MeterRegistry meters;

    private final BackupCatalogue catalogue = new BackupCatalogue();
    private BackupCatalogueReader reader;
    private ScheduledExecutorService timer;
    private S3ObjectStore store;
    @Inject
    dev.marina.service.leader.Leadership leadership;

    private RetentionReaper reaper;
    private Counter settingsFailures;

    void onStart(@Observes StartupEvent event) {
        Duration interval = checkedInterval(config.retentionInterval());
        Optional<String> settings = config.objectStoreConfig();
        if (settings.isEmpty()) {
            LOG.info("retention is off: no object store configured (marina.provisioner.object-store-config); nothing is"
                    + " deleted from any store");
            return;
        }
        settingsFailures = Counter.builder("marina.provisioner.retention.failures")
                .description("deployments whose retention round failed (the object store down or refusing); tried again next round")
                .register(meters);
        reader = new BackupCatalogueReader(kafka.base(), catalogue).start();
        timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread t = new Thread(runnable, "retention-reaper");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::runSafely, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        LOG.infof("retention is on interval=%s object-store-config=%s", interval, settings.get());
    }

    void onStop(@Observes ShutdownEvent event) {
        if (timer != null) {
            timer.shutdownNow();
        }
        if (reader != null) {
            reader.close();
        }
        synchronized (this) {
            if (store != null) {
                store.close();
            }
        }
    }

    /** The interval, refused (the provisioner does not start) unless at least {@link #MIN_INTERVAL}. */
    static Duration checkedInterval(Duration interval) {
        if (interval == null || interval.compareTo(MIN_INTERVAL) < 0) {
            throw new IllegalArgumentException("marina.provisioner.retention-interval=" + interval
                    + " must be at least " + MIN_INTERVAL.toSeconds() + "s");
        }
        return interval;
    }

    private void runSafely() {
        if (!leadership.leading()) {
            return; // the elected copy deletes (docs/copies.md): one deleter per object store
        }
        try {
            runOnce();
        } catch (RuntimeException e) {
            LOG.errorf(e, "retention round failed");
        }
    }

    /** One round; empty while the store's settings cannot be read. */
    synchronized Optional<RetentionReaper.Round> runOnce() {
        if (reaper == null) {
            Path file = Path.of(config.objectStoreConfig().orElseThrow()).toAbsolutePath().normalize();
            try {
                store = new S3ObjectStore(ObjectStoreConfig.load(file));
            } catch (RuntimeException e) {
                settingsFailures.increment();
                LOG.warnf("retention waits for the object store's settings file=%s reason=%s", file, e.getMessage());
                return Optional.empty();
            }
            reaper = new RetentionReaper(catalogue, store, meters);
        }
        return Optional.of(reaper.runOnce());
    }
}
