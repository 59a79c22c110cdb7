package dev.marina.service;

import com.google.protobuf.Message;
import dev.marina.schemas.serde.Decoded;
import dev.marina.schemas.v1.DeadLetter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.jboss.logging.Logger;

/**
 * The Kafka Streams side of {@link DeadLetters}: a processor forwards a record it cannot use to its
 * {@code dead-letters} sink, with where the record came from (topic, partition, offset, from the
 * processor's record metadata) and why. The caller counts it in its own metrics.
 *
 * @param consumer the application writing the letter ("intent-service", "health-monitor")
 * @param sink the name of the topology's sink node that writes {@code dead-letters}
 * @param defaultTopic the source topic named when the record has no metadata (a punctuator's record)
 */
public record StreamsDeadLetters(String consumer, String sink, String defaultTopic) {
    private static final Logger LOG = Logger.getLogger(StreamsDeadLetters.class);

    /** Forwards a record that did not decode; returns the source topic it came from. */
    public String forward(ProcessorContext<String, Message> context, String key, Decoded.Failed<?> failed,
            Instant now) {
        return forward(context, key, failed.raw(), failed.reason(), now);
    }

    /** Forwards a record that cannot be used, byte for byte; returns the source topic it came from. */
    public String forward(ProcessorContext<String, Message> context, String key, byte[] value, String reason,
            Instant now) {
        Optional<RecordMetadata> source = context.recordMetadata();
        String topic = source.map(RecordMetadata::topic).orElse(defaultTopic);
        int partition = source.map(RecordMetadata::partition).orElse(-1);
        long offset = source.map(RecordMetadata::offset).orElse(-1L);
        DeadLetter letter = DeadLetters.of(consumer, topic, partition, offset,
                key == null ? null : key.getBytes(StandardCharsets.UTF_8), value, reason, now);
        context.forward(new Record<String, Message>(DeadLetters.recordKey(key), letter, now.toEpochMilli()), sink);
        LOG.warnf("record dead-lettered deployment=%s consumer=%s topic=%s partition=%d offset=%d size=%d reason=\"%s\"",
                letter.getKey().toStringUtf8(), consumer, topic, partition, offset, letter.getValueSize(), letter.getReason());
        return topic;
    }
}
