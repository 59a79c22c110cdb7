package dev.marina.healthmonitor.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which Host headers health-monitor answers (DNS rebinding), and when the dashboard needs a token. */
class HostCheckTest {

    private static final Set<String> NAMES = Set.of("ops.example.org");

    @ParameterizedTest(name = "Host {0} → {1}")
    @CsvSource(nullValues = "NULL", value = {
            "127.0.0.1:8085, true",
            "127.0.0.1, true",
            "10.1.2.3:8085, true",
            "[::1]:8085, true",
            "[::1], true",
            "localhost:8085, true",
            "LOCALHOST, true",
            "app.localhost:8085, true",
            "ops.example.org:8085, true",
            "OPS.example.org., true",
            "evil.example:8085, false",
            "127.0.0.1.evil.example, false",
            "localhost.evil.example, false",
            "ops.example.org.evil.example, false",
            "999.1.1.1, false",
            "127.0.0.1:80:80, false",
            "127.0.0.1:abc, false",
            "[::1]x, false",
            "'', false",
            "NULL, false"})
    void answers_addresses_localhost_and_configured_names_only(String host, boolean accepted) {
        assertEquals(accepted, HostCheck.accepts(host, NAMES));
    }

    @ParameterizedTest(name = "bound to {0}: loopback {1}")
    @CsvSource(nullValues = "NULL", value = {
            "127.0.0.1, true",
            "127.10.0.5, true",
            "::1, true",
            "localhost, true",
            "0.0.0.0, false",
            "::, false",
            "10.1.2.3, false",
            "dashboard.example.org, false",
            "NULL, false"})
    void a_token_is_needed_beyond_loopback(String bound, boolean loopback) {
        assertEquals(loopback, HostCheck.loopback(bound));
    }
}
