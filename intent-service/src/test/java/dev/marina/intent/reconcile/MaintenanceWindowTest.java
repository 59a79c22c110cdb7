package dev.marina.intent.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class MaintenanceWindowTest {

    // 2026-11-22 is a Sunday
    static Stream<Arguments> windows() {
        return Stream.of(
                Arguments.of("sun:03:00-sun:04:00", "2026-11-22T03:00:00Z", true, "2026-11-29T03:00:00Z"),
                Arguments.of("sun:03:00-sun:04:00", "2026-11-22T03:59:59Z", true, "2026-11-29T03:00:00Z"),
                Arguments.of("sun:03:00-sun:04:00", "2026-11-22T04:00:00Z", false, "2026-11-29T03:00:00Z"),
                Arguments.of("sun:03:00-sun:04:00", "2026-11-22T02:59:00Z", false, "2026-11-22T03:00:00Z"),
                Arguments.of("sun:03:00-sun:04:00", "2026-11-18T12:00:00Z", false, "2026-11-22T03:00:00Z"),
                // wrapping the week: Saturday night to Monday morning
                Arguments.of("sat:23:00-mon:01:00", "2026-11-22T12:00:00Z", true, "2026-11-28T23:00:00Z"),
                Arguments.of("sat:23:00-mon:01:00", "2026-11-23T00:30:00Z", true, "2026-11-28T23:00:00Z"),
                Arguments.of("sat:23:00-mon:01:00", "2026-11-23T01:00:00Z", false, "2026-11-28T23:00:00Z"),
                Arguments.of("SAT:23:00-MON:01:00", "2026-11-21T22:00:00Z", false, "2026-11-21T23:00:00Z"),
                // a window ending before it starts in the week spans almost all of it
                Arguments.of("tue:10:00-mon:10:00", "2026-11-23T09:00:00Z", true, "2026-11-24T10:00:00Z"),
                Arguments.of("tue:10:00-mon:10:00", "2026-11-23T11:00:00Z", false, "2026-11-24T10:00:00Z"));
    }

    @ParameterizedTest(name = "{0} at {1}: open {2}, next opening {3}")
    @MethodSource("windows")
    void opens_and_closes_in_utc(String window, String at, boolean open, String next) {
        MaintenanceWindow w = MaintenanceWindow.parse(window);
        assertEquals(open, w.isOpen(Instant.parse(at)));
        assertEquals(Instant.parse(next), w.nextOpening(Instant.parse(at).plusSeconds(open ? 1 : 0)));
    }

    @Test
    void its_length_wraps_the_week() {
        assertEquals(Duration.ofHours(26), MaintenanceWindow.parse("sat:23:00-mon:01:00").length());
        assertEquals(Duration.ofHours(1), MaintenanceWindow.parse("sun:03:00-sun:04:00").length());
    }

    @Test
    void a_malformed_window_says_why() {
        assertEquals("names the day fun; days are mon, tue, wed, thu, fri, sat, sun",
                assertThrows(IllegalArgumentException.class, () -> MaintenanceWindow.parse("fun:03:00-sun:04:00")).getMessage());
        assertEquals(true, MaintenanceWindow.problem("3-4").isPresent());
        assertEquals(true, MaintenanceWindow.problem("sun:03:60-sun:04:00").isPresent());
    }
}
