package dev.marina.intent.retention;

import dev.marina.intent.config.RetentionConfig;
import dev.marina.intent.views.DeploymentViews;
import dev.marina.schemas.topics.BackupKey;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.BackupRecord;
import dev.marina.service.KafkaClients;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

/**
 * Runs {@link RetentionPolicy} every {@code marina.intent.retention-interval} over the catalogue and intents the API's
 * views hold, and writes the EXPIRED records on {@code backups} (intent-service is its writer). Only once the views
 * have caught up: before, a deployment not read yet would look deleted. One copy of the service sweeps: the
 * elected one (docs/copies.md).
 */
@ApplicationScoped
public class RetentionSweeper {
    private static final Logger LOG = Logger.getLogger(RetentionSweeper.class);

    @Inject
    DeploymentViews views;

    @Inject
    KafkaClients kafka;

    @Inject
    RetentionConfig config;

    /** The clock retention is decided by; tests move their own. */
    Clock clock = Clock.systemUTC();

    private ScheduledExecutorService timer;
    private KafkaProducer<String, BackupRecord> producer;

    @Inject
    dev.marina.service.leader.Leadership leadership;

    void onStart(@Observes StartupEvent event) {
        // The sweep is this service's only single-actor work: its copies elect the one that runs it.
        leadership.elect(generation -> () -> { });
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "retention-sweeper");
            t.setDaemon(true);
            return t;
        });
        long every = config.retentionInterval().toMillis();
        timer.scheduleWithFixedDelay(this::sweepLogged, every, every, TimeUnit.MILLISECONDS);
    }

    void onStop(@Observes ShutdownEvent event) {
        if (timer != null) {
            timer.shutdownNow();
        }
        synchronized (this) {
            if (producer != null) {
                producer.close(Duration.ofSeconds(5));
            }
        }
    }

    private void sweepLogged() {
        if (!leadership.leading()) {
            return; // one copy sweeps (docs/copies.md); a second would write the same records again
        }
        try {
            sweep();
        } catch (Exception e) {
            // the next sweep tries again: nothing is lost by waiting
            LOG.warnf("retention sweep failed reason=%s", e.toString());
        }
    }

    /** One sweep: the records it expired (none while the views are catching up). */
    public List<BackupRecord> sweep() throws Exception {
        if (!views.caughtUp()) {
            return List.of();
        }
        List<BackupRecord> expired = RetentionPolicy.expire(views.catalogue(), views.intentsByKey(), clock.instant());
        for (BackupRecord record : expired) {
            producer().send(new ProducerRecord<>(Topics.BACKUPS.name(), BackupKey.of(record), record)).get(30, TimeUnit.SECONDS);
            LOG.infof("backup expired deployment=%s/%s backup=%s ended_at=%s", record.getDeployment().getTenant(),
                    record.getDeployment().getName(), record.getBackupId(), RetentionPolicy.end(record));
        }
        return expired;
    }

    private synchronized KafkaProducer<String, BackupRecord> producer() {
        if (producer == null) {
            Properties props = new Properties();
            props.putAll(kafka.base());
            props.put(ProducerConfig.ACKS_CONFIG, "all");
            props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            props.put(ProducerConfig.CLIENT_ID_CONFIG, "intent-service-retention");
            producer = new KafkaProducer<>(props, new StringSerializer(), Topics.BACKUPS.valueSerde().serializer());
        }
        return producer;
    }
}
