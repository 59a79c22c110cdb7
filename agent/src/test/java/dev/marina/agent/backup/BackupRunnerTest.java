package dev.marina.agent.backup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.objectstore.ObjectStore;
import dev.marina.objectstore.ObjectStoreException;
import dev.marina.objectstore.StoredObjectInfo;
import dev.marina.schemas.v1.AgentReason;
import dev.marina.schemas.v1.BackupManifest;
import dev.marina.schemas.v1.DeploymentRef;
import dev.marina.schemas.v1.Role;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The backup pipeline and its way back, with scripts for the tools and the local s3proxy for the store. */
class BackupRunnerTest {

    private static final DeploymentRef ACME = DeploymentRef.newBuilder().setTenant("acme").setName("orders").build();
    private static final String DATA = "acme/orders/backups/b1/data.xb.zst.enc";
    private static final String MANIFEST = "acme/orders/backups/b1/manifest.json";

    @TempDir
    Path dir;
    private Path instance;
    private dev.marina.objectstore.S3ObjectStore store;
    private ServerLogin login;
    private BackupKey key;

    @org.junit.jupiter.api.AfterEach
    void closeStore() {
        store.close();
    }

    @BeforeEach
    void setUp() throws IOException {
        instance = Files.createDirectories(dir.resolve("instance"));
        store = dev.marina.testkit.SharedObjectStore.freshStore();
        Files.writeString(instance.resolve("agent.secret"), "s3cret\n");
        Files.writeString(instance.resolve("my.cnf"), "[mysqld]\n");
        login = new ServerLogin(instance.resolve("my.cnf"), instance.resolve("mariadbd.sock"), "marina_agent",
                instance.resolve("agent.secret"));
        byte[] bytes = new byte[32];
        new Random(1).nextBytes(bytes);
        key = new BackupKey("k1", bytes);
    }

    private BackupRunner runner(String script) throws IOException {
        return new BackupRunner(FakeTools.backup(dir.resolve("bin"), script), login, instance, Clock.systemUTC());
    }

    private BackupRunner.Request request() {
        return new BackupRunner.Request("b1", ACME, "acme-orders-1", Role.ROLE_PRIMARY, key);
    }

    private static byte[] expectedStream() throws Exception {
        Process p = new ProcessBuilder("sh", "-c", "seq 1 300000").start();
        return p.getInputStream().readAllBytes();
    }

    private byte[] decrypted(String objectKey) throws IOException {
        try (InputStream in = new com.github.luben.zstd.ZstdInputStreamNoFinalizer(new OpeningInputStream(store.get(objectKey), key))) {
            return in.readAllBytes();
        }
    }

