package dev.marina.healthmonitor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.marina.service.PlatformConfig;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.io.IOException;
import java.net.URL;
import java.util.Collections;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HealthConfigTest {

    private static HealthConfig load(Map<String, String> properties) throws IOException {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                // service-kit's shared defaults, where marina.platform.primary-lease is set
                .withSources(new PropertiesConfigSource(serviceKitDefaults(), 100))
                .addDefaultInterceptors() // expands ${...}, as Quarkus does
                .withConverter(Duration.class, 200, new DurationConverter())
                .withMapping(HealthConfig.class)
                .withMapping(PlatformConfig.class)
                .withSources(new PropertiesConfigSource(properties, "test", 250))
                .build();
        return config.getConfigMapping(HealthConfig.class);
    }

    private static URL serviceKitDefaults() throws IOException {
        return Collections.list(HealthConfigTest.class.getClassLoader().getResources("META-INF/microprofile-config.properties"))
                .stream().filter(u -> u.toString().contains("service-kit")).findFirst()
                .orElseThrow(() -> new IllegalStateException("service-kit's microprofile-config.properties is not on the classpath"));
    }

    @Test
    void the_primary_lease_is_the_platforms_unless_set_here() throws IOException {
        assertEquals(Duration.ofSeconds(1), load(Map.of()).primaryLease());
        assertEquals(Duration.ofMillis(1300), load(Map.of("marina.platform.primary-lease", "1300ms")).primaryLease());
        assertEquals(Duration.ofMillis(900), load(Map.of("marina.platform.primary-lease", "1300ms",
                "marina.health.primary-lease", "900ms")).primaryLease());
    }

    @Test
    void a_platform_lease_longer_than_down_after_is_refused_naming_both() throws IOException {
        HealthConfig config = load(Map.of("marina.platform.primary-lease", "2s"));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new HealthSettings(config.suspectAfter(), config.downAfter(), config.forgetAfter(), config.checkInterval(),
                        config.primaryLease()));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("down-after (PT1.5S) must be longer than primary-lease (PT2S)"),
                e.getMessage());
    }
}
