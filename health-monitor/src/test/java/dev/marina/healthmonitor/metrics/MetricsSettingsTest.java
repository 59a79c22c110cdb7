package dev.marina.healthmonitor.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class MetricsSettingsTest {

    @Test
    void the_defaults_are_as_documented() {
        MetricsSettings defaults = MetricsSettings.defaults();
        assertEquals(Duration.ofSeconds(5), defaults.grace());
        assertEquals(500, defaults.maxDeploymentLabels());
        assertEquals(Duration.ofMinutes(10), defaults.gaugesExpireAfter());
        assertEquals(Duration.ofMinutes(1), defaults.sweepInterval());
    }

    @Test
    void refuses_settings_that_make_no_sense_naming_the_key() {
        assertNamed("grace", () -> new MetricsSettings(Duration.ofSeconds(-1), 500, Duration.ofMinutes(10)));
        assertNamed("max-deployment-labels", () -> new MetricsSettings(Duration.ZERO, -1, Duration.ofMinutes(10)));
        assertNamed("gauges-expire-after", () -> new MetricsSettings(Duration.ZERO, 500, Duration.ZERO));
    }

    @Test
    void the_sweep_for_stale_gauges_runs_a_tenth_of_the_expiry_within_bounds() {
        assertEquals(Duration.ofSeconds(1), new MetricsSettings(Duration.ZERO, 1, Duration.ofSeconds(2)).sweepInterval());
        assertEquals(Duration.ofSeconds(30), new MetricsSettings(Duration.ZERO, 1, Duration.ofMinutes(5)).sweepInterval());
    }

    private static void assertNamed(String key, org.junit.jupiter.api.function.Executable executable) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, executable);
        assertTrue(e.getMessage().contains(key), e.getMessage());
    }
}