    @Test
    void streams_the_backup_into_the_store_and_writes_the_manifest_last() throws Exception {
        Path seen = dir.resolve("options.seen");
        BackupManifest m = runner("cat \"${1#--defaults-file=}\" > " + seen + "\n" + FakeTools.succeeding("seq 1 300000"))
                .run(request(), store);

        byte[] stream = expectedStream();
        assertArrayEquals(stream, decrypted(DATA), "the stored object is the tool's stream, compressed and encrypted");
        byte[] stored = store.get(DATA).readAllBytes();
        assertEquals(List.of(DATA, MANIFEST), store.list("acme/orders/backups/b1/").stream().map(StoredObjectInfo::key).toList());
        assertEquals(m, Manifests.fromJson(store.get(MANIFEST).readAllBytes()));
        assertEquals(stream.length, m.getSizeBytes());
        assertEquals(stored.length, m.getStoredBytes());
        assertTrue(stored.length < stream.length / 2, "compressed: " + stored.length + " of " + stream.length);
        assertEquals(1, m.getObjectsCount());
        assertEquals(DATA, m.getObjects(0).getKey());
        assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(stored)), m.getObjects(0).getSha256());
        assertEquals("0-7-3", m.getGtidPosition());
        assertEquals("10.11.19", m.getServerVersion());
        assertEquals("k1", m.getKeyId());
        assertEquals(Role.ROLE_PRIMARY, m.getSourceRole());
        assertEquals("acme-orders-1", m.getInstanceId());

        String options = Files.readString(seen);
        assertTrue(options.contains("!include " + instance.resolve("my.cnf")), options);
        assertTrue(options.contains("password=\"s3cret\""), options);
        assertFalse(Files.exists(instance.resolve("backup-work")), "the option file with the password is gone");
    }

    @Test
    void a_repeat_of_a_complete_backup_returns_its_manifest_and_runs_nothing() throws Exception {
        BackupManifest first = runner(FakeTools.succeeding("seq 1 1000")).run(request(), store);
        Path ran = dir.resolve("ran-again");
        BackupManifest again = runner("touch " + ran + "\n" + FakeTools.succeeding("seq 1 5")).run(request(), store);
        assertEquals(first, again);
        assertFalse(Files.exists(ran));
    }

    private void assertNothingListed() {
        assertEquals(Optional.empty(), store.head(MANIFEST), "no manifest");
    }

    @Test
    void a_tool_that_cannot_log_in_is_backup_tool_failed_and_nothing_is_stored() throws Exception {
        BackupFailure e = assertThrows(BackupFailure.class, () -> runner(String.join("\n",
                "echo \"[00] 2026-12-02 22:39:31 Failed to connect to MariaDB server: Access denied for user 'nobody'@'localhost'\" >&2",
                "exit 1")).run(request(), store));
        assertEquals(AgentReason.AGENT_REASON_BACKUP_TOOL_FAILED, e.code());
        assertTrue(e.getMessage().startsWith("mariadb-backup failed with exit code 1: "), e.getMessage());
        assertTrue(e.getMessage().contains("Access denied"), e.getMessage());
        assertNothingListed();
        assertEquals(List.of(), store.list(""), "the broken stream never became an object");
    }

    @Test
    void a_tool_killed_midway_is_backup_tool_failed_and_nothing_is_stored() throws Exception {
        BackupFailure e = assertThrows(BackupFailure.class, () -> runner(String.join("\n",
                FakeTools.VERSION_LINE, "seq 1 100000", "kill -9 $$")).run(request(), store));
        assertEquals(AgentReason.AGENT_REASON_BACKUP_TOOL_FAILED, e.code());
        assertTrue(e.getMessage().contains("exit code 137"), e.getMessage());
        assertEquals(List.of(), store.list(""));
    }

    @Test
    void a_tool_that_exits_zero_without_completing_is_backup_tool_failed() throws Exception {
        BackupFailure e = assertThrows(BackupFailure.class, () -> runner(String.join("\n",
                FakeTools.VERSION_LINE, "seq 1 100", FakeTools.BINLOG_LINE)).run(request(), store));
        assertEquals(AgentReason.AGENT_REASON_BACKUP_TOOL_FAILED, e.code());
        assertTrue(e.getMessage().startsWith("mariadb-backup did not report completion"), e.getMessage());
        assertEquals(List.of(), store.list(""));
    }

    /** A store whose streamed put breaks off after {@code limit} bytes; small puts as asked. */
    private static final class BreakingStore implements ObjectStore {
        final ObjectStore inner;
        final long limit;
        final boolean failSmallPuts;

        BreakingStore(ObjectStore inner, long limit, boolean failSmallPuts) {
            this.inner = inner;
            this.limit = limit;
            this.failSmallPuts = failSmallPuts;
        }

        @Override
        public StoredObjectInfo put(String key, InputStream content) {
            if (limit < 0) {
                return inner.put(key, content);
            }
            try {
                content.readNBytes((int) limit);
            } catch (IOException e) {
                throw new ObjectStoreException("read failed", e);
            }
            throw new ObjectStoreException("put " + key + ": connection reset by the store");
        }

        @Override
        public StoredObjectInfo put(String key, byte[] content) {
            if (failSmallPuts) {
                throw new ObjectStoreException("put " + key + ": 503 Slow Down");
            }
            return inner.put(key, content);
        }

        @Override
        public InputStream get(String key) {
            return inner.get(key);
        }

        @Override
        public Optional<StoredObjectInfo> head(String key) {
            return inner.head(key);
        }

        @Override
        public List<StoredObjectInfo> list(String keyPrefix) {
            return inner.list(keyPrefix);
        }

        @Override
        public void delete(String key) {
            inner.delete(key);
        }

        @Override
        public void close() {}
    }

    @Test
    void a_store_that_breaks_off_midway_is_object_store_error_and_no_manifest_is_written() throws Exception {
        // Random bytes do not compress: the stream is bigger than the pipe, so the tool is still writing when the store fails.
        BackupFailure e = assertThrows(BackupFailure.class, () -> runner(FakeTools.succeeding("head -c 20000000 /dev/urandom"))
                .run(request(), new BreakingStore(store, 100_000, false)));
        assertEquals(AgentReason.AGENT_REASON_OBJECT_STORE_ERROR, e.code());
        assertTrue(e.getMessage().startsWith("writing " + DATA + " to the object store failed: "), e.getMessage());
        assertTrue(e.getMessage().contains("connection reset"), e.getMessage());
        assertNothingListed();
    }

    @Test
    void a_manifest_the_store_refuses_is_object_store_error() throws Exception {
        BackupFailure e = assertThrows(BackupFailure.class, () -> runner(FakeTools.succeeding("seq 1 100"))
                .run(request(), new BreakingStore(store, -1, true)));
        assertEquals(AgentReason.AGENT_REASON_OBJECT_STORE_ERROR, e.code());
        assertTrue(e.getMessage().startsWith("writing " + MANIFEST + " to the object store failed: "), e.getMessage());
        assertNothingListed();
    }

    // The way back.

    private Path restoreInto(String name) throws IOException {
        return dir.resolve("restore").resolve(name);
    }

    @Test
    void restores_the_stream_it_stored_and_prepares_it() throws Exception {
        runner(FakeTools.succeeding("seq 1 300000")).run(request(), store);
        Path target = restoreInto("t1");
        BackupManifest m = new RestoreRunner(FakeTools.restore(dir.resolve("rbin"))).restore(store, ACME, "b1", key, target);
        assertEquals("0-7-3", m.getGtidPosition());
        assertArrayEquals(expectedStream(), Files.readAllBytes(target.resolve("stream")));
        assertTrue(Files.exists(target.resolve("prepared")));
    }

    @Test
    void refuses_a_backup_without_manifest() throws Exception {
        BackupFailure e = assertThrows(BackupFailure.class,
                () -> new RestoreRunner(FakeTools.restore(dir.resolve("rbin"))).restore(store, ACME, "b1", key, restoreInto("t")));
        assertEquals(AgentReason.AGENT_REASON_OBJECT_STORE_ERROR, e.code());
        assertEquals(MANIFEST + " is missing: backup b1 is not complete", e.getMessage());
    }

    @Test
    void refuses_a_missing_data_object_naming_it() throws Exception {
        runner(FakeTools.succeeding("seq 1 100")).run(request(), store);
        store.delete(DATA);
        Path target = restoreInto("t");
        BackupFailure e = assertThrows(BackupFailure.class,
                () -> new RestoreRunner(FakeTools.restore(dir.resolve("rbin"))).restore(store, ACME, "b1", key, target));
        assertEquals(AgentReason.AGENT_REASON_OBJECT_STORE_ERROR, e.code());
        assertEquals(DATA + " is missing from the object store", e.getMessage());
        assertFalse(Files.exists(target), "nothing half-restored stays");
    }

    @Test
    void refuses_an_object_whose_checksum_does_not_match_the_manifest() throws Exception {
        BackupManifest m = runner(FakeTools.succeeding("seq 1 100")).run(request(), store);
        String wrong = "00".repeat(32);
        store.put(MANIFEST, Manifests.toJson(m.toBuilder().setObjects(0, m.getObjects(0).toBuilder().setSha256(wrong)).build()));
        Path target = restoreInto("t");
        BackupFailure e = assertThrows(BackupFailure.class,
                () -> new RestoreRunner(FakeTools.restore(dir.resolve("rbin"))).restore(store, ACME, "b1", key, target));
        assertEquals(AgentReason.AGENT_REASON_OBJECT_STORE_ERROR, e.code());
        assertTrue(e.getMessage().startsWith(DATA + " does not match its checksum: sha256 " + m.getObjects(0).getSha256()
                + ", the manifest says " + wrong), e.getMessage());
        assertFalse(Files.exists(target));
    }

    @Test
    void refuses_an_altered_object_before_its_bytes_reach_mbstream() throws Exception {
        runner(FakeTools.succeeding("seq 1 300000")).run(request(), store);
        byte[] bytes = store.get(DATA).readAllBytes();
        bytes[bytes.length / 2] ^= 1;
        store.put(DATA, bytes);
        Path target = restoreInto("t");
        BackupFailure e = assertThrows(BackupFailure.class,
                () -> new RestoreRunner(FakeTools.restore(dir.resolve("rbin"))).restore(store, ACME, "b1", key, target));
        assertTrue(e.getMessage().contains("does not authenticate"), e.getMessage());
        assertFalse(Files.exists(target));
    }

    @Test
    void refuses_another_key() throws Exception {
        runner(FakeTools.succeeding("seq 1 100")).run(request(), store);
        BackupFailure e = assertThrows(BackupFailure.class, () -> new RestoreRunner(FakeTools.restore(dir.resolve("rbin")))
                .restore(store, ACME, "b1", new BackupKey("k2", new byte[32]), restoreInto("t")));
        assertEquals("backup b1 is encrypted with key \"k1\", not \"k2\"", e.getMessage());
    }
}
