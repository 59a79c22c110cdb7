package dev.marina.schemas.topics;

import dev.marina.schemas.v1.BackupRecord;
import dev.marina.schemas.v1.DeploymentRef;

/**
 * The record key of the backup catalogue: {@code "<tenant>/<name>#<backup id>"}, so each backup's latest
 * record stands on the compacted {@code backups} topic and one backup never replaces another.
 */
public final class BackupKey {
    private BackupKey() {}

    public static String of(DeploymentRef deployment, String backupId) {
        return DeploymentKey.of(deployment) + "#" + backupId;
    }

    public static String of(BackupRecord record) {
        return of(record.getDeployment(), record.getBackupId());
    }
}
