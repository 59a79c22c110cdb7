package dev.marina.intent.views;

import jakarta.inject.Inject;
import dev.marina.service.KafkaClients;
import dev.marina.schemas.serde.Decoded;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.DeploymentStatus;
import dev.marina.schemas.v1.Intent;
import dev.marina.schemas.v1.IntentRejection;
import dev.marina.service.TopicReader;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.operators.multi.processors.BroadcastProcessor;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * What the API reads: every deployment's current intent and status, kept in memory from the
 * compacted {@code intents} and {@code deployment-status} topics by a {@link TopicReader} (all
 * partitions, from the start, so every instance of intent-service sees everything), plus the outcome of requests in flight
 * from {@code intents} and {@code intent-rejections}.
 */
@ApplicationScoped
public class DeploymentViews {
    private static final Logger LOG = Logger.getLogger(DeploymentViews.class);

    @Inject
    KafkaClients kafka;

    /** Sorted by deployment key: the list API reads pages of it as ranges (see ListPage). */
    private final java.util.concurrent.ConcurrentNavigableMap<String, Intent> intents = new java.util.concurrent.ConcurrentSkipListMap<>();
    private final Map<String, DeploymentStatus> statuses = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<IntakeOutcome>> pending = new ConcurrentHashMap<>();
    private final BroadcastProcessor<DeploymentStatus> statusChanges = BroadcastProcessor.create();
    private volatile TopicReader reader;
    private final java.util.concurrent.ConcurrentMap<String, dev.marina.schemas.v1.BackupRecord> backups =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** The topics the views read (besides the Streams topology's; the hostile-record test covers each). */
    public static final java.util.List<dev.marina.schemas.topics.TopicSpec<?>> INPUTS =
            java.util.List.of(Topics.INTENTS, Topics.DEPLOYMENT_STATUS, Topics.INTENT_REJECTIONS, Topics.BACKUPS);

    void onStart(@Observes StartupEvent event) {
        reader = TopicReader.builder("intent-service-views", kafka.base())
                .topic(Topics.INTENTS, TopicReader.Start.BEGINNING, this::intent)
                .topic(Topics.DEPLOYMENT_STATUS, TopicReader.Start.BEGINNING, this::status)
                .topic(Topics.INTENT_REJECTIONS, TopicReader.Start.END, this::rejection)
                .topic(Topics.BACKUPS, TopicReader.Start.BEGINNING, this::backup)
                .build()
                .start();
    }

    void onStop(@Observes ShutdownEvent event) {
        if (reader != null) {
            reader.close();
        }
    }

    public boolean caughtUp() {
        TopicReader r = reader;
        return r != null && r.caughtUp();
    }

    public String problem() {
        TopicReader r = reader;
        return r == null ? "not started" : r.problem();
    }

    public Optional<Intent> intent(String key) {
        return Optional.ofNullable(intents.get(key));
    }

    public Optional<DeploymentStatus> status(String key) {
        return Optional.ofNullable(statuses.get(key));
    }

    public Collection<Intent> intents() {
        return intents.values();
    }

    /** Every intent by deployment key, in key order (a read-only view that follows the topic). */
    public java.util.NavigableMap<String, Intent> sortedIntents() {
        return java.util.Collections.unmodifiableNavigableMap(intents);
    }

    /** Registers interest in a request's outcome; call before publishing the request. */
    public CompletableFuture<IntakeOutcome> expect(String requestId) {
        return pending.computeIfAbsent(requestId, id -> new CompletableFuture<>());
    }

    public void forget(String requestId) {
        pending.remove(requestId);
    }

    /** Every status change from now on. */
    public Multi<DeploymentStatus> statusChanges() {
        return statusChanges;
    }

    private void intent(TopicReader.Read<Intent> record) {
        if (record.key() == null) {
            return;
        }
        if (record.tombstone()) {
            intents.remove(record.key());
            return;
        }
        decoded(record).ifPresent(intent -> {
            intents.put(record.key(), intent);
            complete(intent.getLastRequestId(), new IntakeOutcome.Accepted(intent));
        });
    }

    private void status(TopicReader.Read<DeploymentStatus> record) {
        if (record.key() == null) {
            return;
        }
        if (record.tombstone()) {
            statuses.remove(record.key());
            return;
        }
        decoded(record).ifPresent(status -> {
            statuses.put(record.key(), status);
            statusChanges.onNext(status);
        });
    }

    /** The catalogue, by deployment: a deleted deployment's backups stay listed until their records go. */
    private void backup(TopicReader.Read<dev.marina.schemas.v1.BackupRecord> record) {
        if (record.key() == null) {
            return;
        }
        if (record.tombstone()) {
            backups.remove(record.key());
            return;
        }
        decoded(record).ifPresent(b -> backups.put(record.key(), b));
    }

    /** Every record of the catalogue (the latest per backup), every deployment's. */
    public java.util.List<dev.marina.schemas.v1.BackupRecord> catalogue() {
        return java.util.List.copyOf(backups.values());
    }

    /** Every deployment's current intent, by {@code tenant/name}. */
    public Map<String, Intent> intentsByKey() {
        return Map.copyOf(intents);
    }

    /** The deployment's backups, newest first. */
    public java.util.List<dev.marina.schemas.v1.BackupRecord> backups(dev.marina.schemas.v1.DeploymentRef ref) {
        String prefix = dev.marina.schemas.topics.BackupKey.of(ref, "");
        return backups.entrySet().stream().filter(e -> e.getKey().startsWith(prefix)).map(java.util.Map.Entry::getValue)
                .sorted(java.util.Comparator.comparing((dev.marina.schemas.v1.BackupRecord b) ->
                        dev.marina.service.Timestamps.toInstant(b.getRequestedAt())).reversed())
                .toList();
    }

    private void rejection(TopicReader.Read<IntentRejection> record) {
        if (record.key() == null || record.tombstone()) {
            return;
        }
        decoded(record).ifPresent(r -> complete(r.getRequestId(), new IntakeOutcome.Rejected(r)));
    }

    private void complete(String requestId, IntakeOutcome outcome) {
        if (requestId.isEmpty()) {
            return;
        }
        CompletableFuture<IntakeOutcome> waiting = pending.remove(requestId);
        if (waiting != null) {
            waiting.complete(outcome);
        }
    }

    private static <T extends com.google.protobuf.Message> Optional<T> decoded(TopicReader.Read<T> record) {
        if (record.value() instanceof Decoded.Failed<T> failed) {
            // Only intent-service writes these topics; a bad record here is a bug worth a loud log, not a crash.
            LOG.errorf("undecodable record topic=%s partition=%d offset=%d reason=%s", record.topic(), record.partition(),
                    record.offset(), failed.reason());
            return Optional.empty();
        }
        return Optional.of(record.value().value());
    }
}
