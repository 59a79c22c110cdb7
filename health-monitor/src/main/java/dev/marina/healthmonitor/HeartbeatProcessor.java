package dev.marina.healthmonitor;

import com.google.protobuf.Message;
import dev.marina.schemas.serde.Decoded;
import dev.marina.service.DueSchedule;
import dev.marina.service.StreamsDeadLetters;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.v1.Heartbeat;
import dev.marina.schemas.v1.InstanceHealth;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jboss.logging.Logger;

/**
 * Gathers the inputs for {@link HealthRules} (every stored instance of the deployment, the heartbeat,
 * the wall-clock time), and carries out its {@link Verdict}s: store, emit, forget. Two entry points: a
 * heartbeat arrives, or the wall-clock check fires (so silence is detected even when no record arrives
 * at all).
 *
 * <p>The check looks only at deployments whose next check time has come ({@link HealthRules.Judgement#nextCheck()}),
 * kept in memory per task: a deployment whose instances all heartbeat in time is never read by the check,
 * so a short check interval costs nothing for healthy deployments. The index is derived data: it is
 * rebuilt from the store when the task starts, with every deployment due at once.
 */
final class HeartbeatProcessor implements Processor<String, Decoded<Heartbeat>, String, Message> {

    private static final Logger LOG = Logger.getLogger(HeartbeatProcessor.class);
    private static final StreamsDeadLetters DEAD_LETTERS = new StreamsDeadLetters(
            HealthTopology.CONSUMER, HealthTopology.DEAD_LETTER_SINK, HealthTopology.HEARTBEATS);

    private final HealthRules rules;
    private final Duration checkInterval;
    private final HealthMetrics metrics;

    private ProcessorContext<String, Message> context;
    private KeyValueStore<String, InstanceState> store;
    private String task;
    /** When this task began to work; silence before it was not watched (see {@link Watch}). */
    private Instant watchingSince;
    /**
     * Per deployment key of this task: when its verdicts can next change with no heartbeat (epoch ms). Ordered by
     * time, so the check takes what is due without walking every deployment of the task ten times a second.
     */
    private final DueSchedule dueAt = new DueSchedule();
    /**
     * The store's instances, in memory and by deployment: each heartbeat judges its whole deployment, and reading
     * it from here spares a prefix scan and a decode of every instance per heartbeat. Written beside the store.
     */
    private final TaskInstances instances = new TaskInstances();
    /**
     * Urgent commits (a transition is readable at once rather than at the commit interval) at most this often: in a storm
     * (many instances judged at once, e.g. health-monitor catching up on a backlog) a commit per transition makes
     * exactly-once transactions the whole cost, the backlog grows and every late heartbeat reads as a new failure.
     * Spaced like this, a transition waits at most this long, or the commit interval when one is not requested.
     */
    static final long URGENT_COMMIT_SPACING_NANOS = Duration.ofMillis(50).toNanos();
    private long lastUrgentCommit = System.nanoTime() - URGENT_COMMIT_SPACING_NANOS;
    /** As of when this task judges silence: where it knows it has read its heartbeats to (see {@link ReadHorizon}). */
    private final ReadHorizon horizon;
    private final HeartbeatEnds ends;
    /** The heartbeats partition this task reads (its only source). */
    private int partition;
    private long lastBehindLog;

    /**
     * How long the partition's end offset must stand still for its instances to count as all silent, whatever this
     * task has not read yet; and, with end offsets unknown, how long a task that is behind stays judged at its position
     * with nothing read. Holding only postpones a verdict, never brings one sooner; longer than down-after, so that a
     * partition nobody writes to is really silent; short enough that it is still seen DOWN within seconds.
     */
    static final Duration DELAY_HOLD = Duration.ofSeconds(5);
    /**
     * The position is the newest of the records read in the last one or two of these windows: short, so an agent whose
     * clock ran ahead is soon forgotten (see {@link ReadHorizon}); long enough to hold records of the agents whose clocks
     * are right.
     */
    static final Duration DELAY_WINDOW = Duration.ofSeconds(1);
    /**
     * Heartbeats read within this of being sent: the monitor is caught up and judges on the wall clock. Small beside
     * suspect-after less the heartbeat interval (600 − 200 ms), so being a little behind cannot make an instance suspect.
     */
    static final Duration CAUGHT_UP = Duration.ofMillis(100);

