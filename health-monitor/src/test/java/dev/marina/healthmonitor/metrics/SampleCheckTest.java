package dev.marina.healthmonitor.metrics;

import static dev.marina.healthmonitor.metrics.MetricsFixtures.DEPLOYMENT;
import static dev.marina.healthmonitor.metrics.MetricsFixtures.ONE;
import static dev.marina.healthmonitor.metrics.MetricsFixtures.T0;
import static dev.marina.healthmonitor.metrics.MetricsFixtures.TWO;
import static dev.marina.healthmonitor.metrics.MetricsFixtures.gauges;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.v1.MetricSample;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SampleCheckTest {

    private static final Roster OWNS_ONE = new Roster(new TreeSet<>(Set.of(ONE)), 1, 0, 0, 0);
    private static final long ON_TIME = T0.toEpochMilli();

    static Stream<Arguments> cases() {
        MetricSample good = gauges(ONE, T0, Map.of("connections", 3.0));
        Map<String, Double> tooMany = new HashMap<>();
        for (int i = 0; i <= InstanceWindow.MAX_NAMES; i++) {
            tooMany.put("g" + i, 1.0);
        }
        return Stream.of(
                row("accepts a sample of a listed instance", good, ON_TIME, OWNS_ONE, null, null),
                row("accepts a sample that leaves its deployment to the key", good.toBuilder().clearDeployment().build(),
                        ON_TIME, OWNS_ONE, null, null),
                row("refuses a sample without instance id", good.toBuilder().clearInstanceId().build(), ON_TIME,
                        OWNS_ONE, SampleCheck.Reason.INVALID, "without instance_id"),
                row("refuses a sample without sampled_at", good.toBuilder().clearSampledAt().build(), ON_TIME,
                        OWNS_ONE, SampleCheck.Reason.INVALID, "without sampled_at"),
                row("refuses a sample whose deployment is not its key's",
                        good.toBuilder().setDeployment(DeploymentKey.parse("acme/billing")).build(), ON_TIME, OWNS_ONE,
                        SampleCheck.Reason.INVALID, "does not match"),
                row("refuses a gauge that is not a finite number", gauges(ONE, T0, Map.of("connections", Double.NaN)),
                        ON_TIME, OWNS_ONE, SampleCheck.Reason.INVALID, "gauge connections is NaN"),
                row("refuses a sample with more names than a window keeps", gauges(ONE, T0, tooMany), ON_TIME,
                        OWNS_ONE, SampleCheck.Reason.INVALID, "at most 64"),
                row("refuses a sample stamped beyond the clock's limit (its time was capped)", good, ON_TIME - 1,
                        OWNS_ONE, SampleCheck.Reason.AHEAD_OF_CLOCK, "ahead of the monitor's clock"),
                row("refuses a sample of a deployment without status", good, ON_TIME, null,
                        SampleCheck.Reason.UNKNOWN_DEPLOYMENT, "has no status"),
                row("refuses a sample of an instance the status does not list", gauges(TWO, T0, Map.of()), ON_TIME,
                        OWNS_ONE, SampleCheck.Reason.UNKNOWN_INSTANCE,
                        "instance acme-orders-2 is not listed in the status of acme/orders"));
    }

    static Arguments row(String behaviour, MetricSample sample, long recordTimestamp, Roster roster,
            SampleCheck.Reason reason, String detailContains) {
        return Arguments.of(behaviour, sample, recordTimestamp, roster, reason, detailContains);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void check(String behaviour, MetricSample sample, long recordTimestamp, Roster roster, SampleCheck.Reason reason,
            String detailContains) {
        Optional<SampleCheck.Rejection> rejection = SampleCheck.check(DEPLOYMENT, sample, recordTimestamp, roster);
        if (reason == null) {
            assertEquals(Optional.empty(), rejection);
        } else {
            assertEquals(reason, rejection.map(SampleCheck.Rejection::reason).orElse(null), () -> "got " + rejection);
            assertTrue(rejection.get().detail().contains(detailContains), rejection.get().detail());
        }
    }

    static Stream<Arguments> keys() {
        return Stream.of(
                Arguments.of("accepts a deployment key", DEPLOYMENT, null),
                Arguments.of("refuses a record without key", null, "without a record key"),
                Arguments.of("refuses a key that is not a deployment key", "orders", "deployment key must be"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("keys")
    void key(String behaviour, String key, String detailContains) {
        Optional<SampleCheck.Rejection> rejection = SampleCheck.key(key);
        if (detailContains == null) {
            assertEquals(Optional.empty(), rejection);
        } else {
            assertEquals(SampleCheck.Reason.INVALID, rejection.orElseThrow().reason());
            assertTrue(rejection.get().detail().contains(detailContains), rejection.get().detail());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("labels")
    void reasons_have_stable_metric_labels(SampleCheck.Reason reason, String label) {
        assertEquals(label, reason.label());
    }

    static Stream<Arguments> labels() {
        return Stream.of(
                Arguments.of(SampleCheck.Reason.UNDECODABLE, "undecodable"),
                Arguments.of(SampleCheck.Reason.AHEAD_OF_CLOCK, "ahead-of-clock"),
                Arguments.of(SampleCheck.Reason.UNKNOWN_INSTANCE, "unknown-instance"));
    }
}
