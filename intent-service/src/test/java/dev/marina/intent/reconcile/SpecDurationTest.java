package dev.marina.intent.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SpecDurationTest {

    @ParameterizedTest(name = "{0} → {1} s")
    @CsvSource({"10s, 10", "90s, 90", "5m, 300", "1h, 3600", "1h30m, 5400", "2m30s, 150", "0s, 0", "1h0m5s, 3605"})
    void parses(String text, long seconds) {
        assertEquals(Duration.ofSeconds(seconds), SpecDuration.parse(text).orElseThrow());
    }

    @ParameterizedTest(name = "{0} is refused")
    @CsvSource({"''", "5", "m", "5 m", "-5s", "1.5m", "30s5m", "PT5M", "5min", "5M", "1d"})
    void refuses(String text) {
        assertTrue(SpecDuration.parse(text).isEmpty(), text);
        assertTrue(SpecDuration.problem(text).isPresent(), text);
    }

    @ParameterizedTest(name = "{0} s is written {1}")
    @CsvSource({"60, 1m", "90, 1m30s", "300, 5m", "3600, 1h", "3661, 1h1m1s", "0, 0s", "45, 45s"})
    void formats(long seconds, String text) {
        assertEquals(text, SpecDuration.format(Duration.ofSeconds(seconds)));
        assertEquals(Duration.ofSeconds(seconds), SpecDuration.parse(text).orElseThrow(), "and reads back");
    }
}
