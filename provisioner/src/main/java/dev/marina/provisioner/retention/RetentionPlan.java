package dev.marina.provisioner.retention;

import dev.marina.schemas.gtid.Gtids;
import dev.marina.objectstore.ObjectKeys;
import dev.marina.schemas.v1.ArchivedBinlog;
import dev.marina.schemas.v1.BackupRecord;
import dev.marina.schemas.v1.BackupState;
import dev.marina.schemas.v1.StoredObject;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Decides which of one deployment's objects the store no longer needs. Pure: the reaper gathers the catalogue
 * (the latest record of each backup) and what the store lists, this decides, the reaper deletes in the order given.
 *
 * <p>Two steps, so the reaper lists only what a decision needs:
 * <ol>
 *   <li>{@link #decide}: from the catalogue alone, which backups go (EXPIRED ones, guarded) and what the binary-log
 *       archive keeps ({@link ArchiveRule});</li>
 *   <li>{@link #plan}: with the listed keys and the decoded index entries, the keys to delete, in order.</li>
 * </ol>
 *
 * Invariants (each a reason code below):
 * <ul>
 *   <li>an expired backup's manifest is deleted first, then the data its manifest names, then anything else in its
 *       folder, so a half-deleted backup never looks complete; a named object outside the backup's folder is
 *       refused. Only what the store listed is deleted (an emptied folder costs no request);</li>
 *   <li>nothing of a RUNNING, COMPLETE or FAILED backup is deleted; of a live deployment, not the newest backup that
 *       completed either, even if its record says EXPIRED (intent-service never expires it: refused, reported);</li>
 *   <li>an archived binary log goes when its last transaction (domain 0) is at or before the position of the oldest
 *       retained backup: its index entry first, then its data. No complete backup: the archive is kept whole; an
 *       entry that cannot be read, or has no last transaction, is kept;</li>
 *   <li>a deleted deployment with no COMPLETE or RUNNING backup left loses its whole archive.</li>
 * </ul>
 */
public final class RetentionPlan {
    private RetentionPlan() {}

    // Why an object goes.
    public static final String EXPIRED_BACKUP = "ExpiredBackup";
    public static final String BEFORE_OLDEST_RETAINED = "BeforeOldestRetainedBackup";
    public static final String DELETED_DEPLOYMENT = "DeletedDeploymentWithoutBackups";

    // Why something stays that could have gone.
    public static final String LATEST_COMPLETE_BACKUP = "LatestCompleteBackup";
    public static final String OUTSIDE_BACKUP_FOLDER = "ObjectOutsideBackupFolder";
    public static final String NO_COMPLETE_BACKUP = "NoCompleteBackup";
    public static final String OLDEST_POSITION_UNKNOWN = "OldestRetainedPositionUnknown";
    public static final String NO_BACKUPS = "NoBackups";
    public static final String UNREADABLE_ENTRY = "UnreadableIndexEntry";
    public static final String ENTRY_OF_ANOTHER_DEPLOYMENT = "IndexEntryOfAnotherDeployment";

    /** What the binary-log archive keeps. */
    public sealed interface ArchiveRule {
        /** Everything, for this reason. */
        record KeepAll(String reason) implements ArchiveRule {}

        /** Entries whose last transaction's domain-0 sequence number is at most {@code sequence} go. */
        record PruneThrough(long sequence) implements ArchiveRule {}

        /** Every object under the deployment's {@code binlogs/}. */
        record RemoveAll() implements ArchiveRule {}
    }

    /** Something left in place on purpose; {@code subject} is a backup id or an object key. */
    public record Refusal(String subject, String reason) {}

    /** One object to delete, and why. */
    public record Deletion(String key, String reason) {}

    /** The decision from the catalogue alone. */
    public record Decision(String tenant, String name, List<BackupRecord> expiring, List<Refusal> refusals,
            ArchiveRule archive) {
        public Decision {
            expiring = List.copyOf(expiring);
            refusals = List.copyOf(refusals);
        }

        /** True when no listing could lead to a deletion. */
        public boolean nothingToDelete() {
            return expiring.isEmpty() && archive instanceof ArchiveRule.KeepAll;
        }

        /** Whether the archive must be listed. */
        public boolean needsArchive() {
            return !(archive instanceof ArchiveRule.KeepAll);
        }
    }

    /**
     * What the store holds, as far as the decision needs it: keys listed in the expiring backups' folders (or the
     * whole {@code backups/} folder), keys under {@code binlogs/}, and the index entries that could be decoded, by key.
     */
    public record Listing(List<String> backupKeys, List<String> archiveKeys, Map<String, ArchivedBinlog> entries) {
        public Listing {
            backupKeys = List.copyOf(backupKeys);
            archiveKeys = List.copyOf(archiveKeys);
            entries = Map.copyOf(entries);
        }

        public static final Listing EMPTY = new Listing(List.of(), List.of(), Map.of());
    }

    /** The keys to delete, in the order they must go, and what was left on purpose. */
    public record Plan(List<Deletion> deletions, List<Refusal> refusals) {
        public Plan {
            deletions = List.copyOf(deletions);
            refusals = List.copyOf(refusals);
        }

        public List<String> keys() {
            return deletions.stream().map(Deletion::key).toList();
        }
    }

    /**
     * Which backups go and what the archive keeps, from the latest catalogue record of each of the deployment's
     * backups. {@code deploymentDeleted}: the deployment is gone (its records say so).
     */
    public static Decision decide(String tenant, String name, Collection<BackupRecord> records, boolean deploymentDeleted) {
        ObjectKeys.deployment(tenant, name); // checks both segments
        List<BackupRecord> sorted = records.stream().sorted(Comparator.comparing(BackupRecord::getBackupId)).toList();
        List<Refusal> refusals = new ArrayList<>();
        Optional<BackupRecord> newestCompleted = deploymentDeleted ? Optional.empty() : newestCompleted(sorted);

        List<BackupRecord> expiring = new ArrayList<>();
        List<BackupRecord> retained = new ArrayList<>();
        for (BackupRecord r : sorted) {
            if (r.getState() == BackupState.BACKUP_STATE_COMPLETE) {
                retained.add(r);
            } else if (r.getState() == BackupState.BACKUP_STATE_EXPIRED) {
                if (newestCompleted.isPresent() && newestCompleted.get().getBackupId().equals(r.getBackupId())) {
                    refusals.add(new Refusal(r.getBackupId(), LATEST_COMPLETE_BACKUP));
                    retained.add(r);
                } else {
                    expiring.add(r);
                }
            }
        }
        return new Decision(tenant, name, expiring, refusals, archiveRule(sorted, retained, deploymentDeleted));
    }

    /** The keys to delete, given what the store holds. */
    public static Plan plan(Decision decision, Listing listing) {
        String tenant = decision.tenant();
        String name = decision.name();
        Map<String, Deletion> deletions = new LinkedHashMap<>();
        List<Refusal> refusals = new ArrayList<>(decision.refusals());

        for (BackupRecord backup : decision.expiring()) {
            String folder = ObjectKeys.backupFolder(tenant, name, backup.getBackupId());
            Set<String> listed = Set.copyOf(listing.backupKeys());
            String manifest = ObjectKeys.backupManifest(tenant, name, backup.getBackupId());
            if (listed.contains(manifest)) {
                add(deletions, manifest, EXPIRED_BACKUP);
            }
            if (backup.hasManifest()) {
                for (StoredObject object : backup.getManifest().getObjectsList()) {
                    if (inside(folder, object.getKey())) {
                        if (listed.contains(object.getKey())) {
                            add(deletions, object.getKey(), EXPIRED_BACKUP);
                        }
                    } else {
                        refusals.add(new Refusal(object.getKey(), OUTSIDE_BACKUP_FOLDER));
                    }
                }
            }
            for (String key : listing.backupKeys()) {
                if (inside(folder, key)) {
                    add(deletions, key, EXPIRED_BACKUP);
                }
            }
        }

        String archive = ObjectKeys.binlogs(tenant, name);
        List<String> archiveKeys = listing.archiveKeys().stream().filter(k -> k.startsWith(archive)).toList();
        if (decision.archive() instanceof ArchiveRule.RemoveAll) {
            for (String key : archiveKeys) {
                if (ObjectKeys.isBinlogIndex(key)) {
                    add(deletions, key, DELETED_DEPLOYMENT);
                    add(deletions, ObjectKeys.binlogDataOf(key), DELETED_DEPLOYMENT);
                }
            }
            archiveKeys.forEach(key -> add(deletions, key, DELETED_DEPLOYMENT));
        } else if (decision.archive() instanceof ArchiveRule.PruneThrough prune) {
            for (String key : archiveKeys) {
                if (!ObjectKeys.isBinlogIndex(key)) {
                    continue; // data goes only with its entry; data without one may be an upload in flight
                }
                ArchivedBinlog entry = listing.entries().get(key);
                if (entry == null) {
                    refusals.add(new Refusal(key, UNREADABLE_ENTRY));
                    continue;
                }
                if (entry.hasDeployment() && !(entry.getDeployment().getTenant().equals(tenant)
                        && entry.getDeployment().getName().equals(name))) {
                    refusals.add(new Refusal(key, ENTRY_OF_ANOTHER_DEPLOYMENT));
                    continue;
                }
                OptionalLong last = Gtids.domainZero(entry.getLastGtid());
                if (last.isPresent() && last.getAsLong() <= prune.sequence()) {
                    add(deletions, key, BEFORE_OLDEST_RETAINED);
                    add(deletions, ObjectKeys.binlogDataOf(key), BEFORE_OLDEST_RETAINED);
                }
            }
        }
        return new Plan(new ArrayList<>(deletions.values()), refusals);
    }

    /** Both steps at once, for callers that already listed everything. */
    public static Plan plan(String tenant, String name, Collection<BackupRecord> records, boolean deploymentDeleted,
            Listing listing) {
        return plan(decide(tenant, name, records, deploymentDeleted), listing);
    }

    private static ArchiveRule archiveRule(List<BackupRecord> records, List<BackupRecord> retained, boolean deleted) {
        if (records.isEmpty()) {
            return new ArchiveRule.KeepAll(NO_BACKUPS);
        }
        boolean anyComplete = records.stream().anyMatch(r -> r.getState() == BackupState.BACKUP_STATE_COMPLETE);
        boolean anyRunning = records.stream().anyMatch(r -> r.getState() == BackupState.BACKUP_STATE_RUNNING);
        if (deleted && !anyComplete && !anyRunning
                && records.stream().anyMatch(r -> r.getState() == BackupState.BACKUP_STATE_EXPIRED)) {
            return new ArchiveRule.RemoveAll();
        }
        if (!anyComplete) {
            return new ArchiveRule.KeepAll(NO_COMPLETE_BACKUP);
        }
        long oldest = Long.MAX_VALUE;
        for (BackupRecord r : retained) {
            OptionalLong sequence = r.hasManifest() ? Gtids.domainZero(r.getManifest().getGtidPosition())
                    : OptionalLong.empty();
            if (sequence.isEmpty()) {
                return new ArchiveRule.KeepAll(OLDEST_POSITION_UNKNOWN);
            }
            oldest = Math.min(oldest, sequence.getAsLong());
        }
        return new ArchiveRule.PruneThrough(oldest);
    }

    /** The backup that completed last (COMPLETE or since EXPIRED, with a manifest): by finish time, then request time. */
    private static Optional<BackupRecord> newestCompleted(List<BackupRecord> records) {
        Set<BackupState> completed = Set.of(BackupState.BACKUP_STATE_COMPLETE, BackupState.BACKUP_STATE_EXPIRED);
        Comparator<BackupRecord> byTime = Comparator
                .comparing((BackupRecord r) -> seconds(r.getManifest().getFinishedAt()))
                .thenComparing(r -> seconds(r.getRequestedAt()))
                .thenComparing(BackupRecord::getBackupId);
        return records.stream().filter(r -> completed.contains(r.getState()) && r.hasManifest()).max(byTime);
    }

    private static java.math.BigDecimal seconds(com.google.protobuf.Timestamp t) {
        return java.math.BigDecimal.valueOf(t.getSeconds()).add(java.math.BigDecimal.valueOf(t.getNanos(), 9));
    }

    /** Whether {@code key} is an object in {@code folder}: below it, every further segment a valid one. */
    static boolean inside(String folder, String key) {
        if (key == null || !key.startsWith(folder) || key.length() == folder.length()) {
            return false;
        }
        for (String segment : key.substring(folder.length()).split("/", -1)) {
            if (!ObjectKeys.SEGMENT.matcher(segment).matches() || segment.equals(".") || segment.equals("..")) {
                return false;
            }
        }
        return true;
    }

    private static void add(Map<String, Deletion> deletions, String key, String reason) {
        deletions.putIfAbsent(key, new Deletion(key, reason));
    }
}
