package dev.marina.intent.topology;

import com.google.protobuf.Message;
import dev.marina.intent.reconcile.Observe;
import dev.marina.intent.reconcile.PlanResult;
import dev.marina.intent.reconcile.Ledger;
import dev.marina.intent.reconcile.Send;
import dev.marina.intent.reconcile.StateUpgrade;
import dev.marina.intent.reconcile.Planner;
import dev.marina.schemas.serde.Decoded;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.AgentEvent;
import dev.marina.schemas.v1.CertEvent;
import dev.marina.schemas.v1.DnsEvent;
import dev.marina.schemas.v1.InstanceHealth;
import dev.marina.schemas.v1.Intent;
import dev.marina.schemas.v1.ProvisionEvent;
import dev.marina.schemas.v1.ReconcilerState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import dev.marina.intent.reconcile.DueTime;
import dev.marina.service.DueSchedule;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jboss.logging.Logger;

/**
 * The reconciler's wiring: fold an event into the deployment's state ({@link Observe}), plan
 * ({@link Planner}), send what the plan says. A wall-clock punctuation re-plans deployments whose
 * in-flight actions are due, so a lost event or a dead worker delays convergence but never
 * strands it.
 *
 * <p>The punctuation visits only deployments that are due: each state written is given the instant it
 * first needs a resync ({@link DueTime}, within {@link #DUE_HORIZON}), kept in memory per task. Every
 * {@link #FULL_SCAN_EVERY}, and on the first pass after the task starts, it reads every state as before
 * and rebuilds that schedule, so nothing depends on the schedule surviving a restart or a rebalance.
 */
final class ReconcilerProcessor implements Processor<String, Decoded<?>, String, Message> {
    private static final Logger LOG = Logger.getLogger(ReconcilerProcessor.class);

    /** How far ahead a state's first due instant is looked for; beyond it, the state is looked at again then. */
    static final Duration DUE_HORIZON = Duration.ofSeconds(30);
    /** How finely it is found: a due action waits at most this long besides the resync interval. */
    static final Duration DUE_RESOLUTION = Duration.ofMillis(10);
    /**
     * Every state is read this often anyway (the first pass of a task too): the schedule's safety net, which
     * would only matter if a condition of {@code needsResync} ever stopped being monotone in time.
     */
    static final Duration FULL_SCAN_EVERY = Duration.ofMinutes(5);

    private final Planner planner;
    private final Clock clock;
    /** This task's schedule: when each deployment is next due, ordered by time. */
    private final DueSchedule dueAt = new DueSchedule();
    private Instant nextFullScan = Instant.MIN;
    private final Duration resyncInterval;
    private final ReconcilerMeters meters;
    private ProcessorContext<String, Message> context;
    private KeyValueStore<String, ReconcilerState> states;

    ReconcilerProcessor(Planner planner, Clock clock, Duration resyncInterval, ReconcilerMeters meters) {
        this.planner = planner;
        this.clock = clock;
        this.resyncInterval = resyncInterval;
        this.meters = meters;
    }

    @Override
    public void init(ProcessorContext<String, Message> context) {
        this.context = context;
        this.states = context.getStateStore(IntentTopology.RECONCILER_STORE);
        context.schedule(resyncInterval, PunctuationType.WALL_CLOCK_TIME, ignored -> resync());
    }

    @Override
    public void process(Record<String, Decoded<?>> record) {
        Instant now = clock.instant();
        String from = context.recordMetadata().map(m -> m.topic()).orElse("");
        if (record.value() == null && from.equals(Topics.INTENTS.name())) {
            return; // our own intent tombstones come back here; nothing to do
        }
        if (record.value() == null) {
            // an event topic carries no deletes
            IntentTopology.DEAD_LETTER_FORWARD.forward(context, record.key(), new byte[0],
                    "a tombstone (no value) on " + from + ", an event topic: nothing to observe", now);
            meters.deadLetter("reconciler");
            return;
        }
        if (record.value() instanceof Decoded.Failed<?> failed) {
            IntentTopology.DEAD_LETTER_FORWARD.forward(context, record.key(), failed, now);
            meters.deadLetter("reconciler");
            return;
        }
        if (record.key() == null) {
            IntentTopology.DEAD_LETTER_FORWARD.forward(context, null,
                    dev.marina.schemas.serde.ProtoJsonSerde.toJson((Message) record.value().value()).getBytes(
                            java.nio.charset.StandardCharsets.UTF_8),
                    "no key: a fact on " + from + " must be keyed by its deployment (tenant/name)", now);
            meters.deadLetter("reconciler");
            return;
        }
        String key = record.key();
        ReconcilerState current = states.get(key);
        ReconcilerState state = current == null ? ReconcilerState.getDefaultInstance() : StateUpgrade.of(current);
        Object event = record.value().value();
        if (event instanceof Intent intent) {
            if (current == null && intent.getDeleted()) {
                return; // a delete of a deployment this reconciler never ran: nothing exists to remove
            }
            state = Observe.desired(state, intent);
        } else if (event instanceof ProvisionEvent e) {
            state = Observe.provision(state, e, now);
        } else if (event instanceof AgentEvent e) {
            state = Observe.agent(state, e, now);
        } else if (event instanceof InstanceHealth e) {
            state = Observe.health(state, e, now);
        } else if (event instanceof DnsEvent e) {
            if (!e.getPurpose().isEmpty()) {
                return; // another wish's answer (cert-service's challenge records)
            }
            state = Observe.dns(state, e);
        } else if (event instanceof CertEvent e) {
            state = Observe.cert(state, e, now, planner.settings());
        } else if (event instanceof dev.marina.schemas.v1.DeploymentMetrics e) {
            if (current == null) {
                return; // metrics of a deployment this reconciler does not run
            }
            ReconcilerState before = state;
            state = Observe.metrics(state, e);
            if (state == before) {
                return; // a window nothing reads (no autoscaling, an old or a 60-second instance window): no pass
            }
        }
        if (!state.hasDesired()) {
            return; // facts about a deployment nobody asked for
        }
        long started = System.nanoTime();
        PlanResult result = planner.plan(state, now);
        meters.passed(result, Duration.ofNanos(System.nanoTime() - started),
                Duration.ofMillis(now.toEpochMilli() - record.timestamp()));
        apply(key, result, now);
    }

