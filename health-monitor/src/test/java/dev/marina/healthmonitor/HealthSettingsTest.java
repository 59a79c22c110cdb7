package dev.marina.healthmonitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class HealthSettingsTest {

    static Stream<Arguments> invalid() {
        return Stream.of(
                Arguments.of("refuses down-after no longer than suspect-after", "1500ms", "1500ms", "10m", "100ms", "1s",
                        "down-after (PT1.5S) must be longer than suspect-after"),
                Arguments.of("refuses down-after no longer than the primary lease", "600ms", "1s", "10m", "100ms", "1s",
                        "down-after (PT1S) must be longer than primary-lease (PT1S)"),
                Arguments.of("refuses down-after shorter than the primary lease", "300ms", "800ms", "10m", "100ms", "1s",
                        "must be longer than primary-lease"),
                Arguments.of("refuses forget-after no longer than down-after", "600ms", "5s", "5s", "100ms", "1s",
                        "forget-after"),
                Arguments.of("refuses a zero suspect-after", "0s", "5s", "10m", "100ms", "1s", "suspect-after"),
                Arguments.of("refuses a zero check interval", "600ms", "1500ms", "10m", "0s", "1s", "check-interval"),
                Arguments.of("refuses a zero primary lease", "600ms", "1500ms", "10m", "100ms", "0s", "primary-lease"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void validation(String behaviour, String suspect, String down, String forget, String check, String lease,
            String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new HealthSettings(
                parse(suspect), parse(down), parse(forget), parse(check), parse(lease)));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void the_defaults_are_valid_and_as_documented() {
        HealthSettings defaults = HealthSettings.defaults();
        assertEquals(Duration.ofMillis(600), defaults.suspectAfter());
        assertEquals(Duration.ofMillis(1500), defaults.downAfter());
        assertEquals(Duration.ofMinutes(10), defaults.forgetAfter());
        assertEquals(Duration.ofMillis(100), defaults.checkInterval());
        assertEquals(Duration.ofSeconds(1), defaults.primaryLease());
    }

    @Test
    void the_defaults_leave_a_primary_time_to_fence_itself_before_it_is_called_down() {
        HealthSettings defaults = HealthSettings.defaults();
        assertTrue(defaults.downAfter().minus(defaults.primaryLease()).compareTo(Duration.ofMillis(500)) >= 0,
                "down-after is the lease plus at least 500 ms of margin");
    }

    private static Duration parse(String text) {
        return text.endsWith("ms") ? Duration.ofMillis(Long.parseLong(text.replace("ms", "")))
                : text.endsWith("m") ? Duration.ofMinutes(Long.parseLong(text.replace("m", "")))
                : Duration.ofSeconds(Long.parseLong(text.replace("s", "")));
    }
}
