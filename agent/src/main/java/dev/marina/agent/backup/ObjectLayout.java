package dev.marina.agent.backup;

import dev.marina.schemas.v1.DeploymentRef;
import java.util.regex.Pattern;

/**
 * Where a backup's objects go in the store (keys relative to the store's prefix):
 * {@code <tenant>/<name>/backups/<backup id>/data.xb.zst.enc}, then {@code .../manifest.json}, written last.
 */
public final class ObjectLayout {
    private ObjectLayout() {}

    public static final String DATA = "data.xb.zst.enc";
    public static final String MANIFEST = "manifest.json";
    /** How the data object is written, recorded in the manifest. */
    public static final String FORMAT = "xbstream+zstd+aes-256-gcm-segments";

    /** Backup ids become one key segment: a letter or digit, then letters, digits, '.', '_', '-'; at most 128. */
    public static final Pattern BACKUP_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    /** Tenants and names are DNS-label-like already; checked again so no key can climb out of its folder. */
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    /** The folder of one backup, ending in "/". */
    public static String folder(DeploymentRef deployment, String backupId) {
        return check(deployment.getTenant(), "tenant") + "/" + check(deployment.getName(), "name") + "/backups/"
                + check(backupId, "backup id") + "/";
    }

    public static String data(DeploymentRef deployment, String backupId) {
        return folder(deployment, backupId) + DATA;
    }

    public static String manifest(DeploymentRef deployment, String backupId) {
        return folder(deployment, backupId) + MANIFEST;
    }

    private static String check(String segment, String what) {
        if (!SEGMENT.matcher(segment).matches() || segment.equals("..") || segment.equals(".")) {
            throw new IllegalArgumentException(what + " \"" + segment + "\" cannot be part of an object key");
        }
        return segment;
    }
}
