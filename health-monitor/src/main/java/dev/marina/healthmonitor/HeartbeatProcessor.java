package dev.marina.healthmonitor;

import com.google.protobuf.Message;
import dev.marina.schemas.serde.Decoded;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.v1.DeadLetter;
import dev.marina.schemas.v1.Heartbeat;
import dev.marina.schemas.v1.InstanceHealth;
import dev.marina.service.DeadLetters;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jboss.logging.Logger;

/**
 * Gathers the inputs for {@link HealthRules} (the stored state, the heartbeat, the wall-clock time),
 * and carries out its {@link Verdict}: store, emit, forget. Two entry points: a heartbeat arrives, or
 * the wall-clock check fires (so silence is detected even when no record arrives at all).
 */
final class HeartbeatProcessor implements Processor<String, Decoded<Heartbeat>, String, Message> {

    private static final Logger LOG = Logger.getLogger(HeartbeatProcessor.class);

    private final HealthRules rules;
    private final Duration checkInterval;
    private final HealthMetrics metrics;

    private ProcessorContext<String, Message> context;
    private KeyValueStore<String, InstanceState> store;
    private String task;
    /** When this task began to work; silence before it was not watched (see {@link Watch}). */
    private Instant watchingSince;

    HeartbeatProcessor(HealthRules rules, Duration checkInterval, HealthMetrics metrics) {
        this.rules = rules;
        this.checkInterval = checkInterval;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, Message> context) {
        this.context = context;
        this.store = context.getStateStore(HealthTopology.STATE_STORE);
        this.task = context.taskId().toString();
        context.schedule(checkInterval, PunctuationType.WALL_CLOCK_TIME, this::checkEveryInstance);
    }

    @Override
    public void process(Record<String, Decoded<Heartbeat>> record) {
        Watch watch = watchAt(context.currentSystemTimeMs());
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
        String storeKey = InstanceState.storeKey(record.key(), heartbeat.getInstanceId());
        Verdict verdict = rules.onHeartbeat(store.get(storeKey), record.key(), heartbeat, watch);
        if (verdict instanceof Verdict.Ignored ignored) {
            metrics.ignored(ignored.cause());
            LOG.debugf("heartbeat ignored deployment=%s instance=%s cause=%s detail=\"%s\"", record.key(),
                    heartbeat.getInstanceId(), ignored.cause().label(), ignored.detail());
            return;
        }
        carryOut(storeKey, verdict, now);
    }

    /** The wall-clock check: judge every instance at {@code timestamp}, the time it fired. */
    private void checkEveryInstance(long timestamp) {
        long started = System.nanoTime();
        Watch watch = watchAt(timestamp);
        List<KeyValue<String, Verdict>> changes = new ArrayList<>();
        int instances = 0;
        // Decide while iterating, write after: the store is not modified under an open iterator.
        try (KeyValueIterator<String, InstanceState> all = store.all()) {
            while (all.hasNext()) {
                KeyValue<String, InstanceState> entry = all.next();
                instances++;
                Verdict verdict = rules.onClock(entry.value, watch);
                if (verdict != Verdict.UNCHANGED) {
                    changes.add(KeyValue.pair(entry.key, verdict));
                }
            }
        }
        for (KeyValue<String, Verdict> change : changes) {
            carryOut(change.key, change.value, watch.now());
        }
        metrics.checked(task, instances, Duration.ofNanos(System.nanoTime() - started));
    }

    /** The first moment this task works (a record or a check) is when it started watching. */
    private Watch watchAt(long epochMillis) {
        Instant now = Instant.ofEpochMilli(epochMillis);
        if (watchingSince == null) {
            watchingSince = now;
        }
        return new Watch(watchingSince, now);
    }

    private void carryOut(String storeKey, Verdict verdict, Instant now) {
        if (verdict instanceof Verdict.Updated updated) {
            store.put(storeKey, updated.state());
            updated.transition().ifPresent(transition -> announce(updated.state(), transition, now));
        } else if (verdict instanceof Verdict.Forgotten forgotten) {
            store.delete(storeKey);
            InstanceState last = forgotten.last();
            LOG.infof("instance forgotten deployment=%s instance=%s down_since=%s last_heartbeat_at=%s",
                    last.deploymentKey(), last.instanceId(), last.lastTransitionAt(), last.lastSentAt());
        }
    }

    private void announce(InstanceState state, InstanceHealth transition, Instant now) {
        context.forward(new Record<String, Message>(state.deploymentKey(), transition, now.toEpochMilli()),
                HealthTopology.HEALTH_SINK);
        metrics.transition(transition.getHealth());
        metrics.detected(transition.getHealth(), Duration.between(state.lastSentAt(), now));
        LOG.infof("instance health changed deployment=%s instance=%s health=%s previous=%s role=%s reason=\"%s\""
                        + " last_heartbeat_at=%s gtid=%s",
                state.deploymentKey(), state.instanceId(), HealthMetrics.label(transition.getHealth()),
                HealthMetrics.label(transition.getPrevious()), state.role(), state.reason(), state.lastSentAt(),
                state.gtidPosition());
    }

    private void deadLetter(String key, byte[] value, String reason, Instant now) {
        Optional<RecordMetadata> source = context.recordMetadata();
        String topic = source.map(RecordMetadata::topic).orElse(HealthTopology.HEARTBEATS);
        int partition = source.map(RecordMetadata::partition).orElse(-1);
        long offset = source.map(RecordMetadata::offset).orElse(-1L);
        DeadLetter letter = DeadLetters.of(HealthTopology.CONSUMER, topic, partition, offset,
                key == null ? null : key.getBytes(StandardCharsets.UTF_8), value, reason, now);
        context.forward(new Record<String, Message>(key, letter, now.toEpochMilli()), HealthTopology.DEAD_LETTER_SINK);
        metrics.deadLetter();
        LOG.warnf("heartbeat dead-lettered deployment=%s topic=%s partition=%d offset=%d reason=\"%s\"",
                key, topic, partition, offset, reason);
    }

    @Override
    public void close() {
        if (task != null) {
            metrics.taskClosed(task);
        }
    }
}
