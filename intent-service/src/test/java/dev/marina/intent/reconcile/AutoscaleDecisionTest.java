package dev.marina.intent.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.intent.reconcile.AutoscalePlanner.Decision;
import dev.marina.intent.reconcile.AutoscalePlanner.Input;
import dev.marina.intent.reconcile.AutoscalePlanner.Kind;
import dev.marina.schemas.v1.AutoscaleMetric;
import dev.marina.schemas.v1.AutoscaleTarget;
import dev.marina.schemas.v1.AutoscalingSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.function.UnaryOperator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The autoscaler's decision, as a table: (spec 1 replica, min 1, max 4, CPU target 60 %, default settings: out after
 * 60 s, in after 300 s, cooldowns 60 s / 300 s). Times are seconds before now; -1 means never.
 */
class AutoscaleDecisionTest {

    private static final Instant NOW = Instant.parse("2026-12-03T10:00:00Z");
    private static final PlanSettings.AutoscaleSettings SETTINGS = PlanSettings.AutoscaleSettings.DEFAULTS;

    private static Optional<Instant> ago(long seconds) {
        return seconds < 0 ? Optional.empty() : Optional.of(NOW.minusSeconds(seconds));
    }

    private static AutoscalingSpec spec(UnaryOperator<AutoscalingSpec.Builder> change) {
        return change.apply(AutoscalingSpec.newBuilder().setMinReplicas(1).setMaxReplicas(4)
                .setTarget(AutoscaleTarget.newBuilder().setMetric(AutoscaleMetric.AUTOSCALE_METRIC_CPU_PERCENT).setValue(60))).build();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # behaviour                                                   | added | readers | current | above | below | lastOut | lastIn | hold      | kind      | after | reason contains
            scales out when above the target for the sustained window      | 0     | 1       | 80      | 60    | -1    | -1      | -1     |           | SCALE_OUT | 2     | cpu_percent 80.0 above target 60.0 for 60 s
            does nothing when above the target for less than the window    | 0     | 1       | 80      | 59    | -1    | -1      | -1     |           | NONE      | 1     |
            adds as many readers as bring the average to the target        | 0     | 1       | 170     | 120   | -1    | -1      | -1     |           | SCALE_OUT | 3     | 170.0
            never above max_replicas                                       | 1     | 2       | 500     | 120   | -1    | -1      | -1     |           | SCALE_OUT | 4     | above target
            holds at max_replicas                                          | 3     | 4       | 90      | 120   | -1    | -1      | -1     |           | HOLD      | 4     | at max_replicas 4
            holds a scale-out within the scale-out cooldown                | 1     | 2       | 90      | 120   | -1    | 30      | -1     |           | HOLD      | 2     | scale-out cooldown until 2026-12-03T10:00:30Z
            scales out during a scale-in cooldown                          | 1     | 1       | 90      | 120   | -1    | -1      | 30     |           | SCALE_OUT | 3     | above target
            scales in an added reader when below for long enough           | 1     | 2       | 20      | -1    | 300   | -1      | -1     |           | SCALE_IN  | 1     | cpu_percent 20.0 below target 60.0 for 300 s
            does nothing when below for less than the scale-in window      | 1     | 2       | 20      | -1    | 299   | -1      | -1     |           | NONE      | 2     |
            never removes a reader it did not add                          | 0     | 1       | 5       | -1    | 900   | -1      | -1     |           | NONE      | 1     |
            holds a scale-in within the scale-in cooldown                  | 1     | 2       | 20      | -1    | 900   | -1      | 100    |           | HOLD      | 2     | scale-in cooldown until 2026-12-03T10:03:20Z
            holds a scale-in within the scale-out cooldown too             | 1     | 2       | 20      | -1    | 900   | 30      | -1     |           | HOLD      | 2     | scale-in cooldown until 2026-12-03T10:00:30Z
            holds a scale-in that would push the others above the target   | 1     | 2       | 40      | -1    | 900   | -1      | -1     |           | HOLD      | 2     | one reader fewer would put the others at 80.0
            holds with the reason it is given                              | 0     | 1       | 95      | 600   | -1    | -1      | -1     | a roll runs | HOLD    | 1     | a roll runs
            holds without recent metrics                                   | 0     | 1       |         | -1    | -1    | -1      | -1     |           | HOLD      | 1     | no recent cpu_percent
            """)
    void decides(String behaviour, int added, int readers, String current, long above, long below, long lastOut, long lastIn,
            String hold, Kind kind, int after, String reason) {
        Decision d = AutoscalePlanner.decide(new Input(spec(s -> s), 1, added, readers,
                current == null ? OptionalDouble.empty() : OptionalDouble.of(Double.parseDouble(current)),
                ago(above), ago(below), ago(lastOut), ago(lastIn), hold == null ? "" : hold, NOW), SETTINGS);
        assertEquals(kind, d.kind(), () -> behaviour + ": " + d);
        assertEquals(after, d.replicasAfter(), () -> behaviour + ": " + d);
        if (reason != null) {
            assertTrue(d.reason().contains(reason), () -> behaviour + ": " + d.reason());
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # behaviour                                      | spec replicas | max | added | kind      | after
            the spec lowered max: added readers go at once  | 1             | 2   | 2     | SCALE_IN  | 2
            the spec raised replicas past max with added     | 3             | 3   | 1     | SCALE_IN  | 3
            within bounds nothing happens                    | 1             | 4   | 1     | NONE      | 2
            """)
    void keeps_within_bounds(String behaviour, int specReplicas, int max, int added, Kind kind, int after) {
        Decision d = AutoscalePlanner.decide(new Input(spec(s -> s.setMaxReplicas(max)), specReplicas, added, specReplicas + added,
                OptionalDouble.of(60), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), "", NOW), SETTINGS);
        assertEquals(kind, d.kind(), behaviour);
        assertEquals(after, d.replicasAfter(), behaviour);
    }

    @ParameterizedTest(name = "spec cooldown {0}: a scale-out {1} s after the last one is {2}")
    @CsvSource({"10s, 15, SCALE_OUT", "2m, 90, HOLD", "'', 61, SCALE_OUT", "'', 59, HOLD"})
    void the_spec_cooldown_overrides_the_default(String cooldown, long lastOut, Kind kind) {
        Decision d = AutoscalePlanner.decide(new Input(spec(s -> s.setScaleOutCooldown(cooldown)), 1, 1, 2, OptionalDouble.of(90),
                ago(120), Optional.empty(), ago(lastOut), Optional.empty(), "", NOW), SETTINGS);
        assertEquals(kind, d.kind(), d::toString);
    }

    @ParameterizedTest(name = "{0} against target 60 → above {1}, below {2}")
    @CsvSource({"61, true, false", "59, false, true", "60, false, false"})
    void tracks_since_when_the_average_is_above_or_below(double current, boolean above, boolean below) {
        var state = AutoscalePlanner.track(dev.marina.schemas.v1.AutoscaleState.newBuilder(), current, 60, NOW);
        assertEquals(above, state.hasAboveSince());
        assertEquals(below, state.hasBelowSince());
        var later = AutoscalePlanner.track(state, current, 60, NOW.plus(Duration.ofSeconds(30)));
        if (above) {
            assertEquals(NOW, dev.marina.service.Timestamps.toInstant(later.getAboveSince()), "kept while it stays above");
        }
    }

    @ParameterizedTest(name = "above for {0} s, holding \"{1}\" → the resync plans it: {2}")
    @CsvSource({"60, '', true", "59, '', false", "600, 'at max_replicas 4', false"})
    void the_resync_looks_again_only_when_a_window_ran_out_and_nothing_holds(long above, String holding, boolean due) {
        var state = dev.marina.schemas.v1.ReconcilerState.newBuilder()
                .setDesired(dev.marina.schemas.v1.Intent.newBuilder().setSpec(dev.marina.schemas.v1.DeploymentSpec.newBuilder()
                        .setAutoscaling(spec(s -> s))))
                .setAutoscale(dev.marina.schemas.v1.AutoscaleState.newBuilder().setHolding(holding)
                        .setAboveSince(dev.marina.service.Timestamps.of(NOW.minusSeconds(above))))
                .build();
        assertEquals(due, AutoscalePlanner.timeDue(state, NOW, PlanSettings.defaults()));
    }
}
