package dev.marina.intent.retention;

import dev.marina.intent.validation.IntentValidator;
import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.v1.BackupRecord;
import dev.marina.schemas.v1.BackupState;
import dev.marina.schemas.v1.Intent;
import dev.marina.service.Timestamps;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which backups of the catalogue retention ends: their records become EXPIRED (and stay listed, the history), after
 * which the provisioner deletes their objects and intake never restores them. Pure.
 *
 * <p>The rules:
 * <ul>
 *   <li>Only COMPLETE and FAILED backups expire (a RUNNING one is the reconciler's), once their end (the manifest's
 *       {@code finished_at}; for a failed one when it was recorded, else when it was asked for) is older than their
 *       record's {@code retention_days} (0, on-demand backups of a spec without a schedule: the default, 7).</li>
 *   <li>The newest COMPLETE backup of a live deployment never expires: it is what a new replica starts from and
 *       what a restore can always reach. Nor does the backup a live deployment was restored from while it has no
 *       complete backup of its own (its later replicas start from it).</li>
 *   <li>A deleted deployment's backups (its intent deleted or gone) all expire after their retention.</li>
 * </ul>
 */
public final class RetentionPolicy {
    private RetentionPolicy() {}

    /**
     * @param catalogue every record of the catalogue (latest per backup)
     * @param intents   every deployment's current intent, by {@code tenant/name} (a deleted or absent one is not live)
     * @return the records to publish, EXPIRED, with {@code updated_at} now and everything else as it was
     */
    public static List<BackupRecord> expire(Collection<BackupRecord> catalogue, Map<String, Intent> intents, Instant now) {
        Set<String> live = intents.entrySet().stream().filter(e -> !e.getValue().getDeleted()).map(Map.Entry::getKey)
                .collect(Collectors.toSet());
        Set<String> kept = new HashSet<>();
        Map<String, List<BackupRecord>> byDeployment = catalogue.stream()
                .collect(Collectors.groupingBy(b -> DeploymentKey.of(b.getDeployment())));
        for (String deployment : live) {
            Optional<BackupRecord> newest = byDeployment.getOrDefault(deployment, List.of()).stream()
                    .filter(b -> b.getState() == BackupState.BACKUP_STATE_COMPLETE)
                    .max(Comparator.comparing(RetentionPolicy::end).thenComparing(BackupRecord::getBackupId));
            if (newest.isPresent()) {
                kept.add(id(newest.get()));
            } else if (intents.get(deployment).hasRestoreFrom()) {
                kept.add(id(intents.get(deployment).getRestoreFrom()));
            }
        }
        List<BackupRecord> expired = new ArrayList<>();
        for (BackupRecord b : catalogue) {
            boolean ended = b.getState() == BackupState.BACKUP_STATE_COMPLETE || b.getState() == BackupState.BACKUP_STATE_FAILED;
            if (!ended || kept.contains(id(b)) || end(b).plus(retention(b)).isAfter(now)) {
                continue;
            }
            expired.add(b.toBuilder().setState(BackupState.BACKUP_STATE_EXPIRED).setUpdatedAt(Timestamps.of(now)).build());
        }
        expired.sort(Comparator.comparing(RetentionPolicy::id));
        return expired;
    }

    /** How long a backup is kept after it ended. */
    static Duration retention(BackupRecord b) {
        int days = b.getRetentionDays() > 0 ? b.getRetentionDays() : IntentValidator.DEFAULT_RETENTION_DAYS;
        return Duration.ofDays(days);
    }

    /** When a backup ended: its manifest's end; for one without (failed), when it was recorded, else asked for. */
    static Instant end(BackupRecord b) {
        if (b.getManifest().hasFinishedAt()) {
            return Timestamps.toInstant(b.getManifest().getFinishedAt());
        }
        if (b.getState() == BackupState.BACKUP_STATE_FAILED && b.hasUpdatedAt()) {
            return Timestamps.toInstant(b.getUpdatedAt());
        }
        return Timestamps.toInstant(b.getRequestedAt());
    }

    private static String id(BackupRecord b) {
        return dev.marina.schemas.topics.BackupKey.of(b);
    }
}