    private void resync() {
        Instant now = clock.instant();
        List<KeyValue<String, ReconcilerState>> due = new ArrayList<>();
        if (!now.isBefore(nextFullScan)) {
            dueAt.clear();
            try (KeyValueIterator<String, ReconcilerState> all = states.all()) {
                all.forEachRemaining(kv -> {
                    ReconcilerState state = StateUpgrade.of(kv.value);
                    if (planner.needsResync(state, now)) {
                        due.add(KeyValue.pair(kv.key, state));
                    } else {
                        schedule(kv.key, state, now);
                    }
                });
            }
            nextFullScan = now.plus(FULL_SCAN_EVERY);
        } else {
            for (String key : dueAt.takeDue(now.toEpochMilli())) {
                ReconcilerState stored = states.get(key);
                if (stored == null) {
                    continue;
                }
                ReconcilerState state = StateUpgrade.of(stored);
                if (planner.needsResync(state, now)) {
                    due.add(KeyValue.pair(key, state));
                } else {
                    schedule(key, state, now); // the horizon's end, or found early by the resolution
                }
            }
        }
        for (KeyValue<String, ReconcilerState> kv : due) {
            long started = System.nanoTime();
            PlanResult result = planner.plan(kv.value, now);
            meters.passed(result, Duration.ofNanos(System.nanoTime() - started), null);
            // what a resync sends is, by definition, a retry of an action whose effect did not come
            result.sends().stream().filter(s -> !s.commandId().isEmpty())
                    .forEach(s -> meters.retried(Ledger.word(s.action().getKind())));
            apply(kv.key, result, now);
        }
    }

    /** Remembers when the state next needs a resync (at the latest, when to look at it again). */
    private void schedule(String key, ReconcilerState state, Instant now) {
        long at = DueTime.first(t -> planner.needsResync(state, t), now, DUE_HORIZON, DUE_RESOLUTION).toEpochMilli();
        dueAt.set(key, at);
    }

    private void apply(String key, PlanResult result, Instant now) {
        long ts = now.toEpochMilli();
        for (Send<?> send : result.sends()) {
            String recordKey = send.key().isEmpty() ? key : send.key();
            context.forward(new Record<String, Message>(recordKey, send.value(), ts), IntentTopology.sinkName(send.topic()));
            LOG.infof("command sent deployment=%s topic=%s command=%s", key, send.topic().name(),
                    send.commandId().isEmpty() ? "-" : send.commandId());
        }
        result.status().ifPresent(status -> {
            context.forward(new Record<String, Message>(key, status, ts), IntentTopology.sinkName(Topics.DEPLOYMENT_STATUS));
            LOG.infof("status deployment=%s phase=%s generation=%d", key, status.getPhase(), status.getObservedGeneration());
        });
        if (result.purge()) {
            // Deleted was published above; now the deployment disappears from the compacted topics.
            context.forward(new Record<String, Message>(key, null, ts), IntentTopology.sinkName(Topics.DEPLOYMENT_STATUS));
            context.forward(new Record<String, Message>(key, null, ts), IntentTopology.sinkName(Topics.INTENTS));
            // dns-commands is compacted too: with its names removed, the deployment's last command goes
            context.forward(new Record<String, Message>(key, null, ts), IntentTopology.sinkName(Topics.DNS_COMMANDS));
            states.delete(key);
            dueAt.remove(key);
            LOG.infof("deployment purged deployment=%s", key);
        } else {
            states.put(key, result.next());
            schedule(key, result.next(), now);
        }
    }
}
