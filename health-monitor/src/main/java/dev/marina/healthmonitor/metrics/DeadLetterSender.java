package dev.marina.healthmonitor.metrics;

import com.google.protobuf.Message;
import dev.marina.healthmonitor.HealthMetrics;
import dev.marina.healthmonitor.HealthTopology;
import dev.marina.service.StreamsDeadLetters;
import java.time.Instant;
import org.apache.kafka.streams.processor.api.ProcessorContext;

/** Sends a record that cannot be used to {@code dead-letters} (service-kit's {@link StreamsDeadLetters}), with the reason; counts it. */
final class DeadLetterSender {

    private final ProcessorContext<String, Message> context;
    private final HealthMetrics metrics;
    private final StreamsDeadLetters forward;

    DeadLetterSender(ProcessorContext<String, Message> context, HealthMetrics metrics, String defaultTopic) {
        this.context = context;
        this.metrics = metrics;
        this.forward = new StreamsDeadLetters(HealthTopology.CONSUMER, MetricsTopology.DEAD_LETTER_SINK, defaultTopic);
    }

    void send(String key, byte[] value, SampleCheck.Reason reason, String detail, Instant now) {
        String topic = forward.forward(context, key, value, detail, now);
        metrics.metricsDeadLetter(topic, reason.label());
    }
}
