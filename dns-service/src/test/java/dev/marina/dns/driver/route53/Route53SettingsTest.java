package dev.marina.dns.driver.route53;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Settings are checked when made, with messages that name the key to fix. */
class Route53SettingsTest {

    @Test
    void defaults_are_route53s_own_endpoint_at_five_requests_per_second() {
        Route53Settings settings = Route53Settings.defaults("Z1D633PJN98FT9", "Example.com");
        assertEquals("example.com.", settings.zone());
        assertEquals("aws-global", settings.region());
        assertEquals(Optional.empty(), settings.endpoint());
        assertEquals(5.0, settings.requestsPerSecond());
    }

    @Test
    void takes_a_hosted_zone_id_as_the_console_and_the_api_spell_it() {
        assertEquals("Z1D633PJN98FT9", Route53Settings.defaults("/hostedzone/Z1D633PJN98FT9", "example.com").hostedZoneId());
    }

    @Test
    void names_every_problem_at_once() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Route53Settings("",
                "not a zone", "", Optional.of(URI.create("localhost:8080")), Duration.ZERO, Duration.ofSeconds(-1), 0,
                -1, Duration.ZERO));
        for (String key : new String[] {"hosted-zone-id", "marina.dns.zone", "region", "endpoint", "request-timeout",
                "change-timeout", "rate", "throttle-retries", "throttle-backoff"}) {
            assertTrue(e.getMessage().contains(key), key + " missing from: " + e.getMessage());
        }
    }

    @Test
    void refuses_a_rate_of_zero_and_a_lower_case_zone_id() {
        Route53Settings ok = Route53Settings.defaults("Z1D633PJN98FT9", "example.com");
        assertThrows(IllegalArgumentException.class, () -> ok.withRate(0));
        assertThrows(IllegalArgumentException.class, () -> Route53Settings.defaults("z1d633", "example.com"));
        assertEquals(2.5, ok.withRate(2.5).requestsPerSecond());
    }

    @Test
    void takes_an_http_endpoint_for_tests_and_proxies() {
        URI endpoint = URI.create("http://127.0.0.1:4566");
        assertEquals(Optional.of(endpoint),
                Route53Settings.defaults("Z1D633PJN98FT9", "example.com").withEndpoint(endpoint).endpoint());
    }
}
