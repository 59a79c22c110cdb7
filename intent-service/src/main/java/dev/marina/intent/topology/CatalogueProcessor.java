package dev.marina.intent.topology;

import dev.marina.schemas.serde.Decoded;
import dev.marina.schemas.v1.BackupRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jboss.logging.Logger;

/**
 * Keeps the global store of the backup catalogue: the latest record of each backup, a tombstone removes it.
 * Only intent-service writes the topic; a record that does not decode is logged and skipped (a global store
 * has no dead-letter path, and the catalogue is read, never acted on, here).
 */
final class CatalogueProcessor implements Processor<String, Decoded<BackupRecord>, Void, Void> {
    private static final Logger LOG = Logger.getLogger(CatalogueProcessor.class);

    private KeyValueStore<String, BackupRecord> store;

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        store = context.getStateStore(IntentTopology.BACKUPS_STORE);
    }

    @Override
    public void process(Record<String, Decoded<BackupRecord>> record) {
        if (record.key() == null) {
            return;
        }
        if (record.value() == null) {
            store.delete(record.key());
        } else if (record.value() instanceof Decoded.Failed<BackupRecord> failed) {
            LOG.errorf("undecodable backup catalogue record key=%s reason=%s", record.key(), failed.reason());
        } else {
            store.put(record.key(), record.value().value());
        }
    }
}
