package dev.marina.healthmonitor.metrics;

import static dev.marina.healthmonitor.metrics.MetricsFixtures.T0;
import static dev.marina.healthmonitor.metrics.MetricsFixtures.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class WindowTest {

    @Test
    void windows_are_aligned_to_the_epoch_and_include_their_start_but_not_their_end() {
        assertEquals(T0, Window.containing(T0, WindowSize.TEN_SECONDS).start());
        assertEquals(T0, Window.containing(at(9.999), WindowSize.TEN_SECONDS).start());
        assertEquals(at(10), Window.containing(at(10), WindowSize.TEN_SECONDS).start());
        assertEquals(at(50), Window.containing(at(57.3), WindowSize.TEN_SECONDS).start());
        assertEquals(T0, Window.containing(at(59.9), WindowSize.ONE_MINUTE).start());
        assertEquals(at(60), Window.containing(at(60), WindowSize.ONE_MINUTE).start());
    }

    @Test
    void a_window_knows_its_end_size_and_the_one_before() {
        Window window = Window.containing(at(12), WindowSize.TEN_SECONDS);
        assertEquals(at(20), window.end());
        assertEquals(10, window.seconds());
        assertEquals(new Window(at(0), WindowSize.TEN_SECONDS), window.previous());
        assertEquals(60, Window.containing(T0, WindowSize.ONE_MINUTE).seconds());
    }

    @Test
    void a_window_closes_when_stream_time_reaches_its_end_plus_the_grace_period() {
        Window window = new Window(T0, WindowSize.TEN_SECONDS);
        Duration grace = Duration.ofSeconds(5);
        assertFalse(window.closedAt(at(14.999).toEpochMilli(), grace));
        assertTrue(window.closedAt(at(15).toEpochMilli(), grace));
        assertTrue(window.closedAt(at(10).toEpochMilli(), Duration.ZERO));
    }

    @Test
    void a_time_before_the_epoch_still_falls_in_the_window_that_contains_it() {
        assertEquals(Instant.ofEpochSecond(-10), Window.containing(Instant.ofEpochMilli(-1), WindowSize.TEN_SECONDS).start());
    }

    @Test
    void a_store_keeps_two_windows_and_the_grace_period() {
        assertEquals(Duration.ofSeconds(25), WindowSize.TEN_SECONDS.retention(Duration.ofSeconds(5)));
        assertEquals(Duration.ofSeconds(125), WindowSize.ONE_MINUTE.retention(Duration.ofSeconds(5)));
    }
}
