package dev.marina.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The broker restarted under a running platform: services report not ready while it is away,
 * recover without being restarted themselves, the running deployment stays, and new work is done.
 */
@org.junit.jupiter.api.Order(6) // see Platform.shared
class BrokerRestartIT {

    private static final String SMALL = "{\"spec\":{\"engine\":\"ENGINE_MARIADB\",\"version\":\"10.11\"}}";

    @Test
    void the_platform_rides_out_a_broker_restart() throws Exception {
        // A platform of its own: on the shared one, after the other classes' deployments had come and gone (dozens of agent
        // principals created and deleted), the restarted broker refused the services' SCRAM logins for over 90 s. Not yet
        // explained; see the README's known limits.
        try (Platform platform = Platform.start(java.util.Map.of())) {
            String suffix = UUID.randomUUID().toString().substring(0, 6);
            String before = "/v1/deployments/e2e/before" + suffix;
            String after = "/v1/deployments/e2e/after" + suffix;
            assertEquals(200, platform.call("PUT", before, SMALL).status());
            awaitPhase(platform, before, "PHASE_READY", Duration.ofSeconds(120));

            platform.stopBroker();
            Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                    .until(() -> platform.readiness("intent-service") == 503 && platform.readiness("provisioner") == 503);
            platform.startBroker();
            for (String service : new String[] {"intent-service", "provisioner", "health-monitor"}) {
                Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                        .until(() -> platform.readiness(service) == 200);
            }

            awaitPhase(platform, before, "PHASE_READY", Duration.ofSeconds(90));
            assertEquals(200, platform.call("PUT", after, SMALL).status());
            awaitPhase(platform, after, "PHASE_READY", Duration.ofSeconds(120));

            assertEquals(200, platform.call("DELETE", before, null).status());
            assertEquals(200, platform.call("DELETE", after, null).status());
            Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                    .until(() -> platform.call("GET", before, null).status() == 404 && platform.call("GET", after, null).status() == 404);
        }
    }

    private static void awaitPhase(Platform platform, String path, String phase, Duration atMost) throws Exception {
        long deadline = System.nanoTime() + atMost.toNanos();
        Platform.Response last = null;
        while (System.nanoTime() < deadline) {
            last = platform.call("GET", path, null);
            if (last.status() == 200 && phase.equals(last.body().path("status").path("phase").asText())) {
                return;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("not " + phase + " within " + atMost.toSeconds() + " s; last: " + (last == null ? null : last.body())
                + "\nintent-service log: " + platform.log("intent-service"));
    }
}
