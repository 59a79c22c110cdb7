package dev.marina.healthmonitor.metrics;

import dev.marina.schemas.serde.Decoded;
import dev.marina.schemas.v1.MetricSample;
import dev.marina.service.Timestamps;
import java.time.Duration;
import java.time.InstantSource;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.processor.TimestampExtractor;

/**
 * A sample's time in Kafka Streams is its {@code sampled_at}, so windows, stream time and the grace
 * period are all about when the figures were measured, not when they arrived.
 *
 * <p>Stream time only moves forward, and a window closes for good once it has passed. So a record
 * that cannot be placed must not move it:
 * <ul>
 *   <li>A sample stamped further ahead of the monitor's clock than the grace period (an agent with a
 *       wrong clock) would close every on-time window of its task. It takes the partition's time
 *       instead; the processor sees a record timestamp below {@code sampled_at} and dead-letters it
 *       ({@link SampleCheck.Reason#AHEAD_OF_CLOCK}).</li>
 *   <li>A record that did not decode, a tombstone, or a sample without a usable {@code sampled_at} also
 *       takes the partition's time; the processor dead-letters it.</li>
 * </ul>
 * Before a partition has a time, such a record takes 0 (the epoch), which moves nothing either.
 * (Never a negative time: Kafka Streams would drop the record without a word.)
 */
public final class SampleTime implements TimestampExtractor {

    private final InstantSource clock;
    private final long maxAheadMs;

    public SampleTime(InstantSource clock, Duration maxAhead) {
        this.clock = clock;
        this.maxAheadMs = maxAhead.toMillis();
    }

    @Override
    public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
        long now = clock.millis();
        if (record.value() instanceof Decoded.Ok<?> ok && ok.value() instanceof MetricSample sample
                && sample.hasSampledAt()) {
            long sampledAt = Timestamps.toInstant(sample.getSampledAt()).toEpochMilli();
            if (sampledAt > 0 && sampledAt <= now + maxAheadMs) {
                return sampledAt;
            }
        }
        return Math.max(partitionTime, 0);
    }
}
