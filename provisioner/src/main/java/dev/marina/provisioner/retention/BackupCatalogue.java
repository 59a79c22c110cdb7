package dev.marina.provisioner.retention;

import dev.marina.objectstore.ObjectKeys;
import dev.marina.schemas.serde.Decoded;
import dev.marina.schemas.topics.BackupKey;
import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.v1.BackupRecord;
import dev.marina.schemas.v1.DeploymentRef;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The backup catalogue as far as {@code backups} has been read: the latest record of each backup (a tombstone
 * removes it), and whether the topic has been read to its end. Written by the reader's thread, read by the reaper's;
 * both under one lock, so a half-read catalogue is never taken for a complete one.
 *
 * <p>A record that cannot be used — it does not decode, or names another deployment or backup than its key — is
 * kept as a problem of the deployment its key names, until a usable record or a tombstone replaces it: the reaper
 * leaves such a deployment alone, since the record it cannot read may be a backup that still needs its objects. A
 * key that names no deployment is skipped (there is nothing it could protect).
 */
public final class BackupCatalogue {

    /** One deployment's usable records (by backup id) and the problems of its unusable ones. */
    public record DeploymentBackups(String tenant, String name, List<BackupRecord> records, List<String> problems) {
        public DeploymentBackups {
            records = List.copyOf(records);
            problems = List.copyOf(problems);
        }

        public String deployment() {
            return DeploymentKey.of(tenant, name);
        }

        /** Deleted when every record says so (a deployment made again under the same name is alive). */
        public boolean deleted() {
            return !records.isEmpty() && records.stream().allMatch(BackupRecord::getDeploymentDeleted);
        }
    }

    /** What a record key says, or why it says nothing usable. */
    private record Entry(String tenant, String name, BackupRecord record, String problem) {}

    private final Map<String, Entry> byKey = new HashMap<>();
    private boolean caughtUp;
    private long skipped;

    /** A new read from the beginning: until it catches up, the catalogue proves nothing. */
    synchronized void restart() {
        byKey.clear();
        caughtUp = false;
    }

    synchronized void markCaughtUp() {
        caughtUp = true;
    }

    public synchronized boolean caughtUp() {
        return caughtUp;
    }

    /** Records skipped since start because their key names no deployment. */
    public synchronized long skipped() {
        return skipped;
    }

    /**
     * Takes one record: {@code value} null for a tombstone. Returns why it cannot be used, if it cannot (for the
     * caller's log).
     */
    synchronized Optional<String> apply(String key, Decoded<BackupRecord> value) {
        Optional<String[]> parts = parseKey(key);
        if (parts.isEmpty()) {
            byKey.remove(key);
            skipped++;
            return Optional.of("the key names no backup of a deployment (\"<tenant>/<name>#<backup id>\")");
        }
        String tenant = parts.get()[0];
        String name = parts.get()[1];
        String backupId = parts.get()[2];
        if (value == null) {
            byKey.remove(key);
            return Optional.empty();
        }
        String problem = null;
        if (value instanceof Decoded.Failed<BackupRecord> failed) {
            problem = "undecodable: " + failed.reason();
        } else {
            BackupRecord r = value.value();
            DeploymentRef d = r.getDeployment();
            if (!d.getTenant().equals(tenant) || !d.getName().equals(name) || !r.getBackupId().equals(backupId)) {
                problem = "the record is of " + BackupKey.of(r) + ", not of its key";
            }
        }
        if (problem != null) {
            problem = problem.length() <= 500 ? problem : problem.substring(0, 500) + "…";
            byKey.put(key, new Entry(tenant, name, null, "record " + key + " " + problem));
            return Optional.of(problem);
        }
        byKey.put(key, new Entry(tenant, name, value.value(), null));
        return Optional.empty();
    }

    /** Every deployment with records, by deployment key, only once the topic was read to its end. */
    public synchronized Optional<Map<String, DeploymentBackups>> snapshotIfCaughtUp() {
        if (!caughtUp) {
            return Optional.empty();
        }
        Map<String, List<Entry>> grouped = new TreeMap<>();
        byKey.values().forEach(e -> grouped.computeIfAbsent(DeploymentKey.of(e.tenant(), e.name()), k -> new ArrayList<>()).add(e));
        Map<String, DeploymentBackups> out = new TreeMap<>();
        grouped.forEach((deployment, entries) -> {
            List<BackupRecord> records = entries.stream().filter(e -> e.record() != null).map(Entry::record)
                    .sorted(Comparator.comparing(BackupRecord::getBackupId)).toList();
            List<String> problems = entries.stream().filter(e -> e.problem() != null).map(Entry::problem).sorted().toList();
            Entry first = entries.get(0);
            out.put(deployment, new DeploymentBackups(first.tenant(), first.name(), records, problems));
        });
        return Optional.of(out);
    }

    /** tenant, name, backup id of a key; each a segment the store accepts. */
    private static Optional<String[]> parseKey(String key) {
        if (key == null) {
            return Optional.empty();
        }
        int hash = key.indexOf('#');
        if (hash < 0) {
            return Optional.empty();
        }
        try {
            DeploymentRef d = DeploymentKey.parse(key.substring(0, hash));
            String backupId = key.substring(hash + 1);
            ObjectKeys.segment(d.getTenant(), "tenant");
            ObjectKeys.segment(d.getName(), "name");
            ObjectKeys.segment(backupId, "backup id");
            return Optional.of(new String[] {d.getTenant(), d.getName(), backupId});
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
