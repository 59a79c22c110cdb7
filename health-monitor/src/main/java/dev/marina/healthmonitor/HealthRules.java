package dev.marina.healthmonitor;

import dev.marina.schemas.v1.Health;
import dev.marina.schemas.v1.Heartbeat;
import dev.marina.service.Timestamps;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

/**
 * The health rules, as pure functions of what is known and the time now. No store, no clock, no
 * Kafka: the processor gathers the inputs, asks here, and carries out the {@link Verdict}.
 *
 * <ol>
 *   <li>A heartbeat sent no later than the newest one seen is ignored (monotonic by {@code sent_at}).</li>
 *   <li>A heartbeat sent longer ago than forget-after is ignored: it is about a gone instance.</li>
 *   <li>Silence ≥ down-after: DOWN; silence ≥ suspect-after: SUSPECT ("no heartbeat for X s").</li>
 *   <li>Otherwise a database the agent cannot reach: SUSPECT ("database unreachable: …").</li>
 *   <li>Otherwise UP.</li>
 *   <li>Only a change of health is a transition; a DOWN instance is forgotten after forget-after.</li>
 * </ol>
 *
 * <p>Silence is measured on the monitor's clock from the last sign of life. A heartbeat that arrives
 * within suspect-after of its {@code sent_at} counts as heard when it arrived (so modest clock skew
 * between agent and monitor does not matter); a later one counts as heard when it was sent (old news
 * is not a sign of life now). Only silence the monitor watched counts (see {@link Watch}), so a
 * restart never turns the backlog of live instances into SUSPECT or DOWN.
 */
public final class HealthRules {

    /** A judgement of health at one moment. */
    public record Assessment(Health health, String reason) {}

    private final HealthSettings settings;

    public HealthRules(HealthSettings settings) {
        this.settings = settings;
    }

    /**
     * A heartbeat arrived.
     *
     * @param known         what is stored for the instance, or null when it is new
     * @param deploymentKey the heartbeat's record key, already checked by {@link HeartbeatValidation}
     */
    public Verdict onHeartbeat(InstanceState known, String deploymentKey, Heartbeat heartbeat, Watch watch) {
        Instant now = watch.now();
        Instant sentAt = Timestamps.toInstant(heartbeat.getSentAt());
        if (known != null && !sentAt.isAfter(known.lastSentAt())) {
            return new Verdict.Ignored(Verdict.Ignored.Cause.OUT_OF_ORDER,
                    "sent_at " + sentAt + " is not after the newest heartbeat's " + known.lastSentAt());
        }
        Duration age = Duration.between(sentAt, now);
        if (age.compareTo(settings.forgetAfter()) >= 0) {
            return new Verdict.Ignored(Verdict.Ignored.Cause.EXPIRED,
                    "sent " + seconds(age) + " s ago, longer than forget-after");
        }
        Instant heardAt = age.compareTo(settings.suspectAfter()) < 0 ? now : sentAt;
        InstanceState updated = known == null
                ? InstanceState.first(deploymentKey, heartbeat, heardAt)
                : known.withHeartbeat(heartbeat, heardAt);
        Assessment assessment = assess(updated, watch);
        if (assessment.health() == updated.health()) {
            return new Verdict.Updated(updated, Optional.empty());
        }
        return transition(updated, assessment, now);
    }

    /** Time passed with no heartbeat for this instance: the wall-clock check. */
    public Verdict onClock(InstanceState known, Watch watch) {
        Assessment assessment = assess(known, watch);
        if (assessment.health() != known.health()) {
            return transition(known, assessment, watch.now());
        }
        if (known.health() == Health.HEALTH_DOWN
                && !watch.now().isBefore(known.lastTransitionAt().plus(settings.forgetAfter()))) {
            return new Verdict.Forgotten(known);
        }
        return Verdict.UNCHANGED;
    }

    /** The health an instance has now, from its last sign of life and its last report. */
    public Assessment assess(InstanceState state, Watch watch) {
        // Decide on the silence the monitor watched; report the whole silence, which is the fact.
        Duration observed = watch.observedSilence(state.lastHeardAt());
        Duration silence = Duration.between(state.lastHeardAt(), watch.now());
        if (observed.compareTo(settings.downAfter()) >= 0) {
            return new Assessment(Health.HEALTH_DOWN, noHeartbeatFor(silence));
        }
        if (observed.compareTo(settings.suspectAfter()) >= 0) {
            return new Assessment(Health.HEALTH_SUSPECT, noHeartbeatFor(silence));
        }
        if (!state.databaseReachable()) {
            return new Assessment(Health.HEALTH_SUSPECT, state.databaseError().isBlank()
                    ? "database unreachable"
                    : "database unreachable: " + state.databaseError());
        }
        return new Assessment(Health.HEALTH_UP, "heartbeat received, database reachable");
    }

    private static Verdict transition(InstanceState state, Assessment assessment, Instant now) {
        InstanceState changed = state.withHealth(assessment.health(), assessment.reason(), now);
        return new Verdict.Updated(changed, Optional.of(changed.announce(state.health())));
    }

    private static String noHeartbeatFor(Duration silence) {
        return "no heartbeat for " + seconds(silence) + " s";
    }

    private static String seconds(Duration duration) {
        return String.format(Locale.ROOT, "%.1f", duration.toMillis() / 1000.0);
    }
}
