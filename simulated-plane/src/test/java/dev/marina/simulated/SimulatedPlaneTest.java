package dev.marina.simulated;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.schemas.topics.TopicSpec;
import dev.marina.schemas.topics.Topics;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SimulatedPlaneTest {

    @ParameterizedTest(name = "heartbeat every {0} ms: a heartbeat is lost after {1} ms")
    @CsvSource({
        "200, 3000",    // the agents' own interval keeps the agents' timeout
        "1000, 3000",
        "3000, 3000",
        "15000, 15000", // a long interval: worth delivering until the next one is sent
        "60000, 60000",
    })
    void heartbeats_are_delivered_until_the_next_one_or_the_agents_timeout(long heartbeatMs, long expectedMs) {
        assertEquals(Duration.ofMillis(expectedMs), SimulatedPlane.deliveryTimeout(Duration.ofMillis(heartbeatMs)));
    }

    @Test
    void a_report_batch_fits_the_record_limit_of_every_topic_the_plane_reports_on() {
        for (TopicSpec<?> topic : List.of(Topics.HEARTBEATS, Topics.METRICS)) {
            assertTrue(SimulatedPlane.reportBatchBytes() <= topic.maxMessageBytes() / 2,
                    "batch " + SimulatedPlane.reportBatchBytes() + " bytes against " + topic.name() + "'s limit " + topic.maxMessageBytes());
        }
        assertTrue(SimulatedPlane.reportBatchBytes() >= 16 * 1024, "still batches many heartbeats");
    }

    @ParameterizedTest(name = "address {0} is {1}")
    @CsvSource({"1, 198.18.0.1", "254, 198.18.0.254", "255, 198.18.1.1", "65024, 198.18.255.254", "65025, 198.19.0.1"})
    void simulated_addresses_fill_the_benchmark_range_in_order(long serial, String expected) {
        assertEquals(expected, SimulatedPlane.address(serial));
    }
}
