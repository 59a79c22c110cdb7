package dev.marina.healthmonitor.metrics;

import com.google.protobuf.Message;
import dev.marina.healthmonitor.HealthMetrics;
import dev.marina.healthmonitor.HealthTopology;
import dev.marina.schemas.v1.DeadLetter;
import dev.marina.service.DeadLetters;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.jboss.logging.Logger;

/** Sends a record that cannot be used to {@code dead-letters}, with the reason; counts and logs it. */
final class DeadLetterSender {

    private static final Logger LOG = Logger.getLogger(DeadLetterSender.class);

    private final ProcessorContext<String, Message> context;
    private final HealthMetrics metrics;
    private final String defaultTopic;

    DeadLetterSender(ProcessorContext<String, Message> context, HealthMetrics metrics, String defaultTopic) {
        this.context = context;
        this.metrics = metrics;
        this.defaultTopic = defaultTopic;
    }

    void send(String key, byte[] value, SampleCheck.Reason reason, String detail, Instant now) {
        Optional<RecordMetadata> source = context.recordMetadata();
        String topic = source.map(RecordMetadata::topic).orElse(defaultTopic);
        int partition = source.map(RecordMetadata::partition).orElse(-1);
        long offset = source.map(RecordMetadata::offset).orElse(-1L);
        DeadLetter letter = DeadLetters.of(HealthTopology.CONSUMER, topic, partition, offset,
                key == null ? null : key.getBytes(StandardCharsets.UTF_8), value, detail, now);
        context.forward(new Record<String, Message>(key, letter, now.toEpochMilli()), MetricsTopology.DEAD_LETTER_SINK);
        metrics.metricsDeadLetter(topic, reason.label());
        LOG.warnf("record dead-lettered deployment=%s topic=%s partition=%d offset=%d reason=%s detail=\"%s\"",
                key, topic, partition, offset, reason.label(), detail);
    }
}
