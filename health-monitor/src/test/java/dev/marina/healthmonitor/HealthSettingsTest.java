package dev.marina.healthmonitor;

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
                Arguments.of("refuses down-after no longer than suspect-after", "5s", "5s", "10m", "250ms", "down-after"),
                Arguments.of("refuses forget-after no longer than down-after", "2s", "5s", "5s", "250ms", "forget-after"),
                Arguments.of("refuses a zero suspect-after", "0s", "5s", "10m", "250ms", "suspect-after"),
                Arguments.of("refuses a zero check interval", "2s", "5s", "10m", "0s", "check-interval"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void validation(String behaviour, String suspect, String down, String forget, String check, String named) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new HealthSettings(
                parse(suspect), parse(down), parse(forget), parse(check)));
        assertTrue(e.getMessage().contains(named), e.getMessage());
    }

    @Test
    void the_defaults_are_valid_and_as_documented() {
        HealthSettings defaults = HealthSettings.defaults();
        assertTrue(defaults.suspectAfter().equals(Duration.ofMillis(2500)));
        assertTrue(defaults.downAfter().equals(Duration.ofSeconds(5)));
        assertTrue(defaults.forgetAfter().equals(Duration.ofMinutes(10)));
        assertTrue(defaults.checkInterval().equals(Duration.ofMillis(250)));
    }

    private static Duration parse(String text) {
        return text.endsWith("ms") ? Duration.ofMillis(Long.parseLong(text.replace("ms", "")))
                : text.endsWith("m") ? Duration.ofMinutes(Long.parseLong(text.replace("m", "")))
                : Duration.ofSeconds(Long.parseLong(text.replace("s", "")));
    }
}