    HeartbeatProcessor(HealthRules rules, Duration checkInterval, HealthMetrics metrics, HeartbeatEnds ends) {
        this.horizon = new ReadHorizon(DELAY_WINDOW.toMillis(), DELAY_HOLD.toMillis(), CAUGHT_UP.toMillis(),
                HeartbeatEndWatcher.STALE.toMillis());
        this.ends = ends;
        this.rules = rules;
        this.checkInterval = checkInterval;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, Message> context) {
        this.context = context;
        this.store = context.getStateStore(HealthTopology.STATE_STORE);
        this.task = context.taskId().toString();
        this.partition = context.taskId().partition();
        // The store is restored before init: mirror it, every deployment due at the first check. Cleared first:
        // Streams initialises the same processor again when it revives a task (after a dirty close under
        // exactly-once), and the store may have been wiped and restored in between.
        dueAt.clear();
        instances.clear();
        try (KeyValueIterator<String, InstanceState> all = store.all()) {
            while (all.hasNext()) {
                InstanceState state = all.next().value;
                instances.put(state);
                dueAt.set(state.deploymentKey(), Long.MIN_VALUE);
            }
        }
        context.schedule(checkInterval, PunctuationType.WALL_CLOCK_TIME, this::checkDueDeployments);
    }

    @Override
    public void process(Record<String, Decoded<Heartbeat>> record) {
        long wall = context.currentSystemTimeMs();
        horizon.seen(record.timestamp(), context.recordMetadata().map(RecordMetadata::offset).orElse(-1L), wall);
        Watch watch = watchAt(judgedAt(wall));
        Instant now = watch.now();
        Decoded<Heartbeat> decoded = record.value();
        if (decoded == null) {
            deadLetter(record.key(), new byte[0], "no value: a heartbeat is never a tombstone", now);
            return;
        }
        if (decoded instanceof Decoded.Failed<Heartbeat> failed) {
            deadLetter(record.key(), failed.raw(), failed.reason(), now);
            return;
        }
        Heartbeat heartbeat = decoded.value();
        Optional<String> problem = HeartbeatValidation.problem(record.key(), heartbeat);
        if (problem.isPresent()) {
            // The value decoded, so its JSON carries what the agent said (unknown fields aside).
            deadLetter(record.key(), ProtoJsonSerde.toJson(heartbeat).getBytes(StandardCharsets.UTF_8),
                    problem.get(), now);
            return;
        }
        List<InstanceState> deployment = load(record.key());
        HealthRules.Judgement judgement = rules.onHeartbeat(deployment, record.key(), heartbeat, watch);
        if (judgement.verdicts().size() == 1 && judgement.verdicts().get(0) instanceof Verdict.Ignored ignored) {
            metrics.ignored(ignored.cause());
            LOG.debugf("heartbeat ignored deployment=%s instance=%s cause=%s detail=\"%s\"", record.key(),
                    heartbeat.getInstanceId(), ignored.cause().label(), ignored.detail());
            return;
        }
        carryOut(record.key(), judgement, now);
    }

    /** The wall-clock check: judge every deployment whose next check time has come, at {@code timestamp}. */
    private void checkDueDeployments(long timestamp) {
        long started = System.nanoTime();
        long judgedAt = judgedAt(timestamp);
        long behind = timestamp - judgedAt;
        // Reported here, once per check, rather than per heartbeat (thousands a second on one task).
        metrics.behind(task, behind);
        if (behind >= 1000 && timestamp - lastBehindLog >= 10_000) {
            lastBehindLog = timestamp;
            LOG.warnf("health-monitor is behind its heartbeats task=%s behind_ms=%d: silence is judged as of where it has read to",
                    task, behind);
        }
        Watch watch = watchAt(judgedAt);
        for (String deploymentKey : dueAt.takeDue(timestamp)) {
            List<InstanceState> deployment = load(deploymentKey);
            carryOut(deploymentKey, rules.onClock(deployment, watch), watch.now());
        }
        metrics.checked(task, instances.size(), Duration.ofNanos(System.nanoTime() - started));
    }

