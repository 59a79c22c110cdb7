package dev.marina.healthmonitor.dashboard;

import static dev.marina.healthmonitor.dashboard.Records.T0;
import static dev.marina.healthmonitor.dashboard.Records.condition;
import static dev.marina.healthmonitor.dashboard.Records.status;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.marina.schemas.v1.DeploymentStatus;
import dev.marina.schemas.v1.Health;
import dev.marina.schemas.v1.Phase;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class AlertsTest {

    private static final String KEY = "acme/orders";
    private static final String INSTANCE = "acme-orders-1";
    private static final Duration AFTER = Duration.ofMinutes(2);
    private static final Instant NOW = T0.plus(Duration.ofMinutes(10));

    static Stream<Arguments> cases() {
        DeploymentStatus ready = status(KEY, Phase.PHASE_READY, Health.HEALTH_UP, T0);
        return Stream.of(
                Arguments.of("nothing when Ready with every instance up", ready, Map.of(), List.of()),
                Arguments.of("critical when Failed, with the last error", ready.toBuilder().setPhase(Phase.PHASE_FAILED)
                        .setLastError("no result for create after 5 attempts").build(), Map.of(),
                        List.of("critical PhaseFailed deployment failed: no result for create after 5 attempts")),
                Arguments.of("a warning when Degraded", ready.toBuilder().setPhase(Phase.PHASE_DEGRADED).build(), Map.of(),
                        List.of("warning PhaseDegraded deployment degraded")),
                Arguments.of("critical when an instance is down by the status",
                        status(KEY, Phase.PHASE_READY, Health.HEALTH_DOWN, T0), Map.of(),
                        List.of("critical InstanceDown acme-orders-1 is down")),
                Arguments.of("critical when a fresher transition says down, though the status says up", ready,
                        Map.of(INSTANCE, Health.HEALTH_DOWN), List.of("critical InstanceDown acme-orders-1 is down")),
                Arguments.of("a warning when an instance is suspect", ready, Map.of(INSTANCE, Health.HEALTH_SUSPECT),
                        List.of("warning InstanceSuspect acme-orders-1 is suspect")),
                Arguments.of("nothing for a paused deployment: its instances stopped on purpose, its conditions false as expected",
                        status(KEY, Phase.PHASE_PAUSED, Health.HEALTH_PAUSED, T0).toBuilder()
                                .addConditions(condition("ReplicasConnected", false, "Paused", NOW.minus(AFTER))).build(),
                        Map.of(INSTANCE, Health.HEALTH_PAUSED), List.of()),
                Arguments.of("nothing when a fresher transition says up, though the status says down",
                        status(KEY, Phase.PHASE_READY, Health.HEALTH_DOWN, T0), Map.of(INSTANCE, Health.HEALTH_UP), List.of()),
                Arguments.of("a warning when a condition has been false for longer than the threshold",
                        ready.toBuilder().addConditions(condition("DnsReady", false, "NameClash", NOW.minus(AFTER))).build(),
                        Map.of(), List.of("warning ConditionFalse DnsReady false: NameClash (DnsReady says NameClash)")),
                Arguments.of("nothing when a condition has been false for less than the threshold",
                        ready.toBuilder().addConditions(condition("DnsReady", false, "Updating", NOW.minusSeconds(119))).build(),
                        Map.of(), List.of()),
                Arguments.of("nothing for a condition false by design (replicas not implemented yet)",
                        ready.toBuilder().addConditions(condition("ReplicasReady", false, "NotImplementedYet", T0)).build(),
                        Map.of(), List.of()),
                Arguments.of("nothing for a false condition of a deployment being deleted",
                        ready.toBuilder().setPhase(Phase.PHASE_DELETING)
                                .addConditions(condition("DatabaseReady", false, "Stopped", T0)).build(), Map.of(), List.of()),
                Arguments.of("critical ones first", ready.toBuilder().setPhase(Phase.PHASE_DEGRADED).build(),
                        Map.of(INSTANCE, Health.HEALTH_DOWN),
                        List.of("critical InstanceDown acme-orders-1 is down", "warning PhaseDegraded deployment degraded")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void alerts(String name, DeploymentStatus status, Map<String, Health> health, List<String> expected) {
        List<String> actual = Alerts.of(status, health, NOW, AFTER).stream()
                .map(a -> a.severity() + " " + a.kind() + " " + a.message()).toList();
        assertEquals(expected, actual);
    }
}
