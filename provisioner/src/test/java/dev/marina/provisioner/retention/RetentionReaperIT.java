package dev.marina.provisioner.retention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import dev.marina.objectstore.ObjectKeys;
import dev.marina.objectstore.ObjectStore;
import dev.marina.objectstore.ObjectStoreConfig;
import dev.marina.objectstore.S3ObjectStore;
import dev.marina.objectstore.StoredObjectInfo;
import dev.marina.schemas.access.Role;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.topics.BackupKey;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.ArchivedBinlog;
import dev.marina.schemas.v1.BackupManifest;
import dev.marina.schemas.v1.BackupRecord;
import dev.marina.schemas.v1.BackupState;
import dev.marina.schemas.v1.DeploymentRef;
import dev.marina.schemas.v1.StoredObject;
import dev.marina.testkit.HostileRecords;
import dev.marina.testkit.HostileRun;
import dev.marina.testkit.SharedKafka;
import dev.marina.testkit.SharedObjectStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The reaper against the real object store (s3proxy) and the real broker: the catalogue published to {@code backups}
 * and read as the provisioner's principal reads it (its ACLs), objects put under a prefix of the test's own.
 */
class RetentionReaperIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final String tenant = "ret" + UUID.randomUUID().toString().substring(0, 8);
    private final ObjectStoreConfig storeConfig = SharedObjectStore.freshConfig();
    private final S3ObjectStore store = new S3ObjectStore(storeConfig);
    private final BackupCatalogue catalogue = new BackupCatalogue();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private BackupCatalogueReader reader;

    @BeforeEach
    void objectsOfNoOtherTest() {
        assertEquals(List.of(), store.list(""), "a fresh prefix");
    }

    @AfterEach
    void close() {
        if (reader != null) {
            reader.close();
        }
        store.close();
    }

    @Test
    void deletes_exactly_the_expired_backup_and_the_archived_logs_no_retained_backup_needs() {
        String orders = "orders";
        // b1 expired (position 0-1-5), b2 complete (0-1-20), b3 still running with a part written.
        putBackup(orders, "b1", "leftover.part");
        putBackup(orders, "b2");
        store.put(ObjectKeys.backupData(tenant, orders, "b3"), bytes("running"));
        putBinlog(orders, "i1", "bin.000001", "0-1-12");
        putBinlog(orders, "i1", "bin.000002", "0-1-20");
        putBinlog(orders, "i1", "bin.000003", "0-1-35");
        putBinlog(orders, "i2", "bin.000001", "0-2-36");
        store.put(ObjectKeys.binlogData(tenant, orders, "i2", "bin.000002"), bytes("uploading, no entry yet"));
        // shop: an expired backup, but the catalogue also holds a record of shop it cannot read.
        String shop = "shop";
        putBackup(shop, "s1");
        putBackup(shop, "s2");
        Set<String> before = keys();

        try (HostileRun hostile = HostileRun.watching(Topics.DEAD_LETTERS.name())) {
            hostile.publish(Topics.BACKUPS.name(), HostileRecords.forTopic(Topics.BACKUPS.name(), Topics.BACKUPS.maxMessageBytes())
                    .key(key(shop, "h1"))
                    .valid(json(record(shop, "h1", BackupState.BACKUP_STATE_RUNNING).build()))
                    .wrongType(json(ArchivedBinlog.newBuilder().setFileName("bin.000001").build()))
                    .numericField("retentionDays")
                    .build());
        }
        publish(key(orders, "b1"), json(completed(orders, "b1", BackupState.BACKUP_STATE_EXPIRED, 100, "0-1-5")));
        publish(key(orders, "b2"), json(completed(orders, "b2", BackupState.BACKUP_STATE_COMPLETE, 200, "0-1-20")));
        publish(key(orders, "b3"), json(record(orders, "b3", BackupState.BACKUP_STATE_RUNNING).build()));
        publish(key(shop, "s1"), json(completed(shop, "s1", BackupState.BACKUP_STATE_EXPIRED, 100, "0-1-5")));
        publish(key(shop, "s2"), json(completed(shop, "s2", BackupState.BACKUP_STATE_COMPLETE, 200, "0-1-9")));
        publish(key(shop, "h1"), "{\"backupId\": ".getBytes(StandardCharsets.UTF_8)); // the last word on h1: unreadable

        RetentionReaper reaper = new RetentionReaper(catalogue, store, meters);
        startReader();
        RetentionReaper.Round round = reaper.runOnce();

        Set<String> gone = Set.of(
                ObjectKeys.backupManifest(tenant, orders, "b1"), ObjectKeys.backupData(tenant, orders, "b1"),
                ObjectKeys.backupFolder(tenant, orders, "b1") + "leftover.part",
                ObjectKeys.binlogIndex(tenant, orders, "i1", "bin.000001"), ObjectKeys.binlogData(tenant, orders, "i1", "bin.000001"),
                ObjectKeys.binlogIndex(tenant, orders, "i1", "bin.000002"), ObjectKeys.binlogData(tenant, orders, "i1", "bin.000002"));
        assertEquals(difference(before, gone), keys(), "exactly the expired backup and the logs at or before 0-1-20 are gone");
        assertEquals(List.of(ObjectKeys.backupManifest(tenant, orders, "b1"), ObjectKeys.backupData(tenant, orders, "b1"),
                        ObjectKeys.backupFolder(tenant, orders, "b1") + "leftover.part",
                        ObjectKeys.binlogIndex(tenant, orders, "i1", "bin.000001"),
                        ObjectKeys.binlogData(tenant, orders, "i1", "bin.000001"),
                        ObjectKeys.binlogIndex(tenant, orders, "i1", "bin.000002"),
                        ObjectKeys.binlogData(tenant, orders, "i1", "bin.000002")),
                round.deleted().get(tenant + "/" + orders), "in order: manifest before data, index entry before its data");
        assertTrue(round.leftAlone().contains(tenant + "/" + shop), "a deployment with an unreadable record is left alone");
        assertEquals(List.of(), ours(round.failures()));
        assertEquals(7.0, meters.get("marina.provisioner.retention.deleted").counter().count());

        RetentionReaper.Round again = reaper.runOnce();
        assertTrue(!again.examined().contains(tenant + "/" + orders), "an unchanged catalogue is not listed again");
        assertEquals(difference(before, gone), keys());

        // The unreadable record is replaced by a usable one: shop's expired backup goes too.
        publish(key(shop, "h1"), json(record(shop, "h1", BackupState.BACKUP_STATE_FAILED).setReason("no space").build()));
        Awaitility.await().atMost(TIMEOUT).until(() -> !reaper.runOnce().leftAlone().contains(tenant + "/" + shop));
        Set<String> shopGone = Set.of(ObjectKeys.backupManifest(tenant, shop, "s1"), ObjectKeys.backupData(tenant, shop, "s1"));
        assertEquals(difference(difference(before, gone), shopGone), keys());
    }

    @Test
    void a_store_that_is_down_fails_the_round_and_a_later_round_deletes() throws IOException {
        String name = "down";
        putBackup(name, "b1");
        putBackup(name, "b2");
        Set<String> before = keys();
        publish(key(name, "b1"), json(completed(name, "b1", BackupState.BACKUP_STATE_EXPIRED, 100, "0-1-5")));
        publish(key(name, "b2"), json(completed(name, "b2", BackupState.BACKUP_STATE_COMPLETE, 200, "0-1-9")));

        S3ObjectStore unreachable = new S3ObjectStore(ObjectStoreConfig.of(
                URI.create("http://127.0.0.1:" + closedPort()), storeConfig.bucket(), storeConfig.prefix(),
                storeConfig.accessKey(), storeConfig.secretKey()));
        Switchable switchable = new Switchable(unreachable);
        RetentionReaper reaper = new RetentionReaper(catalogue, switchable, meters);
        startReader();

        RetentionReaper.Round down = reaper.runOnce();
        List<RetentionReaper.Failure> failures = ours(down.failures());
        assertEquals(1, failures.size(), "the deployment's round failed: " + down.failures());
        assertTrue(failures.get(0).reason().contains("unreachable"), failures.get(0).reason());
        assertEquals(before, keys(), "nothing was deleted");
        assertTrue(meters.get("marina.provisioner.retention.failures").counter().count() >= 1);

        switchable.target = store; // the store is back
        unreachable.close();
        RetentionReaper.Round up = reaper.runOnce();
        assertEquals(List.of(), ours(up.failures()));
        assertEquals(difference(before, Set.of(ObjectKeys.backupManifest(tenant, name, "b1"),
                ObjectKeys.backupData(tenant, name, "b1"))), keys());
    }

    // ------------------------------------------------------------------ helpers

    private void startReader() {
        reader = new BackupCatalogueReader(SharedKafka.clientProperties(Role.PROVISIONER), catalogue).start();
        Awaitility.await().atMost(TIMEOUT).pollInterval(100, TimeUnit.MILLISECONDS).until(catalogue::caughtUp);
    }

    private <T> List<T> ours(List<T> items) {
        return items.stream().filter(i -> i.toString().contains(tenant + "/")).toList();
    }

    private Set<String> keys() {
        return store.list("").stream().map(StoredObjectInfo::key).collect(Collectors.toCollection(TreeSet::new));
    }

    private static Set<String> difference(Set<String> a, Set<String> b) {
        Set<String> out = new TreeSet<>(a);
        out.removeAll(b);
        return out;
    }

    private void putBackup(String name, String id, String... extra) {
        store.put(ObjectKeys.backupData(tenant, name, id), bytes("data of " + id));
        for (String e : extra) {
            store.put(ObjectKeys.backupFolder(tenant, name, id) + e, bytes(e));
        }
        store.put(ObjectKeys.backupManifest(tenant, name, id), bytes("manifest of " + id));
    }

    private void putBinlog(String name, String instance, String file, String lastGtid) {
        store.put(ObjectKeys.binlogData(tenant, name, instance, file), bytes("binlog " + file));
        ArchivedBinlog entry = ArchivedBinlog.newBuilder().setDeployment(ref(name)).setInstanceId(instance).setEpoch(1)
                .setFileName(file).setLastGtid(lastGtid).setTransactions(1)
                .setObject(StoredObject.newBuilder().setKey(ObjectKeys.binlogData(tenant, name, instance, file))).build();
        store.put(ObjectKeys.binlogIndex(tenant, name, instance, file), json(entry));
    }

    private DeploymentRef ref(String name) {
        return DeploymentRef.newBuilder().setTenant(tenant).setName(name).build();
    }

    private String key(String name, String id) {
        return BackupKey.of(ref(name), id);
    }

    private BackupRecord.Builder record(String name, String id, BackupState state) {
        return BackupRecord.newBuilder().setDeployment(ref(name)).setBackupId(id).setState(state).setRetentionDays(7);
    }

    private BackupRecord completed(String name, String id, BackupState state, long finished, String gtid) {
        return record(name, id, state).setManifest(BackupManifest.newBuilder().setBackupId(id).setDeployment(ref(name))
                .setGtidPosition(gtid).setFinishedAt(Timestamp.newBuilder().setSeconds(finished))
                .addObjects(StoredObject.newBuilder().setKey(ObjectKeys.backupData(tenant, name, id)))).build();
    }

    private static void publish(String key, byte[] value) {
        Properties p = SharedKafka.clientProperties();
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p)) {
            producer.send(new ProducerRecord<>(Topics.BACKUPS.name(), key, value)).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot publish to backups", e);
        }
    }

    private static byte[] json(Message m) {
        return ProtoJsonSerde.toJson(m).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** The store as the reaper sees it: down first, then back. */
    private static final class Switchable implements ObjectStore {
        volatile ObjectStore target;

        Switchable(ObjectStore target) {
            this.target = target;
        }

        @Override
        public StoredObjectInfo put(String key, InputStream content) {
            return target.put(key, content);
        }

        @Override
        public StoredObjectInfo put(String key, byte[] content) {
            return target.put(key, content);
        }

        @Override
        public InputStream get(String key) {
            return target.get(key);
        }

        @Override
        public Optional<StoredObjectInfo> head(String key) {
            return target.head(key);
        }

        @Override
        public List<StoredObjectInfo> list(String keyPrefix) {
            return target.list(keyPrefix);
        }

        @Override
        public void delete(String key) {
            target.delete(key);
        }

        @Override
        public void close() {
            target.close();
        }
    }
}
