package dev.marina.objectstore;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.marina.objectstore.local.LocalObjectStore;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Against a real s3proxy (started for this class by {@link LocalObjectStore}), as the platform runs it locally. */
class S3ObjectStoreIT {

    private static final int MIB = 1024 * 1024;

    private static LocalObjectStore server;
    private S3ObjectStore store;

    @BeforeAll
    static void startServer() throws IOException {
        String root = System.getProperty("marina.root");
        if (root == null || root.isBlank()) {
            fail("system property marina.root (the repository root, where object-store/target/s3proxy.jar is) is not set;"
                    + " run the tests through Maven");
        }
        server = LocalObjectStore.start(Path.of(root), Files.createTempDirectory("marina-object-store-it-"),
                LocalObjectStore.freePort());
    }

    @AfterAll
    static void stopServer() throws IOException {
        if (server != null) {
            server.stop();
            try (Stream<Path> paths = Files.walk(server.dir())) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @BeforeEach
    void openStore() {
        store = new S3ObjectStore(server.config().withPrefix("it/" + UUID.randomUUID()));
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    @Test
    void streamsA21MiBObjectInPartsAndReadsItBack() throws IOException {
        long size = 21L * MIB + 123;
        StoredObjectInfo stored = store.put("backups/full.xb", new PatternStream(size, 7, -1));
        assertEquals(new StoredObjectInfo("backups/full.xb", size, stored.lastModified()), stored);
        try (InputStream in = store.get("backups/full.xb")) {
            assertEquals(sha256(new PatternStream(size, 7, -1)), sha256(in));
        }
        assertEquals(Optional.of(stored), store.head("backups/full.xb"));
        assertEquals(List.of(), store.pendingUploads(""));
    }

    @Test
    void storesASmallObjectInOneRequestFromBytesOrAStream() throws IOException {
        byte[] manifest = "{\"backup\":\"b-1\"}".getBytes(StandardCharsets.UTF_8);
        assertEquals(manifest.length, store.put("manifest.json", manifest).size());
        try (InputStream in = store.get("manifest.json")) {
            assertArrayEquals(manifest, in.readAllBytes());
        }
        assertEquals(0, store.put("empty", new byte[0]).size());
        store.put("small-stream", new PatternStream(1000, 3, -1));
        try (InputStream in = store.get("small-stream")) {
            assertEquals(sha256(new PatternStream(1000, 3, -1)), sha256(in));
        }
    }

    @Test
    void listsKeysUnderAPrefixInKeyOrderRelativeToTheStorePrefix() {
        for (String key : List.of("binlog/b/2", "binlog/a/1", "binlog/b/1", "backup/x", "binlog-other")) {
            store.put(key, key.getBytes(StandardCharsets.UTF_8));
        }
        assertEquals(List.of("binlog/a/1", "binlog/b/1", "binlog/b/2"),
                store.list("binlog/").stream().map(StoredObjectInfo::key).toList());
        assertEquals(5, store.list("").size());
        assertEquals("binlog/b/2".length(), store.list("binlog/b/2").get(0).size());
        try (S3ObjectStore other = new S3ObjectStore(store.config().withPrefix("it/" + UUID.randomUUID()))) {
            assertEquals(List.of(), other.list(""), "another prefix sees none of these keys");
        }
    }

    @Test
    void listsEveryPageBeyondAThousandKeys() {
        for (int i = 0; i < 1003; i++) {
            store.put(String.format("many/%04d", i), new byte[] {(byte) i});
        }
        List<StoredObjectInfo> all = store.list("many/");
        assertEquals(1003, all.size());
        assertEquals("many/1002", all.get(1002).key());
    }

    @Test
    void aMissingKeyIsNotFoundOnGetEmptyOnHeadAndNoErrorOnDelete() {
        ObjectStoreException.NotFound e = assertThrows(ObjectStoreException.NotFound.class, () -> store.get("nothing/here"));
        assertTrue(e.getMessage().contains("nothing/here"), e.getMessage());
        assertEquals(Optional.empty(), store.head("nothing/here"));
        store.delete("nothing/here");
    }

    @Test
    void deleteRemovesTheObject() {
        store.put("gone", new byte[] {1});
        store.delete("gone");
        assertEquals(Optional.empty(), store.head("gone"));
    }

    @Test
    void anUploadWhoseStreamFailsMidwayLeavesNoObjectAndNoParts() {
        ObjectStoreException e = assertThrows(ObjectStoreException.class,
                () -> store.put("backups/broken.xb", new PatternStream(30L * MIB, 5, 19L * MIB)));
        assertTrue(e.getMessage().contains("backups/broken.xb") && e.getMessage().contains("aborted"), e.getMessage());
        assertEquals(Optional.empty(), store.head("backups/broken.xb"));
        assertEquals(List.of(), store.list(""));
        assertEquals(List.of(), store.pendingUploads(""), "a multipart upload was left behind");
    }

    @Test
    void pendingUploadsShowsAnUploadLeftOpen() {
        String fullKey = store.config().prefix() + "/left-open";
        String uploadId = store.client().createMultipartUpload(b -> b.bucket("marina").key(fullKey)).uploadId();
        try {
            assertEquals(List.of("left-open"), store.pendingUploads(""));
        } finally {
            store.client().abortMultipartUpload(b -> b.bucket("marina").key(fullKey).uploadId(uploadId));
        }
        assertEquals(List.of(), store.pendingUploads(""));
    }

    @Test
    void anUploadWhoseStreamFailsInItsFirstPartStoresNothing() {
        ObjectStoreException e = assertThrows(ObjectStoreException.class,
                () -> store.put("early", new PatternStream(30L * MIB, 5, MIB)));
        assertTrue(e.getMessage().contains("early") && e.getMessage().contains("nothing was stored"), e.getMessage());
        assertEquals(Optional.empty(), store.head("early"));
        assertEquals(List.of(), store.pendingUploads(""));
    }

    @Test
    void aStoreNobodyListensAtFailsQuicklyNamingTheEndpointAndTheKey() {
        URI closed = URI.create("http://127.0.0.1:" + LocalObjectStore.freePort());
        ObjectStoreConfig c = ObjectStoreConfig.of(closed, "marina", "x", "k", "s");
        try (S3ObjectStore unreachable = new S3ObjectStore(c)) {
            long started = System.nanoTime();
            ObjectStoreException e = assertThrows(ObjectStoreException.class, () -> unreachable.put("manifest.json", new byte[] {1}));
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            assertTrue(took.compareTo(Duration.ofSeconds(15)) < 0, "took " + took);
            assertTrue(e.getMessage().contains("object store at " + closed + " unreachable") && e.getMessage().contains("manifest.json"),
                    e.getMessage());
            assertThrows(ObjectStoreException.class, () -> unreachable.get("a"));
            assertThrows(ObjectStoreException.class, () -> unreachable.head("a"));
            assertThrows(ObjectStoreException.class, () -> unreachable.list(""));
        }
    }

    @Test
    void aStoppedServerIsReportedAndARestartKeepsDataAndCredentials() throws IOException {
        store.put("kept", "still here".getBytes(StandardCharsets.UTF_8));
        ObjectStoreConfig before = server.config();
        server.stop();
        try {
            long started = System.nanoTime();
            ObjectStoreException e = assertThrows(ObjectStoreException.class, () -> store.head("kept"));
            assertTrue(Duration.ofNanos(System.nanoTime() - started).compareTo(Duration.ofSeconds(15)) < 0);
            assertTrue(e.getMessage().contains("object store at " + server.endpoint() + " unreachable"), e.getMessage());
        } finally {
            server.restart();
        }
        assertEquals(before, server.config(), "the credentials changed over a restart");
        try (InputStream in = store.get("kept")) {
            assertEquals("still here", new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void wrongCredentialsAreRefusedWithTheStoresAnswer() {
        ObjectStoreConfig c = server.config();
        ObjectStoreConfig wrong = new ObjectStoreConfig(c.endpoint(), c.region(), c.bucket(), "x", true, c.accessKey(), "not-the-secret");
        try (S3ObjectStore refused = new S3ObjectStore(wrong)) {
            ObjectStoreException e = assertThrows(ObjectStoreException.class, () -> refused.put("k", new byte[] {1}));
            assertTrue(e.getMessage().contains("HTTP 403") && e.getMessage().contains("k (s3://marina/x/k)"), e.getMessage());
            assertTrue(!e.getMessage().contains(c.secretKey()), e.getMessage());
        }
    }

    private static String sha256(InputStream in) throws IOException {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[64 * 1024];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * {@code size} pseudo-random bytes made as they are read (each a function of its position and the seed, however
     * the stream is read); with {@code failAt >= 0} it throws once that many were read.
     */
    private static final class PatternStream extends InputStream {
        private final long seed;
        private final long size;
        private final long failAt;
        private long position;

        PatternStream(long size, long seed, long failAt) {
            this.seed = seed;
            this.size = size;
            this.failAt = failAt;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (failAt >= 0 && position >= failAt) {
                throw new IOException("disk read error (simulated) at byte " + position);
            }
            if (position >= size) {
                return -1;
            }
            long limit = failAt >= 0 ? Math.min(size, failAt) : size;
            int n = (int) Math.min(len, Math.max(1, limit - position));
            for (int i = 0; i < n; i++) {
                long x = (position + i) * 0x9E3779B97F4A7C15L + seed;
                b[off + i] = (byte) ((x ^ (x >>> 29)) >>> 21);
            }
            position += n;
            return n;
        }
    }
}
