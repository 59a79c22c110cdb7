package dev.marina.agent.archive;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.marina.objectstore.ObjectKeys;
import dev.marina.objectstore.ObjectStore;
import dev.marina.objectstore.StoredObjectInfo;
import dev.marina.schemas.v1.ArchivedBinlog;
import dev.marina.schemas.v1.DeploymentRef;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The index of a deployment's archived binary logs: one {@link ArchivedBinlog} as proto JSON per archived file, at
 * {@link ObjectKeys#binlogIndex}, written after the file's data object. An entry is the file: data without an entry
 * is not part of the archive. Every instance's entries are read (keys are per instance).
 */
public final class ArchiveIndex {
    private ArchiveIndex() {}

    private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();
    private static final JsonFormat.Printer PRINTER = JsonFormat.printer();

    /** An index entry that cannot be read as an {@link ArchivedBinlog}; the message names its key. */
    public static final class UnreadableEntry extends IllegalStateException {
        private final String key;

        UnreadableEntry(String key, String why, Throwable cause) {
            super("archived binary log index entry " + key + " is unreadable: " + why, cause);
            this.key = key;
        }

        public String key() {
            return key;
        }
    }

    /**
     * Every index entry of the deployment, in key order. Throws {@link UnreadableEntry} naming the key of an entry
     * that does not parse (or names another file than its key), and the store's exception when it cannot be read.
     */
    public static List<ArchivedBinlog> read(ObjectStore store, DeploymentRef deployment) {
        String folder = ObjectKeys.binlogs(deployment.getTenant(), deployment.getName());
        List<ArchivedBinlog> entries = new ArrayList<>();
        for (StoredObjectInfo object : store.list(folder)) {
            if (!ObjectKeys.isBinlogIndex(object.key())) {
                continue;
            }
            entries.add(readEntry(store, object.key()));
        }
        return entries;
    }

    /** One entry by its key. */
    public static ArchivedBinlog readEntry(ObjectStore store, String key) {
        byte[] bytes;
        try (InputStream in = store.get(key)) {
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new UnreadableEntry(key, "reading failed: " + e.getMessage(), e);
        }
        ArchivedBinlog entry;
        try {
            ArchivedBinlog.Builder builder = ArchivedBinlog.newBuilder();
            PARSER.merge(new String(bytes, StandardCharsets.UTF_8), builder);
            entry = builder.build();
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
            throw new UnreadableEntry(key, "not an ArchivedBinlog in proto3 JSON: "
                    + (message.length() > 200 ? message.substring(0, 200) + "…" : message), e);
        }
        String expected;
        try {
            expected = keyOf(entry);
        } catch (IllegalArgumentException e) {
            throw new UnreadableEntry(key, e.getMessage(), e);
        }
        if (!expected.equals(key)) {
            throw new UnreadableEntry(key, "it describes " + expected, null);
        }
        return entry;
    }

    /** Writes the entry at its key (deployment, instance, file name); the file's data object must be stored first. */
    public static void write(ObjectStore store, ArchivedBinlog entry) {
        String json;
        try {
            json = PRINTER.print(entry);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("cannot print an ArchivedBinlog", e);
        }
        store.put(keyOf(entry), json.getBytes(StandardCharsets.UTF_8));
    }

    /** The entry's key; throws when the deployment, instance or file name cannot be part of a key. */
    public static String keyOf(ArchivedBinlog entry) {
        return ObjectKeys.binlogIndex(entry.getDeployment().getTenant(), entry.getDeployment().getName(), entry.getInstanceId(),
                entry.getFileName());
    }
}
