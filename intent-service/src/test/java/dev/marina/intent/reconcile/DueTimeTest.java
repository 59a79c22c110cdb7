package dev.marina.intent.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DueTimeTest {
    private static final Instant NOW = Instant.parse("2026-12-04T00:00:00Z");
    private static final Duration HORIZON = Duration.ofSeconds(30);
    private static final Duration RESOLUTION = Duration.ofMillis(10);

    /** A deadline {@code offsetMs} from now (negative: already past); -1 for "never". */
    @ParameterizedTest(name = "deadline {0} ms from now → first due {1} ms from now")
    @CsvSource({
            // already due: now, without searching
            "-5000, 0",
            "0, 0",
            // due within the horizon: found, never before it holds, at most the resolution after
            "1, 1",
            "250, 250",
            "4321, 4321",
            "29999, 29999",
            "30000, 30000",
            // not by the horizon, or never: look again at the horizon
            "30001, 30000",
            "3600000, 30000",
    })
    void the_first_instant_at_which_a_deadline_holds(long offsetMs, long expectedMs) {
        Instant deadline = NOW.plusMillis(offsetMs);
        Predicate<Instant> due = t -> !deadline.isAfter(t);
        Instant first = DueTime.first(due, NOW, HORIZON, RESOLUTION);
        long firstMs = Duration.between(NOW, first).toMillis();
        if (offsetMs > HORIZON.toMillis()) {
            assertEquals(expectedMs, firstMs);
            assertFalse(due.test(first), "not due yet at the horizon: only a time to look again");
        } else {
            assertTrue(due.test(first), "due at the instant returned");
            assertTrue(firstMs >= expectedMs && firstMs <= Math.max(0, expectedMs) + RESOLUTION.toMillis(),
                    "within the resolution after the deadline: " + firstMs);
        }
    }

    @ParameterizedTest(name = "never due → the horizon")
    @CsvSource({"1000", "30000"})
    void a_state_with_no_deadline_is_looked_at_again_at_the_horizon(long horizonMs) {
        assertEquals(NOW.plusMillis(horizonMs), DueTime.first(t -> false, NOW, Duration.ofMillis(horizonMs), RESOLUTION));
    }

    @ParameterizedTest(name = "asks at most {1} times with deadline {0} ms away")
    @CsvSource({"-1, 1", "40000, 2", "12345, 14"})
    void the_question_is_asked_a_bounded_number_of_times(long offsetMs, int atMost) {
        AtomicInteger asked = new AtomicInteger();
        Instant deadline = NOW.plusMillis(offsetMs);
        DueTime.first(t -> {
            asked.incrementAndGet();
            return !deadline.isAfter(t);
        }, NOW, HORIZON, RESOLUTION);
        assertTrue(asked.get() <= atMost, asked.get() + " questions");
    }
}
