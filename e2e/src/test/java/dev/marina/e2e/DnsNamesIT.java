package dev.marina.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * A deployment whose writer name is taken by a record the platform does not own: the status says so
 * (DnsReady=false, NameClash, with the name), the foreign record is left alone, and once its owner
 * removes it the deployment becomes Ready with its names, without anyone touching the deployment.
 */
@org.junit.jupiter.api.Order(2) // see Platform.shared
class DnsNamesIT {

    private static final String SMALL = "{\"spec\":{\"engine\":\"ENGINE_MARIADB\",\"version\":\"10.11\",\"size\":\"SIZE_SMALL\"}}";

    @Test
    void a_name_held_by_a_foreign_record_shows_as_a_clash_until_it_is_freed() throws Exception {
        try (Platform platform = Platform.shared(Platform.STANDARD)) {
            String name = "clash" + UUID.randomUUID().toString().substring(0, 6);
            String writer = name + ".e2e." + Platform.ZONE;
            platform.nsupdate("update add " + writer + ". 60 A 192.0.2.1");
            String path = "/v1/deployments/e2e/" + name;

            assertEquals(200, platform.call("PUT", path, SMALL).status());

            JsonNode clash = awaitCondition(platform, path, "NameClash", Duration.ofSeconds(120));
            assertTrue(clash.path("message").asText().contains(writer), clash.toString());
            assertEquals("PHASE_PROVISIONING", platform.call("GET", path, null).body().path("status").path("phase").asText());
            assertEquals(List.of("192.0.2.1"), platform.dig(writer), "the foreign record is untouched");

            platform.nsupdate("update delete " + writer + ". A");

            Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() ->
                    "PHASE_READY".equals(platform.call("GET", path, null).body().path("status").path("phase").asText()));
            JsonNode status = platform.call("GET", path, null).body().path("status");
            String address = status.path("instances").get(0).path("address").asText();
            assertEquals(List.of(address), platform.dig(writer));
            assertEquals(List.of(address), platform.dig("ro." + writer));
        }
    }

    private static JsonNode awaitCondition(Platform platform, String path, String reason, Duration atMost) throws Exception {
        long deadline = System.nanoTime() + atMost.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = platform.call("GET", path, null).body();
            for (JsonNode c : last.path("status").path("conditions")) {
                if (c.path("type").asText().equals("DnsReady") && c.path("reason").asText().equals(reason)) {
                    return c;
                }
            }
            Platform.sleep(Duration.ofMillis(250));
        }
        throw new AssertionError("no DnsReady=" + reason + " within " + atMost + "; last: " + last + "; dns-service log: "
                + platform.log("dns-service"));
    }
}
