package dev.marina.healthmonitor;

import dev.marina.healthmonitor.InstanceState.Replicas;
import dev.marina.schemas.v1.Health;
import dev.marina.schemas.v1.Heartbeat;
import dev.marina.schemas.v1.ReplicaReport;
import dev.marina.schemas.v1.Role;
import dev.marina.schemas.v1.SemiSyncWait;
import dev.marina.service.Timestamps;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The health rules, as pure functions of what is known about a deployment's instances and the time
 * now. No store, no clock, no Kafka: the processor gathers the inputs (every stored instance of the
 * deployment), asks here, and carries out the {@link Verdict}s.
 *
 * <ol>
 *   <li>A heartbeat sent no later than the newest one seen is ignored (monotonic by {@code sent_at}).</li>
 *   <li>A heartbeat sent longer ago than forget-after is ignored: it is about a gone instance.</li>
 *   <li>Silence ≥ down-after: DOWN, except for a primary that a fresh replica still replicates from
 *       (see {@link #replicasOf}): that one stays SUSPECT, "held by its replicas". Replicas never bring
 *       a DOWN primary back: only its own heartbeat does.</li>
 *   <li>Silence ≥ suspect-after: SUSPECT ("no heartbeat for X s").</li>
 *   <li>Otherwise a server its agent says is paused (stopped on purpose): PAUSED ("paused: server stopped on
 *       purpose"), never SUSPECT or DOWN while the agent keeps heartbeating; a PAUSED instance whose agent
 *       says it is no longer paused stays PAUSED ("resuming: server starting") while its server starts, for at
 *       most {@link #RESUME_GRACE}, then the next rule applies. Silence still decides first: a paused
 *       instance whose agent stops heartbeating goes SUSPECT and DOWN like any other.</li>
 *   <li>Otherwise a database the agent cannot reach: SUSPECT ("database unreachable: …").</li>
 *   <li>Otherwise UP; a replica's replication error is named in the reason, it does not change health.</li>
 *   <li>A record goes out when health changes, when a primary becomes held by its replicas, and when a
 *       heartbeat changes the role, epoch, read-only, fenced, replication error or a primary's semi-sync facts
 *       (wait, replicas connected, commits blocked). A DOWN instance is
 *       forgotten after forget-after.</li>
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
    public record Assessment(Health health, String reason, boolean heldByReplicas) {}

    /**
     * The outcome of judging a deployment.
     *
     * @param verdicts  what to do, per instance (none when nothing changed)
     * @param after     the deployment's instances once the verdicts are carried out
     * @param nextCheck the earliest time a verdict can change with no heartbeat arriving; empty when none can
     */
    public record Judgement(List<Verdict> verdicts, List<InstanceState> after, Optional<Instant> nextCheck) {
        public Judgement {
            verdicts = List.copyOf(verdicts);
            after = List.copyOf(after);
        }
    }

    /**
     * How long a PAUSED instance whose agent no longer says paused may take to serve before its unreachable
     * database counts (SUSPECT): a start after a pause takes well under a second, crash recovery of a large
     * server longer.
     */
    static final Duration RESUME_GRACE = Duration.ofSeconds(30);

    static final String PAUSED = "paused: server stopped on purpose";
    static final String RESUMING = "resuming: server starting";

    private final HealthSettings settings;

    public HealthRules(HealthSettings settings) {
        this.settings = settings;
    }

    /**
     * A heartbeat arrived.
     *
     * @param deployment    what is stored for every instance of the heartbeat's deployment (maybe none)
     * @param deploymentKey the heartbeat's record key, already checked by {@link HeartbeatValidation}
     */
    public Judgement onHeartbeat(List<InstanceState> deployment, String deploymentKey, Heartbeat heartbeat,
            Watch watch) {
        Instant now = watch.now();
        Instant sentAt = Timestamps.toInstant(heartbeat.getSentAt());
        InstanceState known = find(deployment, heartbeat.getInstanceId());
        if (known != null && !sentAt.isAfter(known.lastSentAt())) {
            return ignored(deployment, now, watch, new Verdict.Ignored(Verdict.Ignored.Cause.OUT_OF_ORDER,
                    "sent_at " + sentAt + " is not after the newest heartbeat's " + known.lastSentAt()));
        }
        Duration age = Duration.between(sentAt, now);
        if (age.compareTo(settings.forgetAfter()) >= 0) {
            return ignored(deployment, now, watch, new Verdict.Ignored(Verdict.Ignored.Cause.EXPIRED,
                    "sent " + seconds(age) + " s ago, longer than forget-after"));
        }
        Instant heardAt = age.compareTo(settings.suspectAfter()) < 0 ? now : sentAt;
        InstanceState updated = known == null
                ? InstanceState.first(deploymentKey, heartbeat, heardAt)
                : known.withHeartbeat(heartbeat, heardAt);
        if (known != null && known.health() == Health.HEALTH_PAUSED && known.latest().getPaused()
                && !heartbeat.getPaused()) {
            // The resume begins: a PAUSED instance's time counts from it, for the resume grace.
            updated = updated.withHealth(known.health(), known.reason(), now, known.heldByReplicas());
        }
        List<InstanceState> facts = new ArrayList<>(deployment.size() + 1);
        for (InstanceState state : deployment) {
            facts.add(state == known ? updated : state);
        }
        if (known == null) {
            facts.add(updated);
        }
        return judge(deployment, facts, watch);
    }

    /** Time passed with no heartbeat for this deployment: the wall-clock check. */
    public Judgement onClock(List<InstanceState> deployment, Watch watch) {
        return judge(deployment, deployment, watch);
    }

    /**
     * Judges every instance of a deployment against the others.
     *
     * @param before the stored states
     * @param facts  the same instances (plus a new one) with the newest heartbeat applied
     */
    private Judgement judge(List<InstanceState> before, List<InstanceState> facts, Watch watch) {
        Instant now = watch.now();
        List<Verdict> verdicts = new ArrayList<>();
        List<InstanceState> after = new ArrayList<>(facts.size());
        for (InstanceState state : facts) {
            InstanceState old = find(before, state.instanceId());
            Verdict verdict = judgeOne(old, state, facts, watch);
            if (verdict instanceof Verdict.Forgotten) {
                verdicts.add(verdict);
                continue;
            }
            if (verdict instanceof Verdict.Updated updated) {
                verdicts.add(verdict);
                after.add(updated.state());
            } else {
                after.add(state);
            }
        }
        return new Judgement(verdicts, after, nextCheck(after, now, watch));
    }

    private Verdict judgeOne(InstanceState old, InstanceState state, List<InstanceState> deployment, Watch watch) {
        Instant now = watch.now();
        boolean heard = old != state;
        if (!heard && state.health() == Health.HEALTH_DOWN
                && !now.isBefore(state.lastTransitionAt().plus(settings.forgetAfter()))) {
            return new Verdict.Forgotten(state);
        }
        Assessment assessment = assess(state, deployment, watch);
        boolean factsChanged = old != null && factsChanged(old.latest(), state.latest());
        boolean healthChanged = assessment.health() != state.health();
        boolean nowHeld = assessment.heldByReplicas() && !state.heldByReplicas();
        if (healthChanged || nowHeld || factsChanged) {
            List<String> changes = factsChanged ? changes(old.latest(), state.latest()) : List.of();
            String reason = changes.isEmpty() ? assessment.reason()
                    : assessment.reason() + "; " + String.join(", ", changes);
            Instant since = healthChanged ? now : state.lastTransitionAt();
            InstanceState changed = state.withHealth(assessment.health(), reason, since,
                    assessment.heldByReplicas());
            Replicas replicas = changed.isPrimary() ? replicasOf(changed, deployment, watch) : null;
            return new Verdict.Updated(changed,
                    Optional.of(changed.announce(state.health(), now, replicas)));
        }
        if (heard || assessment.heldByReplicas() != state.heldByReplicas()) {
            return new Verdict.Updated(state.withHealth(state.health(), state.reason(), state.lastTransitionAt(),
                    assessment.heldByReplicas()), Optional.empty());
        }
        return Verdict.UNCHANGED;
    }

    private Judgement ignored(List<InstanceState> deployment, Instant now, Watch watch, Verdict.Ignored verdict) {
        return new Judgement(List.of(verdict), deployment, nextCheck(deployment, now, watch));
    }

    /** The health an instance has now, from its last sign of life, its last report, and its replicas' reports. */
    public Assessment assess(InstanceState state, List<InstanceState> deployment, Watch watch) {
        // Decide on the silence the monitor watched; report the whole silence, which is the fact.
        Duration observed = watch.observedSilence(state.lastHeardAt());
        Duration silence = Duration.between(state.lastHeardAt(), watch.now());
        if (observed.compareTo(settings.downAfter()) >= 0) {
            if (!state.isPrimary() || state.health() == Health.HEALTH_DOWN) {
                return new Assessment(Health.HEALTH_DOWN, noHeartbeatFor(silence), false);
            }
            Replicas replicas = replicasOf(state, deployment, watch);
            if (replicas.connected() > 0) {
                return new Assessment(Health.HEALTH_SUSPECT, noHeartbeatFor(silence) + ", but "
                        + replicas.connected() + " of " + replicas.reporting()
                        + " replicas still replicate from it: its agent's path to Kafka is broken, the database is up",
                        true);
            }
            if (replicas.reporting() == 0 && replicas.silent() > 0) {
                // No live witness: every instance of the deployment fell silent at once, which is more often
                // this monitor's own input being late (a starved broker or host) than all servers dying
                // together — and with every replica silent there would be none to promote anyway.
                return new Assessment(Health.HEALTH_SUSPECT, noHeartbeatFor(silence) + noReplicaHearsIt(replicas)
                        + ": no live replica can tell, so not Down", true);
            }
            return new Assessment(Health.HEALTH_DOWN, noHeartbeatFor(silence) + noReplicaHearsIt(replicas), false);
        }
        if (observed.compareTo(settings.suspectAfter()) >= 0) {
            return new Assessment(Health.HEALTH_SUSPECT, noHeartbeatFor(silence), false);
        }
        Heartbeat latest = state.latest();
        if (latest.getPaused()) {
            return new Assessment(Health.HEALTH_PAUSED, latest.getWakeOnConnect() ? PAUSED + ", wakes on connect"
                    : PAUSED, false);
        }
        if (!latest.getDatabaseReachable() && resuming(state, watch.now())) {
            return new Assessment(Health.HEALTH_PAUSED, RESUMING, false);
        }
        if (!latest.getDatabaseReachable()) {
            return new Assessment(Health.HEALTH_SUSPECT, latest.getDatabaseError().isBlank()
                    ? "database unreachable"
                    : "database unreachable: " + latest.getDatabaseError(), false);
        }
        if (!latest.getReplicationError().isBlank()) {
            return new Assessment(Health.HEALTH_UP,
                    "heartbeat received, database reachable, replication broken: " + latest.getReplicationError(),
                    false);
        }
        return new Assessment(Health.HEALTH_UP, "heartbeat received, database reachable", false);
    }

    /**
     * A PAUSED instance whose agent no longer says paused, within {@link #RESUME_GRACE} of the resume: its server is
     * starting, which is not a failure.
     */
    private static boolean resuming(InstanceState state, Instant now) {
        return state.health() == Health.HEALTH_PAUSED && !state.latest().getPaused()
                && now.isBefore(state.lastTransitionAt().plus(RESUME_GRACE));
    }

    /**
     * What the deployment's replicas (instances whose latest heartbeat says REPLICA) report about
     * {@code primary}. A replica's report counts only while its heartbeats are fresh (silence below
     * suspect-after); it says the primary is alive when it is connected, replicates from that primary,
     * and, when it says so, last heard from the primary less than 2 × suspect-after before now.
     */
    public Replicas replicasOf(InstanceState primary, List<InstanceState> deployment, Watch watch) {
        int connected = 0;
        int reporting = 0;
        int silent = 0;
        List<ReplicaReport> reports = new ArrayList<>();
        for (InstanceState replica : deployment) {
            if (!replica.isReplica() || replica.instanceId().equals(primary.instanceId())) {
                continue;
            }
            Heartbeat said = replica.latest();
            reports.add(ReplicaReport.newBuilder()
                    .setInstanceId(replica.instanceId())
                    .setGtidPosition(said.getGtidPosition())
                    .setReplicationConnected(said.getReplicationConnected())
                    .setReplicationLagMs(said.getReplicationLagMs())
                    .setHealth(assess(replica, deployment, watch).health())
                    .setReplicationSource(said.getReplicationSource())
                    .build());
            Duration silence = watch.observedSilence(replica.lastHeardAt());
            if (silence.compareTo(settings.suspectAfter()) >= 0) {
                silent++;
                continue;
            }
            reporting++;
            if (said.getReplicationConnected() && said.getReplicationSource().equals(primary.instanceId())
                    && (said.getPrimaryLastSeenMs() < 0
                            || silence.plusMillis(said.getPrimaryLastSeenMs()).compareTo(primarySeenWithin()) < 0)) {
                connected++;
            }
        }
        return new Replicas(connected, reporting, silent, reports);
    }

    /**
     * The earliest time a verdict about {@code deployment} can change with no heartbeat arriving: an
     * instance's silence reaching suspect-after or down-after, a replica's report going stale, a DOWN
     * instance to forget. Early is harmless (a check that finds nothing); late would delay a detection.
     */
    Optional<Instant> nextCheck(List<InstanceState> deployment, Instant now, Watch watch) {
        Instant next = null;
        for (InstanceState state : deployment) {
            Instant from = state.lastHeardAt().isAfter(watch.since()) ? state.lastHeardAt() : watch.since();
            next = earliestAfter(now, next, from.plus(settings.suspectAfter()));
            next = earliestAfter(now, next, from.plus(settings.downAfter()));
            long primaryLastSeen = state.latest().getPrimaryLastSeenMs();
            if (state.isReplica() && primaryLastSeen >= 0) {
                next = earliestAfter(now, next, from.plus(primarySeenWithin()).minusMillis(primaryLastSeen));
            }
            if (state.health() == Health.HEALTH_DOWN) {
                next = earliestAfter(now, next, state.lastTransitionAt().plus(settings.forgetAfter()));
            }
            if (state.health() == Health.HEALTH_PAUSED && !state.latest().getPaused()) {
                next = earliestAfter(now, next, state.lastTransitionAt().plus(RESUME_GRACE));
            }
        }
        return Optional.ofNullable(next);
    }

    private static Instant earliestAfter(Instant now, Instant earliest, Instant candidate) {
        if (candidate.isAfter(now) && (earliest == null || candidate.isBefore(earliest))) {
            return candidate;
        }
        return earliest;
    }

    /** A replica that last heard from its primary this long ago no longer vouches for it. */
    private Duration primarySeenWithin() {
        return settings.suspectAfter().multipliedBy(2);
    }

    /**
     * Whether a heartbeat changes what the reconciler must learn of even when health does not: role, epoch,
     * fenced, read-only, replication error or its fault (the reconciler decides on the fault), and a primary's
     * semi-sync wait, its semi-sync replicas connected, or whether its commits are blocked ({@link #commitsBlocked});
     * paused or not, and whether a paused server wakes on connect; and
     * a replica that has just caught up ({@link #caughtUp}: a roll waits for that before it takes the next instance
     * out, and a new or restarted replica's link comes up without any other change). GTID position, lag, the
     * replication link and the number of commits waiting alone do not (they move with every commit under load).
     */
    static boolean factsChanged(Heartbeat before, Heartbeat now) {
        return before.getRoleValue() != now.getRoleValue()
                || (!caughtUp(before) && caughtUp(now))
                || before.getEpoch() != now.getEpoch()
                || before.getFenced() != now.getFenced()
                || before.getReadOnly() != now.getReadOnly()
                || !before.getReplicationError().equals(now.getReplicationError())
                || before.getReplicationFaultValue() != now.getReplicationFaultValue()
                || before.getSemiSyncWaitValue() != now.getSemiSyncWaitValue()
                || before.getSemiSyncReplicasConnected() != now.getSemiSyncReplicasConnected()
                || commitsBlocked(before) != commitsBlocked(now)
                || before.getPaused() != now.getPaused()
                || before.getWakeOnConnect() != now.getWakeOnConnect();
    }

    /** Below this lag a connected replica has caught up: a record goes out when a replica crosses it either way. */
    static final long CAUGHT_UP_LAG_MS = 1_000;

    /** A replica whose link is up and whose lag is known and under {@link #CAUGHT_UP_LAG_MS}. */
    static boolean caughtUp(Heartbeat heartbeat) {
        return heartbeat.getRole() == Role.ROLE_REPLICA && heartbeat.getReplicationConnected()
                && heartbeat.getReplicationLagMs() >= 0 && heartbeat.getReplicationLagMs() < CAUGHT_UP_LAG_MS;
    }

    /** A lossless primary with no semi-sync replica connected and commits waiting: its clients' writes block. */
    static boolean commitsBlocked(Heartbeat heartbeat) {
        return heartbeat.getSemiSyncWait() == SemiSyncWait.SEMI_SYNC_WAIT_LOSSLESS && heartbeat.getSemiSyncReplicasConnected() == 0
                && heartbeat.getCommitsWaiting() > 0;
    }

    /** Those changes in words, for the reason. A new replication error is named by the assessment already. */
    static List<String> changes(Heartbeat before, Heartbeat now) {
        List<String> changes = new ArrayList<>();
        if (before.getRoleValue() != now.getRoleValue()) {
            changes.add("role " + roleName(before) + " → " + roleName(now));
        }
        if (before.getEpoch() != now.getEpoch()) {
            changes.add("epoch " + before.getEpoch() + " → " + now.getEpoch());
        }
        boolean fencedChanged = before.getFenced() != now.getFenced();
        if (fencedChanged) {
            changes.add(now.getFenced() ? "fenced: read-only because its heartbeats were not acknowledged"
                    : "no longer fenced");
        }
        // "fenced" says read-only already.
        if (before.getReadOnly() != now.getReadOnly() && !(fencedChanged && now.getFenced() && now.getReadOnly())) {
            changes.add(now.getReadOnly() ? "now read-only" : "now writable");
        }
        if (!before.getReplicationError().isBlank() && now.getReplicationError().isBlank()) {
            changes.add("replication error cleared");
        }
        if (before.getSemiSyncWaitValue() != now.getSemiSyncWaitValue()) {
            changes.add("semi-sync wait " + waitName(before) + " → " + waitName(now));
        }
        if (before.getSemiSyncReplicasConnected() != now.getSemiSyncReplicasConnected()) {
            changes.add("semi-sync replicas connected " + before.getSemiSyncReplicasConnected() + " → "
                    + now.getSemiSyncReplicasConnected());
        }
        if (commitsBlocked(before) != commitsBlocked(now)) {
            changes.add(commitsBlocked(now) ? now.getCommitsWaiting() + " commits waiting for a replica to acknowledge"
                    : "commits no longer blocked");
        }
        // Paused and resumed are said by the health (PAUSED, "resuming", UP); a change of wake on connect while paused is not.
        if (before.getPaused() && now.getPaused() && before.getWakeOnConnect() != now.getWakeOnConnect()) {
            changes.add(now.getWakeOnConnect() ? "now wakes on connect" : "no longer wakes on connect");
        }
        // Said only when nothing else is: a replica whose error cleared has caught up as a matter of course.
        if (changes.isEmpty() && before.getReplicationError().equals(now.getReplicationError()) && !caughtUp(before) && caughtUp(now)) {
            changes.add("replicating, caught up (lag " + now.getReplicationLagMs() + " ms)");
        }
        return changes;
    }

    private static String waitName(Heartbeat heartbeat) {
        SemiSyncWait wait = SemiSyncWait.forNumber(heartbeat.getSemiSyncWaitValue());
        return wait == null ? "unknown (" + heartbeat.getSemiSyncWaitValue() + ")"
                : wait.name().substring("SEMI_SYNC_WAIT_".length()).toLowerCase(Locale.ROOT);
    }

    private static String roleName(Heartbeat heartbeat) {
        return switch (heartbeat.getRoleValue()) {
            case 1 -> "primary";
            case 2 -> "replica";
            case 0 -> "unspecified";
            default -> "unknown (" + heartbeat.getRoleValue() + ")";
        };
    }

    private static String noReplicaHearsIt(Replicas replicas) {
        if (replicas.reporting() == 0 && replicas.silent() == 0) {
            return "";
        }
        if (replicas.reporting() == 0) {
            return ", and its " + replicas.silent() + " replicas are silent too";
        }
        String text = ", and none of " + replicas.reporting() + " reporting replicas replicates from it";
        return replicas.silent() == 0 ? text : text + " (" + replicas.silent() + " more silent)";
    }

    private static InstanceState find(List<InstanceState> deployment, String instanceId) {
        for (InstanceState state : deployment) {
            if (state.instanceId().equals(instanceId)) {
                return state;
            }
        }
        return null;
    }

    private static String noHeartbeatFor(Duration silence) {
        return "no heartbeat for " + seconds(silence) + " s";
    }

    private static String seconds(Duration duration) {
        return String.format(Locale.ROOT, "%.1f", duration.toMillis() / 1000.0);
    }
}
