package dev.marina.intent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.marina.intent.reconcile.PlanSettings;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DeclaredDefaultsTest {

    @Test
    void plan_settings_defaults_are_the_mappings_declared_defaults() {
        PlanSettingsFromConfig.DeclaredDefaults declared = PlanSettingsFromConfig.declaredDefaults();
        ReconcilerConfig r = declared.reconciler();
        PlanSettings defaults = PlanSettings.defaults();
        assertEquals(r.provisionTimeout(), defaults.provisionTimeout());
        assertEquals(r.maxBackoff(), defaults.maxBackoff());
        assertEquals(r.failedAfterAttempts(), defaults.failedAfterAttempts());
        assertEquals(PlanSettings.TlsSettings.DEFAULTS, defaults.tls());
        assertEquals(PlanSettings.HaSettings.DEFAULTS, defaults.ha());
        assertEquals(PlanSettings.DnsSettings.OFF, defaults.dns());
        assertEquals(r.failoverMinSilence(), defaults.ha().minSilence());
        assertEquals(r.certRevokeTries(), defaults.tls().revokeTries());
    }

    @Test
    void the_defaults_have_no_dns_names() {
        assertFalse(PlanSettings.defaults().dns().enabled());
        assertFalse(PlanSettings.DnsSettings.OFF.enabled());
    }

    @Test
    void configured_values_reach_the_plan_settings() {
        SmallRyeConfig config = PlanSettingsFromConfig.withQuarkusDurations(new SmallRyeConfigBuilder())
                .withMapping(ReconcilerConfig.class)
                .withMapping(DnsNamesConfig.class)
                .withMapping(AutoscalingConfig.class)
                .withSources(new PropertiesConfigSource(Map.of(
                        "marina.reconciler.failover-min-silence", "2500ms",
                        "marina.reconciler.deploy-timeout", "90s",
                        "marina.dns.zone", "example.org.",
                        "marina.dns.ttl", "30s",
                        "marina.autoscaling.scale-in-after", "10m"), "test", 100))
                .build();
        PlanSettings settings = PlanSettingsFromConfig.plan(config.getConfigMapping(ReconcilerConfig.class),
                config.getConfigMapping(DnsNamesConfig.class), config.getConfigMapping(AutoscalingConfig.class));
        assertEquals(Duration.ofMinutes(10), settings.autoscale().scaleInAfter());
        assertEquals(Duration.ofSeconds(60), settings.autoscale().scaleOutAfter());
        assertEquals(Duration.ofMillis(2500), settings.ha().minSilence());
        assertEquals(Duration.ofSeconds(90), settings.deployTimeout());
        assertEquals("example.org", settings.dns().zone());
        assertEquals(Duration.ofSeconds(30), settings.dns().ttl());
        assertEquals(PlanSettings.defaults().provisionTimeout(), settings.provisionTimeout());
    }
}
