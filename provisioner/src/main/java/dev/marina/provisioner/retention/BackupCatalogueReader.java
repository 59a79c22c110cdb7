package dev.marina.provisioner.retention;

import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.BackupRecord;
import dev.marina.service.TopicReader;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.jboss.logging.Logger;

/**
 * Reads the compacted {@code backups} topic into a {@link BackupCatalogue} with service-kit's {@link TopicReader}:
 * every partition, from the beginning, on every start (the reaper needs the whole catalogue; every provisioner sees
 * all of it), nothing committed. After a reader error it starts over and the catalogue proves nothing until caught up
 * again. Records it cannot use are logged and kept as their deployment's problem (see {@link BackupCatalogue}); they
 * never stop the reader. The catalogue is state, not commands: its dead letters belong to no consumer of this one.
 */
public final class BackupCatalogueReader implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(BackupCatalogueReader.class);
    /** The reader's client id and thread: the provisioner's prefix, like every client of its principal. */
    public static final String NAME = "provisioner-retention-catalogue";

    private final BackupCatalogue catalogue;
    private final TopicReader reader;

    public BackupCatalogueReader(Properties client, BackupCatalogue catalogue) {
        this.catalogue = catalogue;
        this.reader = TopicReader.builder(NAME, client)
                .topic(Topics.BACKUPS, TopicReader.Start.BEGINNING, this::apply)
                .onStart(catalogue::restart)
                .onCaughtUp(catalogue::markCaughtUp)
                .pollTimeout(Duration.ofMillis(500))
                .config(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000)
                .config(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000)
                .config(ConsumerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 2_000)
                .build();
    }

    public BackupCatalogueReader start() {
        reader.start();
        return this;
    }

    /** Empty when caught up; else why not. */
    public String problem() {
        return reader.problem();
    }

    @Override
    public void close() {
        reader.close();
    }

    private void apply(TopicReader.Read<BackupRecord> record) {
        Optional<String> problem = catalogue.apply(record.key(), record.value());
        problem.ifPresent(p -> LOG.warnf("unusable backup catalogue record, its deployment's objects are left alone"
                + " key=%s partition=%d offset=%d reason=%s", shorten(record.key()), record.partition(), record.offset(), p));
    }

    private static String shorten(String key) {
        if (key == null) {
            return "(none)";
        }
        return key.length() <= 200 ? key : key.substring(0, 200) + "…";
    }
}
