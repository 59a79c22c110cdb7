package dev.marina.objectstore;

import java.util.regex.Pattern;

/**
 * Where the platform's objects go in the store, relative to its configured prefix. One place for every writer and
 * reader (agents write backups and archived binary logs, restores read them, the provisioner's retention removes them):
 *
 * <pre>
 * &lt;tenant&gt;/&lt;name&gt;/backups/&lt;backup id&gt;/data.xb.zst.enc      a backup's data
 * &lt;tenant&gt;/&lt;name&gt;/backups/&lt;backup id&gt;/manifest.json        its manifest, written last
 * &lt;tenant&gt;/&lt;name&gt;/binlogs/&lt;instance id&gt;/&lt;file&gt;.enc          an archived binary log
 * &lt;tenant&gt;/&lt;name&gt;/binlogs/&lt;instance id&gt;/&lt;file&gt;.json         its index entry, written after it
 * </pre>
 *
 * Archived binary logs are keyed per instance: a promoted server's file names (which restart at the server's own
 * numbering) never overwrite another instance's.
 */
public final class ObjectKeys {
    private ObjectKeys() {}

    public static final String BACKUP_DATA = "data.xb.zst.enc";
    public static final String BACKUP_MANIFEST = "manifest.json";
    public static final String BINLOG_DATA_SUFFIX = ".enc";
    public static final String BINLOG_INDEX_SUFFIX = ".json";

    /** One key segment: a letter or digit, then letters, digits, '.', '_', '-'; at most 128; never "." or "..". */
    public static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    /** The folder of a deployment's objects, ending in "/". */
    public static String deployment(String tenant, String name) {
        return segment(tenant, "tenant") + "/" + segment(name, "name") + "/";
    }

    /** The folder of one backup, ending in "/". */
    public static String backupFolder(String tenant, String name, String backupId) {
        return deployment(tenant, name) + "backups/" + segment(backupId, "backup id") + "/";
    }

    public static String backupData(String tenant, String name, String backupId) {
        return backupFolder(tenant, name, backupId) + BACKUP_DATA;
    }

    public static String backupManifest(String tenant, String name, String backupId) {
        return backupFolder(tenant, name, backupId) + BACKUP_MANIFEST;
    }

    /** The folder of a deployment's archived binary logs (every instance's), ending in "/". */
    public static String binlogs(String tenant, String name) {
        return deployment(tenant, name) + "binlogs/";
    }

    public static String binlogData(String tenant, String name, String instanceId, String fileName) {
        return binlogs(tenant, name) + segment(instanceId, "instance id") + "/" + segment(fileName, "file name")
                + BINLOG_DATA_SUFFIX;
    }

    public static String binlogIndex(String tenant, String name, String instanceId, String fileName) {
        return binlogs(tenant, name) + segment(instanceId, "instance id") + "/" + segment(fileName, "file name")
                + BINLOG_INDEX_SUFFIX;
    }

    /** Whether a key listed under {@link #binlogs} is an index entry. */
    public static boolean isBinlogIndex(String key) {
        return key.endsWith(BINLOG_INDEX_SUFFIX);
    }

    /** The data object beside an index entry. */
    public static String binlogDataOf(String indexKey) {
        if (!isBinlogIndex(indexKey)) {
            throw new IllegalArgumentException("\"" + indexKey + "\" is not an archived binary log's index entry");
        }
        return indexKey.substring(0, indexKey.length() - BINLOG_INDEX_SUFFIX.length()) + BINLOG_DATA_SUFFIX;
    }

    /** The segment, checked: no key can climb out of its folder. */
    public static String segment(String segment, String what) {
        if (segment == null || !SEGMENT.matcher(segment).matches() || segment.equals("..") || segment.equals(".")) {
            throw new IllegalArgumentException(what + " \"" + segment + "\" cannot be part of an object key");
        }
        return segment;
    }
}
