package dev.marina.agent;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.agent.database.MariaDbSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AgentSettingsTest {

    private static AgentSettings with(Duration heartbeatInterval, Duration metricsInterval) {
        return new AgentSettings(new InstanceIdentity("acme-orders-1", "acme/orders", "127.10.0.3"),
                new InstanceFiles(Path.of("/tmp/acme-orders-1")), Path.of("/tmp"), Optional.empty(), new java.util.Properties(),
                Path.of("/tmp/platform.key"), Path.of("/tmp/acme-orders-1/instance.key"), heartbeatInterval, metricsInterval,
                MariaDbSettings.defaults());
    }

    @Test
    void refuses_an_interval_that_is_not_positive_naming_its_key() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> with(Duration.ofSeconds(1), Duration.ZERO));
        assertTrue(e.getMessage().contains("marina.agent.metrics-interval"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> with(Duration.ofSeconds(-1), Duration.ofSeconds(5)));
        assertTrue(e.getMessage().contains("marina.agent.heartbeat-interval"), e.getMessage());
    }

    @Test
    void refuses_a_lease_no_longer_than_the_heartbeat_interval() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new AgentSettings(
                new InstanceIdentity("acme-orders-1", "acme/orders", "127.10.0.3"), new InstanceFiles(Path.of("/tmp/acme-orders-1")),
                Path.of("/tmp"), Optional.empty(), new java.util.Properties(), Path.of("/tmp/platform.key"),
                Path.of("/tmp/acme-orders-1/instance.key"), Duration.ofSeconds(1),
                Duration.ofSeconds(5), Duration.ofSeconds(1), Duration.ofSeconds(10), MariaDbSettings.defaults()));
        assertTrue(e.getMessage().contains("marina.agent.lease"), e.getMessage());
    }

    @Test
    void refuses_an_archive_interval_that_is_not_positive_naming_its_key() {
        AgentSettings defaults = with(Duration.ofMillis(200), Duration.ofSeconds(5));
        assertTrue(defaults.archiveInterval().equals(Duration.ofSeconds(2)), "2 s by default");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new AgentSettings(defaults.identity(),
                defaults.files(), defaults.marinaHome(), defaults.commandsSince(), defaults.kafka(), defaults.secretsKeyFile(),
                defaults.instanceKeyFile(), defaults.heartbeatInterval(), defaults.metricsInterval(), defaults.lease(), defaults.promoteWait(),
                defaults.mariadb(), Duration.ZERO));
        assertTrue(e.getMessage().contains("marina.agent.archive-interval"), e.getMessage());
    }

    @Test
    void takes_positive_intervals() {
        with(Duration.ofMillis(200), Duration.ofMillis(500));
    }
}
