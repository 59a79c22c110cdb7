package dev.marina.intent.topology;

import com.google.protobuf.Message;
import dev.marina.intent.intake.IntakeDecider;
import dev.marina.intent.intake.IntakeDecision;
import dev.marina.intent.intake.RestoreCatalogue;
import dev.marina.schemas.topics.BackupKey;
import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.v1.ArchiveCoverage;
import dev.marina.schemas.v1.BackupRecord;
import dev.marina.schemas.v1.DeploymentRef;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.state.KeyValueIterator;
import dev.marina.schemas.serde.Decoded;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.Intent;
import dev.marina.schemas.v1.IntentEvent;
import java.time.Clock;
import java.time.Instant;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jboss.logging.Logger;

/**
 * Intake: the single writer of {@code intents}. Reads an intent event, lets {@link IntakeDecider}
 * decide against the deployment's current intent, stores and publishes the outcome.
 */
final class IntakeProcessor implements Processor<String, IntakeInput, String, Message> {
    private static final Logger LOG = Logger.getLogger(IntakeProcessor.class);

    private final IntakeDecider decider;
    private final Clock clock;
    private final ReconcilerMeters meters;
    private ProcessorContext<String, Message> context;
    private KeyValueStore<String, Intent> intents;
    private org.apache.kafka.streams.state.ReadOnlyKeyValueStore<String, dev.marina.schemas.v1.BackupRecord> backups;
    private org.apache.kafka.streams.state.ReadOnlyKeyValueStore<String, dev.marina.schemas.v1.ArchiveCoverage> archives;
    private RestoreCatalogue catalogue;

    IntakeProcessor(IntakeDecider decider, Clock clock, ReconcilerMeters meters) {
        this.decider = decider;
        this.clock = clock;
        this.meters = meters;
    }

    @Override
    public void init(ProcessorContext<String, Message> context) {
        this.context = context;
        this.intents = context.getStateStore(IntentTopology.INTAKE_STORE);
        this.backups = context.getStateStore(IntentTopology.BACKUPS_STORE);
        this.archives = context.getStateStore(IntentTopology.ARCHIVES_STORE);
        this.catalogue = new StoreCatalogue();
    }

    /** The global stores, read as the intake's restore checks need them. */
    private final class StoreCatalogue implements RestoreCatalogue {
        @Override
        public Optional<BackupRecord> backup(String backupKey) {
            return Optional.ofNullable(backups.get(backupKey));
        }

        @Override
        public List<BackupRecord> backups(DeploymentRef deployment) {
            List<BackupRecord> found = new ArrayList<>();
            try (KeyValueIterator<String, BackupRecord> all = backups.prefixScan(BackupKey.of(deployment, ""), new StringSerializer())) {
                all.forEachRemaining(kv -> found.add(kv.value));
            }
            return found;
        }

        @Override
        public Optional<ArchiveCoverage> archive(DeploymentRef deployment) {
            return Optional.ofNullable(archives.get(DeploymentKey.of(deployment)));
        }
    }

    @Override
    public void process(Record<String, IntakeInput> record) {
        Instant now = clock.instant();
        if (record.value() == null) {
            // a tombstone on an event topic means nothing; say so where the sender can see it
            IntentTopology.DEAD_LETTER_FORWARD.forward(context, record.key(), new byte[0], "a tombstone (no value) on "
                    + Topics.INTENT_EVENTS.name() + " means nothing: to delete a deployment send an IntentEvent with op "
                    + "INTENT_OP_DELETE", now);
            meters.deadLetter("intake");
            return;
        }
        if (record.value().event() instanceof Decoded.Failed<IntentEvent> failed) {
            IntentTopology.DEAD_LETTER_FORWARD.forward(context, record.key(), failed, now);
            meters.deadLetter("intake");
            return;
        }
        String key = record.key() == null ? "" : record.key();
        IntentEvent event = record.value().event().value();
        IntakeDecision decision = decider.decide(key, event, record.value().shape(), key.isEmpty() ? null : intents.get(key), now,
                catalogue);
        if (decision instanceof IntakeDecision.Accepted accepted) {
            Intent intent = accepted.intent();
            meters.intake(accepted.changed() ? "accepted" : "unchanged");
            intents.put(key, intent);
            context.forward(new Record<String, Message>(key, intent, now.toEpochMilli()),
                    IntentTopology.sinkName(Topics.INTENTS));
            LOG.infof("intent accepted deployment=%s generation=%d changed=%s deleted=%s request=%s", key,
                    intent.getGeneration(), accepted.changed(), intent.getDeleted(), event.getRequestId());
        } else if (decision instanceof IntakeDecision.Rejected rejected) {
            meters.intake("rejected");
            context.forward(new Record<String, Message>(key, rejected.rejection(), now.toEpochMilli()),
                    IntentTopology.sinkName(Topics.INTENT_REJECTIONS));
            LOG.infof("intent rejected deployment=%s request=%s field=%s reason=%s", key, event.getRequestId(),
                    rejected.rejection().getField(), rejected.rejection().getReason());
        }
    }
}
