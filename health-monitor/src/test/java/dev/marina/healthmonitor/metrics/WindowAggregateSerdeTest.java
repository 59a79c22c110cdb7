package dev.marina.healthmonitor.metrics;

import static dev.marina.healthmonitor.metrics.MetricsFixtures.ONE;
import static dev.marina.healthmonitor.metrics.MetricsFixtures.TWO;
import static dev.marina.healthmonitor.metrics.MetricsFixtures.sample;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class WindowAggregateSerdeTest {

    private final WindowAggregateSerde serde = new WindowAggregateSerde();

    @Test
    void a_window_reads_back_as_written_to_the_nanosecond() {
        WindowAggregate window = WindowAggregate.EMPTY;
        window = Aggregation.fold(window, sample(ONE, Instant.parse("2026-11-02T10:00:01.123456789Z"),
                Map.of("connections", 3.0, "buffer_pool_hit_ratio", 0.97), Map.of("queries_total", 1e12)));
        window = Aggregation.fold(window, sample(ONE, Instant.parse("2026-11-02T10:00:06Z"),
                Map.of("connections", 5.0), Map.of("queries_total", 5.0)));
        window = Aggregation.fold(window, sample(TWO, Instant.parse("2026-11-02T10:00:02Z"), Map.of(), Map.of()));

        assertEquals(window, serde.deserializer().deserialize("s", serde.serializer().serialize("s", window)));
    }

    @Test
    void null_stays_null_and_an_unknown_format_is_refused() {
        assertNull(serde.serializer().serialize("s", null));
        assertNull(serde.deserializer().deserialize("s", null));
        assertThrows(SerializationException.class, () -> serde.deserializer().deserialize("s", new byte[] {9}));
    }
}
