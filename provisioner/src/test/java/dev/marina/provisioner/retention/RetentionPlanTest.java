package dev.marina.provisioner.retention;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.Timestamp;
import dev.marina.objectstore.ObjectKeys;
import dev.marina.provisioner.retention.RetentionPlan.Listing;
import dev.marina.provisioner.retention.RetentionPlan.Plan;
import dev.marina.schemas.v1.ArchivedBinlog;
import dev.marina.schemas.v1.BackupManifest;
import dev.marina.schemas.v1.BackupRecord;
import dev.marina.schemas.v1.BackupState;
import dev.marina.schemas.v1.DeploymentRef;
import dev.marina.schemas.v1.StoredObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RetentionPlanTest {

    private static final String T = "acme";
    private static final String N = "orders";

    /** One row: the catalogue, whether the deployment is deleted, what the store holds; the keys deleted, in order, and what was refused. */
    record Row(List<BackupRecord> records, boolean deleted, Store store, List<String> deleted_, List<String> refused) {}

    static Stream<Arguments> rows() {
        return Stream.of(
                row("an expired backup goes manifest first, then the data its manifest names, then the rest of its folder",
                        new Row(List.of(expired("b1", 100, "0-1-10"), complete("b2", 200, "0-1-20")), false,
                                store().backup("b1", "data.xb.zst.enc", "manifest.json", "leftover.part").backup("b2"),
                                List.of(manifest("b1"), data("b1"), folder("b1") + "leftover.part"), List.of())),
                row("archived binary logs at or before the oldest retained backup go, index before data; later ones stay",
                        new Row(List.of(complete("b1", 100, "0-7-50"), complete("b2", 200, "0-7-90")), false,
                                store().binlog("i1", "bin.000001", "0-7-40").binlog("i1", "bin.000002", "0-7-50")
                                        .binlog("i1", "bin.000003", "0-7-51").binlog("i2", "bin.000001", "0-8-95"),
                                List.of(index("i1", "bin.000001"), binlogData("i1", "bin.000001"),
                                        index("i1", "bin.000002"), binlogData("i1", "bin.000002")), List.of())),
                row("the oldest retained backup sets the cut, whatever order the catalogue lists them in",
                        new Row(List.of(complete("b9", 300, "0-7-90"), complete("b1", 100, "0-7-45,1-3-900")), false,
                                store().binlog("i1", "bin.000001", "0-7-44").binlog("i1", "bin.000002", "0-7-60"),
                                List.of(index("i1", "bin.000001"), binlogData("i1", "bin.000001")), List.of())),
                row("without any complete backup the archive is kept whole",
                        new Row(List.of(running("b1"), failed("b2")), false,
                                store().binlog("i1", "bin.000001", "0-7-1").binlog("i1", "bin.000002", "0-7-2"),
                                List.of(), List.of())),
                row("a deleted deployment whose backups all expired loses both, and every object of its archive",
                        new Row(List.of(deleted(expired("b1", 100, "0-7-10")), deleted(expired("b2", 200, "0-7-20")),
                                deleted(failed("b3"))), true,
                                store().backup("b1", "data.xb.zst.enc", "manifest.json").backup("b2", "manifest.json")
                                        .binlog("i1", "bin.000001", "0-7-30").binlog("i1", "bin.000002", "0-7-40")
                                        .unreadable("i1", "bin.000003").dataOnly("i2", "bin.000001"),
                                List.of(manifest("b1"), data("b1"), manifest("b2"),
                                        index("i1", "bin.000001"), binlogData("i1", "bin.000001"),
                                        index("i1", "bin.000002"), binlogData("i1", "bin.000002"),
                                        index("i1", "bin.000003"), binlogData("i1", "bin.000003"),
                                        binlogData("i2", "bin.000001")), List.of())),
                row("an expired backup's objects the store no longer lists are not deleted again",
                        new Row(List.of(expired("b1", 100, "0-7-10"), complete("b2", 200, "0-7-20")), false,
                                store().backup("b1", "data.xb.zst.enc"), List.of(data("b1")), List.of())),
                row("a deleted deployment with a backup still running keeps its archive",
                        new Row(List.of(deleted(expired("b1", 100, "0-7-10")), deleted(running("b2"))), true,
                                store().backup("b1", "data.xb.zst.enc", "manifest.json").binlog("i1", "bin.000001", "0-7-5"),
                                List.of(manifest("b1"), data("b1")), List.of())),
                row("a live deployment keeps its archive when its only backups expired (and keeps the newest of them)",
                        new Row(List.of(expired("b1", 100, "0-7-10"), expired("b2", 200, "0-7-20")), false,
                                store().backup("b1", "data.xb.zst.enc", "manifest.json").backup("b2", "data.xb.zst.enc",
                                        "manifest.json").binlog("i1", "bin.000001", "0-7-5"),
                                List.of(manifest("b1"), data("b1")), List.of("b2:LatestCompleteBackup"))),
                row("nothing of a running backup, nor of the newest completed one even when its record says EXPIRED",
                        new Row(List.of(expired("b1", 100, "0-7-10"), complete("b2", 300, "0-7-30"), running("b3"),
                                expired("b4", 400, "0-7-40")), false,
                                store().backup("b1", "data.xb.zst.enc", "manifest.json").backup("b2", "data.xb.zst.enc",
                                        "manifest.json").backup("b3", "data.xb.zst.enc").backup("b4", "data.xb.zst.enc",
                                        "manifest.json").binlog("i1", "bin.000001", "0-7-25").binlog("i1", "bin.000002", "0-7-35"),
                                List.of(manifest("b1"), data("b1"), index("i1", "bin.000001"), binlogData("i1", "bin.000001")),
                                List.of("b4:LatestCompleteBackup"))),
                row("objects a manifest names outside its backup's folder are refused, never deleted",
                        new Row(List.of(expired("b1", 100, "0-7-10", "acme/orders/backups/b2/data.xb.zst.enc",
                                "other/shop/backups/x/data.xb.zst.enc", "acme/orders/backups/b1/../b2/manifest.json"),
                                complete("b2", 200, "0-7-20")), false,
                                store().backup("b1", "manifest.json").backup("b2", "data.xb.zst.enc", "manifest.json"),
                                List.of(manifest("b1")),
                                List.of("acme/orders/backups/b2/data.xb.zst.enc:ObjectOutsideBackupFolder",
                                        "other/shop/backups/x/data.xb.zst.enc:ObjectOutsideBackupFolder",
                                        "acme/orders/backups/b1/../b2/manifest.json:ObjectOutsideBackupFolder"))),
                row("index entries that cannot be read, name another deployment or have no domain-0 last transaction stay",
                        new Row(List.of(complete("b1", 100, "0-7-50")), false,
                                store().unreadable("i1", "bin.000001").binlog("i1", "bin.000002", "1-7-3")
                                        .binlog("i1", "bin.000003", "").foreign("i1", "bin.000004", "0-7-1")
                                        .dataOnly("i1", "bin.000005").binlog("i1", "bin.000006", "0-7-49"),
                                List.of(index("i1", "bin.000006"), binlogData("i1", "bin.000006")),
                                List.of(index("i1", "bin.000001") + ":UnreadableIndexEntry",
                                        index("i1", "bin.000004") + ":IndexEntryOfAnotherDeployment"))),
                row("a retained backup without a readable position keeps the whole archive",
                        new Row(List.of(complete("b1", 100, ""), complete("b2", 200, "0-7-90")), false,
                                store().binlog("i1", "bin.000001", "0-7-1"), List.of(), List.of())));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void deletes_exactly_what_no_retained_backup_needs(String behaviour, Row row) {
        Plan plan = RetentionPlan.plan(T, N, row.records(), row.deleted(), row.store().listing());
        assertEquals(row.deleted_(), plan.keys(), behaviour);
        assertEquals(row.refused(), plan.refusals().stream().map(r -> r.subject() + ":" + r.reason()).toList(), behaviour);
    }

    @Test
    void decides_from_the_catalogue_whether_anything_needs_listing() {
        assertEquals(true, RetentionPlan.decide(T, N, List.of(running("b1"), failed("b2")), false).nothingToDelete());
        assertEquals(true, RetentionPlan.decide(T, N, List.of(expired("b1", 1, "0-1-1")), false).nothingToDelete(),
                "the only completed backup of a live deployment stays, and with it the archive");
        assertEquals(false, RetentionPlan.decide(T, N, List.of(complete("b1", 1, "0-1-1")), false).nothingToDelete(),
                "a complete backup: the archive before it may go");
        assertEquals(new RetentionPlan.ArchiveRule.PruneThrough(5),
                RetentionPlan.decide(T, N, List.of(complete("b1", 1, "0-1-5"), complete("b2", 2, "0-1-9")), false).archive());
        assertEquals(new RetentionPlan.ArchiveRule.RemoveAll(),
                RetentionPlan.decide(T, N, List.of(deleted(expired("b1", 1, "0-1-1"))), true).archive());
    }

    // ------------------------------------------------------------------ fixtures

    private static Arguments row(String behaviour, Row row) {
        return Arguments.of(behaviour, row);
    }

    private static DeploymentRef deployment() {
        return DeploymentRef.newBuilder().setTenant(T).setName(N).build();
    }

    private static String folder(String id) {
        return ObjectKeys.backupFolder(T, N, id);
    }

    private static String manifest(String id) {
        return ObjectKeys.backupManifest(T, N, id);
    }

    private static String data(String id) {
        return ObjectKeys.backupData(T, N, id);
    }

    private static String index(String instance, String file) {
        return ObjectKeys.binlogIndex(T, N, instance, file);
    }

    private static String binlogData(String instance, String file) {
        return ObjectKeys.binlogData(T, N, instance, file);
    }

    private static BackupRecord complete(String id, long finished, String gtid) {
        return completed(id, BackupState.BACKUP_STATE_COMPLETE, finished, gtid, data(id));
    }

    private static BackupRecord expired(String id, long finished, String gtid, String... objects) {
        return completed(id, BackupState.BACKUP_STATE_EXPIRED, finished, gtid, objects.length == 0 ? new String[] {data(id)} : objects);
    }

    private static BackupRecord completed(String id, BackupState state, long finished, String gtid, String... objects) {
        BackupManifest.Builder m = BackupManifest.newBuilder().setBackupId(id).setDeployment(deployment())
                .setGtidPosition(gtid).setFinishedAt(Timestamp.newBuilder().setSeconds(finished));
        for (String key : objects) {
            m.addObjects(StoredObject.newBuilder().setKey(key).setStoredBytes(10));
        }
        return record(id, state).setManifest(m).build();
    }

    private static BackupRecord running(String id) {
        return record(id, BackupState.BACKUP_STATE_RUNNING).build();
    }

    private static BackupRecord failed(String id) {
        return record(id, BackupState.BACKUP_STATE_FAILED).setReason("no space").build();
    }

    private static BackupRecord deleted(BackupRecord r) {
        return r.toBuilder().setDeploymentDeleted(true).build();
    }

    private static BackupRecord.Builder record(String id, BackupState state) {
        return BackupRecord.newBuilder().setDeployment(deployment()).setBackupId(id).setState(state).setRetentionDays(7);
    }

    private static Store store() {
        return new Store();
    }

    /** What the store lists for the deployment, and the index entries that decode. */
    static final class Store {
        private final List<String> backupKeys = new ArrayList<>();
        private final List<String> archiveKeys = new ArrayList<>();
        private final Map<String, ArchivedBinlog> entries = new LinkedHashMap<>();

        Store backup(String id, String... files) {
            for (String f : files) {
                backupKeys.add(folder(id) + f);
            }
            return this;
        }

        Store binlog(String instance, String file, String lastGtid) {
            return entry(instance, file, ArchivedBinlog.newBuilder().setDeployment(deployment()).setInstanceId(instance)
                    .setFileName(file).setLastGtid(lastGtid).build());
        }

        Store foreign(String instance, String file, String lastGtid) {
            return entry(instance, file, ArchivedBinlog.newBuilder()
                    .setDeployment(DeploymentRef.newBuilder().setTenant("other").setName("shop"))
                    .setInstanceId(instance).setFileName(file).setLastGtid(lastGtid).build());
        }

        Store unreadable(String instance, String file) {
            archiveKeys.add(binlogData(instance, file));
            archiveKeys.add(index(instance, file));
            return this;
        }

        Store dataOnly(String instance, String file) {
            archiveKeys.add(binlogData(instance, file));
            return this;
        }

        private Store entry(String instance, String file, ArchivedBinlog entry) {
            archiveKeys.add(binlogData(instance, file));
            archiveKeys.add(index(instance, file));
            entries.put(index(instance, file), entry);
            return this;
        }

        Listing listing() {
            return new Listing(backupKeys, archiveKeys.stream().sorted().toList(), entries);
        }
    }
}
