package dev.marina.agent.backup;

import dev.marina.objectstore.ObjectKeys;
import dev.marina.schemas.v1.DeploymentRef;
import java.util.regex.Pattern;

/**
 * Where a backup's objects go in the store, from a deployment reference ({@link ObjectKeys} has the whole layout).
 */
public final class ObjectLayout {
    private ObjectLayout() {}

    public static final String DATA = ObjectKeys.BACKUP_DATA;
    public static final String MANIFEST = ObjectKeys.BACKUP_MANIFEST;
    /** How the data object is written, recorded in the manifest. */
    public static final String FORMAT = "xbstream+zstd+aes-256-gcm-segments";

    /** Backup ids become one key segment (see {@link ObjectKeys#SEGMENT}). */
    public static final Pattern BACKUP_ID = ObjectKeys.SEGMENT;

    /** The folder of one backup, ending in "/". */
    public static String folder(DeploymentRef deployment, String backupId) {
        return ObjectKeys.backupFolder(deployment.getTenant(), deployment.getName(), backupId);
    }

    public static String data(DeploymentRef deployment, String backupId) {
        return ObjectKeys.backupData(deployment.getTenant(), deployment.getName(), backupId);
    }

    public static String manifest(DeploymentRef deployment, String backupId) {
        return ObjectKeys.backupManifest(deployment.getTenant(), deployment.getName(), backupId);
    }
}
