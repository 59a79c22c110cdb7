package dev.marina.healthmonitor.metrics;

import static dev.marina.healthmonitor.metrics.MetricsFixtures.ONE;
import static dev.marina.healthmonitor.metrics.MetricsFixtures.T0;
import static dev.marina.healthmonitor.metrics.MetricsFixtures.at;
import static dev.marina.healthmonitor.metrics.MetricsFixtures.gauges;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.marina.schemas.serde.Decoded;
import dev.marina.schemas.v1.MetricSample;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

class SampleTimeTest {

    /** The monitor's clock reads T0 + 60 s; samples may be stamped up to 5 s ahead of it. */
    private final SampleTime time = new SampleTime(InstantSource.fixed(at(60)), Duration.ofSeconds(5));

    private static ConsumerRecord<Object, Object> record(Object value, Instant producedAt) {
        return new ConsumerRecord<>("metrics", 0, 0, producedAt.toEpochMilli(), TimestampType.CREATE_TIME, 0, 0,
                "acme/orders", value, new RecordHeaders(), Optional.empty());
    }

    private long extract(Object value, Instant producedAt) {
        return time.extract(record(value, producedAt), -1);
    }

    @Test
    void a_samples_time_is_when_it_was_taken_not_when_it_was_produced() {
        MetricSample sample = gauges(ONE, at(12.345), Map.of());
        assertEquals(at(12.345).toEpochMilli(), extract(Decoded.ok(sample), at(40)));
    }

    @Test
    void a_sample_stamped_further_ahead_than_the_grace_does_not_move_stream_time() {
        assertEquals(at(64).toEpochMilli(), extract(Decoded.ok(gauges(ONE, at(64), Map.of())), at(60)), "within the grace");
        assertEquals(at(65).toEpochMilli(), extract(Decoded.ok(gauges(ONE, at(65), Map.of())), at(60)));
        assertEquals(at(50).toEpochMilli(), time.extract(record(Decoded.ok(gauges(ONE, at(3600), Map.of())), at(60)),
                at(50).toEpochMilli()), "the partition's time");
        assertEquals(0, extract(Decoded.ok(gauges(ONE, at(3600), Map.of())), at(3600)),
                "before the partition has a time: the epoch, which moves nothing");
    }

    @Test
    void a_record_that_did_not_decode_or_has_no_time_does_not_move_stream_time() {
        long partitionTime = at(20).toEpochMilli();
        for (Object value : new Object[] {Decoded.failed("not json", new byte[] {1}),
                Decoded.ok(MetricSample.getDefaultInstance()), null}) {
            assertEquals(partitionTime, time.extract(record(value, at(59)), partitionTime), "value " + value);
        }
        assertEquals(0, extract(Decoded.failed("not json", new byte[] {1}), at(30)),
                "before the partition has a time: the epoch, not its producer's timestamp");
    }

    @Test
    void never_a_negative_time_which_streams_would_drop_without_a_word() {
        ConsumerRecord<Object, Object> noTime = new ConsumerRecord<>("metrics", 0, 0, -1L, TimestampType.CREATE_TIME, 0,
                0, "acme/orders", null, new RecordHeaders(), Optional.empty());
        assertEquals(T0.toEpochMilli(), time.extract(noTime, T0.toEpochMilli()), "the partition's time");
        assertEquals(0, time.extract(noTime, -1));
    }
}