    /** Every stored instance of a deployment, in store-key order (from the store's mirror). */
    private List<InstanceState> load(String deploymentKey) {
        return instances.of(deploymentKey);
    }

    /** As of when silence is judged at the wall-clock time {@code wall}: this task's horizon. */
    private long judgedAt(long wall) {
        return horizon.judgedAt(wall, ends.of(partition));
    }

    /** The first moment this task works (a record or a check) is when it started watching. */
    private Watch watchAt(long epochMillis) {
        Instant now = Instant.ofEpochMilli(epochMillis);
        if (watchingSince == null) {
            watchingSince = now;
        }
        return new Watch(watchingSince, now);
    }

    private void carryOut(String deploymentKey, HealthRules.Judgement judgement, Instant now) {
        boolean announced = false;
        for (Verdict verdict : judgement.verdicts()) {
            if (verdict instanceof Verdict.Updated updated) {
                store.put(updated.state().storeKey(), updated.state());
                instances.put(updated.state());
                if (updated.transition().isPresent()) {
                    announce(updated.state(), updated.transition().get(), now);
                    announced = true;
                }
            } else if (verdict instanceof Verdict.Forgotten forgotten) {
                InstanceState last = forgotten.last();
                store.delete(last.storeKey());
                instances.remove(last);
                LOG.infof("instance forgotten deployment=%s instance=%s down_since=%s last_heartbeat_at=%s",
                        last.deploymentKey(), last.instanceId(), last.lastTransitionAt(), last.lastSentAt());
            }
        }
        if (judgement.after().isEmpty()) {
            dueAt.remove(deploymentKey);
        } else {
            dueAt.set(deploymentKey, judgement.nextCheck().map(Instant::toEpochMilli).orElse(Long.MAX_VALUE));
        }
        long nanos = System.nanoTime();
        if (announced && nanos - lastUrgentCommit >= URGENT_COMMIT_SPACING_NANOS) {
            // Transitions are rare and urgent: commit now rather than at the next commit interval (spaced, see above).
            context.commit();
            lastUrgentCommit = nanos;
        }
    }

    private void announce(InstanceState state, InstanceHealth record, Instant now) {
        context.forward(new Record<String, Message>(state.deploymentKey(), record, now.toEpochMilli()),
                HealthTopology.HEALTH_SINK);
        boolean transition = record.getHealth() != record.getPrevious();
        if (transition) {
            metrics.transition(record.getHealth());
            metrics.detected(record.getHealth(), Duration.between(state.lastSentAt(), now));
        }
        LOG.infof("instance health %s deployment=%s instance=%s health=%s previous=%s role=%s epoch=%d"
                        + " read_only=%s reason=\"%s\" last_heartbeat_at=%s gtid=%s replicas_connected=%d"
                        + " replicas_reporting=%d",
                transition ? "changed" : "facts changed", state.deploymentKey(), state.instanceId(),
                HealthMetrics.label(record.getHealth()), HealthMetrics.label(record.getPrevious()), state.role(),
                record.getEpoch(), record.getReadOnly(), state.reason(), state.lastSentAt(),
                record.getGtidPosition(), record.getReplicasConnected(), record.getReplicasReporting());
    }

    private void deadLetter(String key, byte[] value, String reason, Instant now) {
        DEAD_LETTERS.forward(context, key, value, reason, now);
        metrics.deadLetter();
    }

    @Override
    public void close() {
        if (task != null) {
            metrics.taskClosed(task);
        }
    }
}
