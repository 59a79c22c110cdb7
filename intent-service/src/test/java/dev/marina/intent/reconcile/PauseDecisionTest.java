package dev.marina.intent.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.schemas.metrics.MetricNames;
import dev.marina.schemas.v1.DeploymentMetrics;
import dev.marina.schemas.v1.PauseState;
import dev.marina.service.Timestamps;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** When a deployment pauses for idleness, what resumes it, and how idle time is tracked from the metrics. */
class PauseDecisionTest {

    private static final Instant NOW = Instant.parse("2026-12-03T10:00:00Z");

    @ParameterizedTest(name = "pause_after_idle {0}, idle for {1} s → {2}")
    @CsvSource(delimiter = '|', textBlock = """
            10m  | 600  | idle for 10m: no client connection or query
            10m  | 599  |
            1m   | 60   | idle for 1m: no client connection or query
            ''   | 9999 |
            10m  | -1   |
            """)
    void pauses_after_idle_for_long_enough(String after, long idleFor, String reason) {
        Optional<Instant> since = idleFor < 0 ? Optional.empty() : Optional.of(NOW.minusSeconds(idleFor));
        assertEquals(Optional.ofNullable(reason), PausePlanner.idleDue(after, since, NOW));
    }

    @ParameterizedTest(name = "woken {0}, resume asked {1}, newer generation {2} → {3}")
    @CsvSource(delimiter = '|', textBlock = """
            true  | true  | true  | a client connected to the writer
            false | true  | true  | requested
            false | false | true  | spec applied
            false | false | false |
            """)
    void resumes_on_a_wake_a_request_or_an_apply(boolean woken, boolean requested, boolean applied, String reason) {
        assertEquals(Optional.ofNullable(reason), PausePlanner.resumeTrigger(woken, requested, applied));
    }

    private static DeploymentMetrics window(long startAgo, int seconds, Double connections, Double queries) {
        DeploymentMetrics.Builder w = DeploymentMetrics.newBuilder().setWindowSeconds(seconds)
                .setWindowStart(Timestamps.of(NOW.minusSeconds(startAgo)))
                .setWindowEnd(Timestamps.of(NOW.minusSeconds(startAgo - seconds)));
        if (connections != null) {
            w.putGaugesMax(MetricNames.CLIENT_CONNECTIONS, connections).putGaugesAvg(MetricNames.CLIENT_CONNECTIONS, connections);
        }
        if (queries != null) {
            w.putGaugesMax(MetricNames.CLIENT_QUERIES_PER_SECOND, queries).putGaugesAvg(MetricNames.CLIENT_QUERIES_PER_SECOND, queries);
        }
        return w.build();
    }

    @Test
    void idle_starts_at_the_first_idle_window_and_ends_with_any_client() {
        PauseState p = PausePlanner.idle(PauseState.getDefaultInstance(), window(120, 10, 0.0, 0.0));
        assertEquals(NOW.minusSeconds(120), Timestamps.toInstant(p.getIdleSince()));
        p = PausePlanner.idle(p, window(110, 10, 0.0, 0.0));
        assertEquals(NOW.minusSeconds(120), Timestamps.toInstant(p.getIdleSince()), "kept while idle");
        p = PausePlanner.idle(p, window(100, 60, 1.0, 0.0));
        assertFalse(p.hasIdleSince(), "one client connection in any window (10 s or 60 s) ends it");
        p = PausePlanner.idle(p, window(40, 10, 0.0, 0.5));
        assertFalse(p.hasIdleSince(), "a query ends it too");
    }

    @Test
    void a_window_without_the_client_gauges_is_not_idle() {
        assertFalse(PausePlanner.idle(PauseState.getDefaultInstance(), window(60, 10, null, null)).hasIdleSince(),
                "an agent that does not send client gauges never gets its deployment paused");
        assertFalse(PausePlanner.idle(PauseState.getDefaultInstance(), window(60, 10, 0.0, null)).hasIdleSince());
    }

    @Test
    void idle_time_restarts_from_the_resume() {
        PauseState resumed = PauseState.newBuilder().setResumedAt(Timestamps.of(NOW.minusSeconds(30))).build();
        assertFalse(PausePlanner.idle(resumed, window(120, 60, 0.0, 0.0)).hasIdleSince(),
                "a window that ended before the resume does not count");
        PauseState p = PausePlanner.idle(resumed, window(40, 60, 0.0, 0.0));
        assertEquals(NOW.minusSeconds(30), Timestamps.toInstant(p.getIdleSince()), "idle from the resume, not the window's start");
    }

    @Test
    void no_idle_tracking_while_pausing_paused_or_resuming() {
        for (PauseState p : new PauseState[] {PauseState.newBuilder().setWanted(true).build(),
                PauseState.newBuilder().setResuming(true).build()}) {
            assertTrue(PausePlanner.idle(p, window(60, 10, 0.0, 0.0)) == p);
        }
    }

    @ParameterizedTest(name = "wanted {0}, paused {1}, resuming {2} → {3}")
    @CsvSource({"true, false, false, PHASE_PAUSED", "true, true, false, PHASE_PAUSED", "false, false, true, PHASE_RESUMING",
            "false, false, false, ''"})
    void the_phase_while_pausing_paused_or_resuming(boolean wanted, boolean paused, boolean resuming, String phase) {
        dev.marina.schemas.v1.ReconcilerState state = dev.marina.schemas.v1.ReconcilerState.newBuilder()
                .setPause(PauseState.newBuilder().setWanted(wanted).setPaused(paused).setResuming(resuming)).build();
        assertEquals(phase.isEmpty() ? Optional.empty() : Optional.of(dev.marina.schemas.v1.Phase.valueOf(phase)),
                StatusBuilder.pausePhase(state));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            paused: the reason                        | true  | true  | | idle for 10m: no client connection or query
            pausing: says what it does                | true  | false | | idle for 10m: no client connection or query (pausing: replicas first, then the writer)
            a pause that waits says why               | false | false | pause requested; waits: a roll runs | pause requested; waits: a roll runs
            """)
    void the_pause_status_says_why(String what, boolean wanted, boolean paused, String holding, String reason) {
        dev.marina.schemas.v1.ReconcilerState state = dev.marina.schemas.v1.ReconcilerState.newBuilder()
                .setPause(PauseState.newBuilder().setWanted(wanted).setPaused(paused).setReason("idle for 10m: no client connection or query")
                        .setHolding(holding == null ? "" : holding).setPausedAt(Timestamps.of(NOW))).build();
        var status = StatusBuilder.pauseStatus(state).orElseThrow();
        assertEquals(paused, status.getPaused(), what);
        assertEquals(reason, status.getReason(), what);
        assertEquals(wanted, status.hasPausedAt(), what);
    }

    @Test
    void a_state_stored_before_pauses_is_running_with_nothing_added() {
        dev.marina.schemas.v1.ReconcilerState old = StateUpgrade.of(dev.marina.schemas.v1.ReconcilerState.getDefaultInstance());
        assertFalse(PausePlanner.inEffect(old));
        assertEquals(0, old.getAutoscale().getAddedReplicas());
        assertTrue(StatusBuilder.pauseStatus(old).isEmpty());
    }
}
