package dev.marina.intent.topology;

import com.google.protobuf.Message;
import dev.marina.schemas.serde.Decoded;
import dev.marina.schemas.topics.Topics;
import dev.marina.service.DeadLetters;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.jboss.logging.Logger;

/** Sends a record that did not decode to {@code dead-letters}, with where it came from and why. */
final class DeadLetterForwarding {
    private static final Logger LOG = Logger.getLogger(DeadLetterForwarding.class);

    private DeadLetterForwarding() {}

    static void forward(ProcessorContext<String, Message> context, Record<String, ?> record, Decoded.Failed<?> failed,
            Instant now) {
        RecordMetadata source = context.recordMetadata().orElse(null);
        String topic = source == null ? "" : source.topic();
        int partition = source == null ? -1 : source.partition();
        long offset = source == null ? -1 : source.offset();
        byte[] key = record.key() == null ? null : record.key().getBytes(StandardCharsets.UTF_8);
        LOG.warnf("dead letter deployment=%s topic=%s partition=%d offset=%d reason=%s", record.key(), topic, partition,
                offset, failed.reason());
        context.forward(new Record<String, Message>(record.key(),
                DeadLetters.of("intent-service", topic, partition, offset, key, failed, now), now.toEpochMilli()),
                IntentTopology.sinkName(Topics.DEAD_LETTERS));
    }
}
