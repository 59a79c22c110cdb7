package dev.marina.provisioner.retention;

import dev.marina.objectstore.ObjectKeys;
import dev.marina.objectstore.ObjectStore;
import dev.marina.objectstore.ObjectStoreException;
import dev.marina.objectstore.StoredObjectInfo;
import dev.marina.provisioner.retention.BackupCatalogue.DeploymentBackups;
import dev.marina.provisioner.retention.RetentionPlan.Decision;
import dev.marina.provisioner.retention.RetentionPlan.Deletion;
import dev.marina.provisioner.retention.RetentionPlan.Listing;
import dev.marina.provisioner.retention.RetentionPlan.Plan;
import dev.marina.provisioner.retention.RetentionPlan.Refusal;
import dev.marina.schemas.serde.Decoded;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.v1.ArchivedBinlog;
import dev.marina.schemas.v1.BackupRecord;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * One round of retention over the whole catalogue: for each deployment with something to delete, gather what the
 * store holds (only what {@link RetentionPlan#decide} says is needed), {@link RetentionPlan#plan}, delete in the
 * plan's order. A deployment's deletions stop at its first failure, so nothing is ever deleted before what must go
 * first (a backup's data never before its manifest); the store down or refusing fails that deployment's round
 * (logged, counted) and the next round tries again. Deleting is idempotent: a missing object is fine.
 *
 * <p>A deployment whose catalogue did not change since a round that finished for it is not listed again (a restart
 * lists everything once). Nothing happens before the catalogue was read to its end.
 */
public final class RetentionReaper {

    private static final Logger LOG = Logger.getLogger(RetentionReaper.class);
    /** Index entries are small; a larger one is not read (and its file is kept). */
    static final int MAX_INDEX_ENTRY_BYTES = 256 * 1024;

    /** A deployment whose round failed, and why; tried again next round. */
    public record Failure(String deployment, String reason) {}

    /** What a round did. {@code catalogueReady} false: nothing was done, the catalogue is still being read. */
    public record Round(boolean catalogueReady, List<String> examined, Map<String, List<String>> deleted,
            List<Failure> failures, List<String> leftAlone) {
        public int deletedCount() {
            return deleted.values().stream().mapToInt(List::size).sum();
        }

        static Round notReady() {
            return new Round(false, List.of(), Map.of(), List.of(), List.of());
        }
    }

    /** The catalogue as a finished round saw it, per deployment: unchanged, nothing is listed again. */
    private record Seen(List<BackupRecord> records, boolean deleted) {}

    private final BackupCatalogue catalogue;
    private final ObjectStore store;
    private final Counter deletedObjects;
    private final Counter failedRounds;
    private final Counter refusals;
    private final Map<String, Seen> finished = new HashMap<>();
    private final Map<String, Seen> problemsLogged = new HashMap<>();
    /** Decoded index entries by key (an entry is written once and never changed); forgotten when deleted. */
    private final Map<String, ArchivedBinlog> entries = new HashMap<>();

    public RetentionReaper(BackupCatalogue catalogue, ObjectStore store, MeterRegistry meters) {
        this.catalogue = catalogue;
        this.store = store;
        this.deletedObjects = Counter.builder("marina.provisioner.retention.deleted")
                .description("objects deleted by retention (expired backups, archived binary logs no backup needs)")
                .register(meters);
        this.failedRounds = Counter.builder("marina.provisioner.retention.failures")
                .description("deployments whose retention round failed (the object store down or refusing); tried again next round")
                .register(meters);
        this.refusals = Counter.builder("marina.provisioner.retention.refusals")
                .description("objects retention would have deleted but refused to (see the log for the reason)")
                .register(meters);
    }

    /** One round over every deployment in the catalogue. */
    public synchronized Round runOnce() {
        Optional<Map<String, DeploymentBackups>> snapshot = catalogue.snapshotIfCaughtUp();
        if (snapshot.isEmpty()) {
            return Round.notReady();
        }
        finished.keySet().retainAll(snapshot.get().keySet());
        problemsLogged.keySet().retainAll(snapshot.get().keySet());
        List<String> examined = new ArrayList<>();
        Map<String, List<String>> deleted = new LinkedHashMap<>();
        List<Failure> failures = new ArrayList<>();
        List<String> leftAlone = new ArrayList<>();
        for (DeploymentBackups d : snapshot.get().values()) {
            String deployment = d.deployment();
            Seen seen = new Seen(d.records(), d.deleted());
            if (!d.problems().isEmpty()) {
                leftAlone.add(deployment);
                if (!seen.equals(problemsLogged.put(deployment, seen))) {
                    LOG.warnf("retention leaves a deployment alone: its catalogue has records it cannot use deployment=%s"
                            + " problems=%s", deployment, d.problems());
                }
                continue;
            }
            problemsLogged.remove(deployment);
            if (seen.equals(finished.get(deployment))) {
                continue;
            }
            examined.add(deployment);
            List<String> gone = new ArrayList<>();
            try {
                reap(d, gone);
                finished.put(deployment, seen);
            } catch (RuntimeException e) {
                failedRounds.increment();
                String reason = e.getMessage() == null ? e.toString() : e.getMessage();
                failures.add(new Failure(deployment, reason));
                if (e instanceof ObjectStoreException) {
                    LOG.warnf("retention failed for a deployment, tried again next round deployment=%s deleted=%d reason=%s",
                            deployment, gone.size(), reason);
                } else {
                    LOG.errorf(e, "retention failed for a deployment, tried again next round deployment=%s deleted=%d reason=%s",
                            deployment, gone.size(), reason);
                }
            }
            if (!gone.isEmpty()) {
                deleted.put(deployment, List.copyOf(gone));
            }
        }
        return new Round(true, examined, deleted, failures, leftAlone);
    }

    private void reap(DeploymentBackups d, List<String> gone) {
        String deployment = d.deployment();
        Decision decision = RetentionPlan.decide(d.tenant(), d.name(), d.records(), d.deleted());
        Plan plan;
        if (decision.nothingToDelete()) {
            plan = RetentionPlan.plan(decision, Listing.EMPTY);
        } else {
            plan = RetentionPlan.plan(decision, gather(decision));
        }
        for (Refusal refusal : plan.refusals()) {
            refusals.increment();
            if (RetentionPlan.LATEST_COMPLETE_BACKUP.equals(refusal.reason())) {
                LOG.errorf("retention refuses to delete the newest completed backup of a live deployment, though its record"
                        + " says EXPIRED deployment=%s backup=%s reason=%s", deployment, refusal.subject(), refusal.reason());
            } else {
                LOG.warnf("retention keeps an object deployment=%s object=%s reason=%s", deployment, refusal.subject(),
                        refusal.reason());
            }
        }
        if (plan.deletions().isEmpty()) {
            return;
        }
        Map<String, Integer> byReason = new LinkedHashMap<>();
        try {
            for (Deletion deletion : plan.deletions()) {
                store.delete(deletion.key());
                entries.remove(deletion.key());
                gone.add(deletion.key());
                deletedObjects.increment();
                byReason.merge(deletion.reason(), 1, Integer::sum);
            }
        } finally {
            if (!gone.isEmpty()) {
                LOG.infof("retention deleted objects deployment=%s objects=%d of=%d expired-backups=%s by-reason=%s",
                        deployment, gone.size(), plan.deletions().size(),
                        decision.expiring().stream().map(BackupRecord::getBackupId).toList(), byReason);
            }
        }
    }

    /** Lists the expiring backups' folders and, when the archive may shrink, the archive and its index entries. */
    private Listing gather(Decision decision) {
        List<String> backupKeys = new ArrayList<>();
        for (BackupRecord backup : decision.expiring()) {
            store.list(ObjectKeys.backupFolder(decision.tenant(), decision.name(), backup.getBackupId()))
                    .forEach(o -> backupKeys.add(o.key()));
        }
        List<String> archiveKeys = new ArrayList<>();
        Map<String, ArchivedBinlog> decoded = new HashMap<>();
        if (decision.needsArchive()) {
            for (StoredObjectInfo o : store.list(ObjectKeys.binlogs(decision.tenant(), decision.name()))) {
                archiveKeys.add(o.key());
            }
            String archive = ObjectKeys.binlogs(decision.tenant(), decision.name());
            java.util.Set<String> listed = new java.util.HashSet<>(archiveKeys);
            entries.keySet().removeIf(k -> k.startsWith(archive) && !listed.contains(k));
            if (decision.archive() instanceof RetentionPlan.ArchiveRule.PruneThrough) {
                for (String key : archiveKeys) {
                    if (ObjectKeys.isBinlogIndex(key)) {
                        indexEntry(key).ifPresent(entry -> decoded.put(key, entry));
                    }
                }
            }
        }
        return new Listing(backupKeys, archiveKeys, decoded);
    }

    private Optional<ArchivedBinlog> indexEntry(String key) {
        ArchivedBinlog known = entries.get(key);
        if (known != null) {
            return Optional.of(known);
        }
        byte[] bytes;
        try (InputStream in = store.get(key)) {
            bytes = in.readNBytes(MAX_INDEX_ENTRY_BYTES + 1);
        } catch (ObjectStoreException.NotFound e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new ObjectStoreException("cannot read " + key + ": " + e.getMessage(), e);
        }
        if (bytes.length > MAX_INDEX_ENTRY_BYTES) {
            return Optional.empty();
        }
        Decoded<ArchivedBinlog> entry = ProtoJsonSerde.fromJson(ArchivedBinlog.getDefaultInstance(), bytes);
        if (!entry.isOk()) {
            return Optional.empty();
        }
        entries.put(key, entry.value());
        return Optional.of(entry.value());
    }
}
