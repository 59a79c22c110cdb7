package dev.marina.intent.topology;

import com.google.protobuf.Message;
import dev.marina.schemas.serde.Decoded;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jboss.logging.Logger;

/**
 * Keeps a global store of a compacted topic intake reads (the backup catalogue, the archives' coverage): the latest
 * record per key, a tombstone removes it. Only intent-service writes these topics; a record that does not decode is
 * logged and skipped (a global store has no dead-letter path, and what it holds is read, never acted on, here).
 */
final class CatalogueProcessor<V extends Message> implements Processor<String, Decoded<V>, Void, Void> {
    private static final Logger LOG = Logger.getLogger(CatalogueProcessor.class);

    private final String storeName;
    private KeyValueStore<String, V> store;

    CatalogueProcessor(String storeName) {
        this.storeName = storeName;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        store = context.getStateStore(storeName);
    }

    @Override
    public void process(Record<String, Decoded<V>> record) {
        if (record.key() == null) {
            return;
        }
        if (record.value() == null) {
            store.delete(record.key());
        } else if (record.value() instanceof Decoded.Failed<V> failed) {
            LOG.errorf("undecodable record store=%s key=%s reason=%s", storeName, record.key(), failed.reason());
        } else {
            store.put(record.key(), record.value().value());
        }
    }
}
