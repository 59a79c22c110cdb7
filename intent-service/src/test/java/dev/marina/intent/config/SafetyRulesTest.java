package dev.marina.intent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SafetyRulesTest {

    static Stream<Arguments> rows() {
        return Stream.of(
                row("accepts the declared defaults", 1200, 1000, 0.6667, 0.05, List.of()),
                row("accepts a failover silence just above the lease", 1001, 1000, 0.6667, 0.05, List.of()),
                row("refuses a failover silence equal to the lease", 1000, 1000, 0.6667, 0.05,
                        List.of("marina.reconciler.failover-min-silence (1s) must be longer than marina.platform.primary-lease (1s)")),
                row("refuses a failover silence shorter than the lease", 1200, 2000, 0.6667, 0.05,
                        List.of("marina.reconciler.failover-min-silence (1200ms) must be longer than marina.platform.primary-lease (2s)")),
                row("refuses a zero lease", 1200, 0, 0.6667, 0.05,
                        List.of("marina.platform.primary-lease (0s) must be a positive duration")),
                row("refuses renewing at or after the end of the lifetime", 1200, 1000, 1.0, 0.05,
                        List.of("marina.reconciler.cert-renew-at (1.0) must lie between 0 and 1")),
                row("refuses a jitter reaching back past the start of the lifetime", 1200, 1000, 0.5, 0.5,
                        List.of("marina.reconciler.cert-renew-jitter (0.5) must be at least 0 and less than marina.reconciler.cert-renew-at (0.5)")),
                row("refuses a negative jitter", 1200, 1000, 0.6667, -0.1,
                        List.of("marina.reconciler.cert-renew-jitter (-0.1)")),
                row("reports every broken rule at once", 500, 1000, 0.6667, 0.7,
                        List.of("marina.reconciler.failover-min-silence (500ms)", "marina.reconciler.cert-renew-jitter (0.7)")));
    }

    private static Arguments row(String behaviour, long silenceMs, long leaseMs, double renewAt, double jitter, List<String> expected) {
        return Arguments.of(behaviour, Duration.ofMillis(silenceMs), Duration.ofMillis(leaseMs), renewAt, jitter, expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void rules(String behaviour, Duration silence, Duration lease, double renewAt, double jitter, List<String> expected) {
        List<String> violations = SafetyRules.violations(silence, lease, renewAt, jitter);
        assertEquals(expected.size(), violations.size(), violations.toString());
        for (int i = 0; i < expected.size(); i++) {
            assertTrue(violations.get(i).startsWith(expected.get(i)), violations.get(i));
        }
    }

    @Test
    void the_declared_defaults_keep_every_rule_with_the_platform_lease() {
        ReconcilerConfig declared = PlanSettingsFromConfig.declaredDefaults().reconciler();
        assertEquals(List.of(), SafetyRules.violations(declared, Duration.ofSeconds(1)));
    }

    @Test
    void the_startup_message_names_both_keys_and_their_values() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> SafetyRules.require(SafetyRules.violations(Duration.ofMillis(800), Duration.ofSeconds(1), 0.6667, 0.05)));
        assertTrue(e.getMessage().contains("marina.reconciler.failover-min-silence (800ms)")
                && e.getMessage().contains("marina.platform.primary-lease (1s)"), e.getMessage());
    }
}
