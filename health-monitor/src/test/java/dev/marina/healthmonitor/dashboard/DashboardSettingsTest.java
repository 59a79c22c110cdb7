package dev.marina.healthmonitor.dashboard;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DashboardSettingsTest {

    @Test
    void defaults_are_valid() {
        DashboardSettings.defaults();
    }

    @Test
    void refuses_caps_that_are_not_positive() {
        var e = assertThrows(IllegalArgumentException.class, () -> DashboardSettings.defaults().withCaps(0, 1, 1, 1));
        assertTrue(e.getMessage().contains("marina.dashboard.max-deployments"), e.getMessage());
    }

    @Test
    void refuses_a_metrics_look_back_longer_than_the_chart_window() {
        DashboardSettings d = DashboardSettings.defaults();
        var e = assertThrows(IllegalArgumentException.class, () -> new DashboardSettings(d.maxDeployments(), d.maxInstances(),
                d.maxSeries(), Duration.ofMinutes(1), d.chartPoints(), Duration.ofMinutes(5), d.transitionsLookBack(),
                d.transitionsPerDeployment(), d.transitionsFleet(), d.conditionAlertAfter(), d.alertCheckInterval(),
                d.eventsBuffer()));
        assertTrue(e.getMessage().contains("metrics-look-back"), e.getMessage());
    }
}
