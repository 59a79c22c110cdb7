package dev.marina.agent.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.agent.InstanceIdentity;
import dev.marina.agent.backup.BackupKey;
import dev.marina.objectstore.ObjectStore;
import dev.marina.objectstore.ObjectStoreException;
import dev.marina.objectstore.StoredObjectInfo;
import dev.marina.schemas.v1.AgentEvent;
import dev.marina.schemas.v1.ArchivedBinlog;
import dev.marina.schemas.v1.DeploymentRef;
import dev.marina.service.Timestamps;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The archiver's rules with a server of synthetic binary logs and a store in memory; the real ones are in BinlogArchiveIT. */
class BinlogArchiverTest {

    private static final DeploymentRef DEPLOYMENT = DeploymentRef.newBuilder().setTenant("acme").setName("shop").build();
    private static final BackupKey KEY = new BackupKey("bk-1", new byte[32]);

    @TempDir
    Path dir;

    private final MovableClock clock = new MovableClock(Instant.parse("2026-12-01T10:00:00Z"));
    private final MemoryStore store = new MemoryStore();
    private final List<AgentEvent> events = new CopyOnWriteArrayList<>();
    private final AtomicReference<BinlogArchiver.Plan> plan = new AtomicReference<>();
    private FakeServer server;
    private BinlogArchiver archiver;

    @BeforeEach
    void setUp() {
        server = new FakeServer(dir);
        plan.set(archiving("0-1-0"));
        archiver = new BinlogArchiver(new InstanceIdentity("shop-1", "acme/shop", "127.10.0.3"), server, () -> store, plan::get, events::add,
                clock, Duration.ofSeconds(2));
    }

    @AfterEach
    void tearDown() {
        archiver.close();
    }

    private static BinlogArchiver.Plan archiving(String keepAfter) {
        return new BinlogArchiver.Plan(true, Optional.of(new BinlogArchiver.Session(1, "0-1-0", KEY, keepAfter)));
    }

    @Test
    void archives_closed_files_and_purges_only_archived_ones_up_to_keep_after_gtid() {
        server.commit(10);
        archiver.passNow(); // rotates: mariadb-bin.000001 (1..10) closed and archived
        server.commit(5);
        archiver.passNow(); // 000002 (11..15)
        assertEquals(List.of("mariadb-bin.000001", "mariadb-bin.000002"), indexNames());
        assertEquals(Boolean.TRUE, server.keep, "binary logs kept from expiring while archiving");
        assertEquals(List.of("mariadb-bin.000001", "mariadb-bin.000002", "mariadb-bin.000003"), server.names, "keep_after 0-1-0: none purged");

        plan.set(archiving("0-1-12"));
        archiver.passNow();
        assertEquals(List.of("mariadb-bin.000002", "mariadb-bin.000003"), server.names, "000002 holds 11..15, after 0-1-12: kept");
        ArchivedBinlog first = ArchiveIndex.read(store, DEPLOYMENT).get(0);
        assertEquals("0-1-1", first.getFirstGtid());
        assertEquals("0-1-10", first.getLastGtid());
        assertEquals("0-1-0", first.getStartState());
        assertEquals(BinlogArchiver.FORMAT, first.getFormat());
        assertTrue(events.stream().anyMatch(e -> e.getArchive().getArchivedFiles() == 2 && e.getCommandId().isEmpty()));
    }

    @Test
    void an_idle_primary_reports_its_archive_covering_until_now_and_a_write_stops_that_until_archived() {
        server.commit(10);
        archiver.passNow(); // 000001 (1..10) archived; its rotation is the covered time
        Instant rotated = covered(archiver.coverage());
        clock.move(Duration.ofSeconds(40));
        archiver.passNow(); // nothing moved, nothing pending: everything committed before now is archived
        Instant idle = clock.instant();
        assertEquals(idle, covered(archiver.coverage()), "covered until the idle pass, not the last rotation " + rotated);
        assertTrue(events.stream().anyMatch(e -> e.getReason().contains("up to date") && covered(e.getArchive()).equals(idle)),
                "the idle primary reports it: " + events);
        events.clear();
        clock.move(Duration.ofSeconds(2));
        archiver.passNow();
        assertTrue(events.isEmpty(), "not reported again within " + BinlogArchiver.QUIET_REPORT + ": " + events);

        server.commit(1); // a write the archive lacks until the next rotation
        plan.set(new BinlogArchiver.Plan(true, Optional.of(new BinlogArchiver.Session(1, "0-1-0", KEY, "0-1-0"))));
        archiver.passNow(); // rotates and archives 000002 (11)
        Instant afterWrite = covered(archiver.coverage());
        assertTrue(!afterWrite.isAfter(clock.instant()), "never past the pass that archived it");
        assertEquals(11, archiver.coverage().getRuns(0).getLastSeq());
    }

    private static Instant covered(dev.marina.schemas.v1.ArchiveCoverage coverage) {
        return dev.marina.service.Timestamps.toInstant(coverage.getRuns(coverage.getRunsCount() - 1).getCoveredUntil());
    }

    @Test
    void with_the_store_down_nothing_is_purged_the_failure_is_reported_and_retried_after_a_pause() {
        plan.set(archiving(""));
        server.commit(10);
        archiver.passNow(); // 000001 (1..10) archived; keep_after_gtid empty: nothing purged
        plan.set(archiving("0-1-100"));
        store.down = true;
        server.commit(10);
        archiver.passNow(); // 000002 (11..20) closed, its upload fails
        assertEquals(2, server.rotations);
        AgentEvent failure = events.get(events.size() - 1);
        assertTrue(failure.getArchive().getLastError().contains("store down"), failure.getArchive().getLastError());
        assertTrue(failure.getArchive().getArchiving());
        assertEquals(1, failure.getArchive().getPendingFiles());
        assertEquals(List.of("mariadb-bin.000001", "mariadb-bin.000002", "mariadb-bin.000003"), server.names,
                "nothing purged, not even the archived file keep_after_gtid allows");

        server.commit(10);
        archiver.scheduledPassNow();
        assertEquals(2, server.rotations, "within the pause nothing is tried");
        clock.move(Duration.ofSeconds(5));
        archiver.scheduledPassNow();
        assertEquals(3, server.rotations, "tried again after the pause");
        assertEquals(2, archiver.coverage().getPendingFiles());

        store.down = false;
        clock.move(Duration.ofSeconds(30));
        archiver.scheduledPassNow();
        assertEquals(List.of("mariadb-bin.000001", "mariadb-bin.000002", "mariadb-bin.000003"), indexNames());
        assertEquals(List.of("mariadb-bin.000004"), server.names, "archived, then purged up to keep_after_gtid");
        assertEquals(0, archiver.coverage().getPendingFiles());
        assertEquals(1, ArchiveChain.of(ArchiveIndex.read(store, DEPLOYMENT)).runs().size());
    }

    @Test
    void a_file_the_archive_covers_already_is_not_uploaded_again() {
        // Another instance (the old primary) archived 1..10; this server's first file repeats them.
        server.commit(10);
        archiver.passNow();
        String key = ArchiveIndex.keyOf(ArchiveIndex.read(store, DEPLOYMENT).get(0));
        ArchivedBinlog theirs = ArchiveIndex.read(store, DEPLOYMENT).get(0).toBuilder().setInstanceId("shop-0").build();
        store.objects.remove(key);
        ArchiveIndex.write(store, theirs);
        archiver.close();
        archiver = new BinlogArchiver(new InstanceIdentity("shop-1", "acme/shop", "127.10.0.3"), server, () -> store, plan::get, events::add,
                clock, Duration.ofSeconds(2));
        server.commit(3);
        archiver.passNow();
        List<ArchivedBinlog> entries = ArchiveIndex.read(store, DEPLOYMENT);
        assertEquals(List.of("shop-0/mariadb-bin.000001", "shop-1/mariadb-bin.000002"),
                entries.stream().map(e -> e.getInstanceId() + "/" + e.getFileName()).toList());
        assertEquals(1, ArchiveChain.of(entries).runs().size());
    }

    @Test
    void a_file_name_archived_before_with_other_contents_is_never_overwritten() {
        server.commit(10);
        archiver.passNow();
        ArchivedBinlog mine = ArchiveIndex.read(store, DEPLOYMENT).get(0);
        ArchiveIndex.write(store, mine.toBuilder().setSizeBytes(mine.getSizeBytes() + 1).build()); // as if another server's file
        archiver.close();
        archiver = new BinlogArchiver(new InstanceIdentity("shop-1", "acme/shop", "127.10.0.3"), server, () -> store, plan::get, events::add,
                clock, Duration.ofSeconds(2));
        plan.set(archiving("0-1-100"));
        server.commit(2);
        archiver.passNow();
        assertEquals(mine.getSizeBytes() + 1, ArchiveIndex.read(store, DEPLOYMENT).get(0).getSizeBytes(), "entry untouched");
        assertTrue(archiver.coverage().getLastError().contains("mariadb-bin.000001"), archiver.coverage().getLastError());
        assertTrue(server.names.contains("mariadb-bin.000001"), "kept on the server");
    }

    @Test
    void stops_when_no_longer_a_writable_primary_and_lets_binary_logs_expire_when_told() {
        server.commit(1);
        archiver.passNow();
        assertTrue(archiver.coverage().getArchiving());
        plan.set(BinlogArchiver.Plan.idle(true));
        server.commit(4);
        int rotations = server.rotations;
        archiver.passNow();
        assertFalse(archiver.coverage().getArchiving());
        assertEquals(rotations, server.rotations, "a fenced primary rotates nothing");
        assertFalse(events.get(events.size() - 1).getArchive().getArchiving(), "the stop is reported");
        plan.set(BinlogArchiver.Plan.idle(false));
        archiver.passNow();
        assertEquals(Boolean.FALSE, server.keep);
    }

    private List<String> indexNames() {
        return ArchiveIndex.read(store, DEPLOYMENT).stream().map(ArchivedBinlog::getFileName).toList();
    }

    /** A server whose binary logs are synthetic files: commit() adds transactions to the open one, rotation closes it. */
    static final class FakeServer implements BinlogServer {
        final Path dir;
        final List<String> names = new ArrayList<>();
        long seq;
        long openFrom = 1;
        int rotations;
        Boolean keep;

        FakeServer(Path dir) {
            this.dir = dir;
            names.add(name(1));
            write(names.get(0), false);
        }

        private static String name(int n) {
            return String.format("mariadb-bin.%06d", n);
        }

        void commit(int n) {
            seq += n;
            write(names.get(names.size() - 1), false);
        }

        private void write(String name, boolean closed) {
            BinlogFileTest.Writer w = new BinlogFileTest.Writer(true, !closed).gtidList(new long[][] {{0, 1, openFrom - 1}});
            for (long s = openFrom; s <= seq; s++) {
                w.transaction(1_700_000_000 + s, 0, 1, s);
            }
            if (closed) {
                w.rotate(1_700_000_000 + seq + 1);
            }
            try {
                Files.write(dir.resolve(name), w.bytes());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public String binlogPosition() {
            return seq == 0 ? "" : "0-1-" + seq;
        }

        @Override
        public void rotateBinaryLogs() {
            rotations++;
            write(names.get(names.size() - 1), true);
            openFrom = seq + 1;
            int next = Integer.parseInt(names.get(names.size() - 1).substring("mariadb-bin.".length())) + 1;
            names.add(name(next));
            write(name(next), false);
        }

        @Override
        public List<BinaryLog> binaryLogs() {
            return names.stream().map(n -> new BinaryLog(n, size(n))).toList();
        }

        private long size(String name) {
            try {
                return Files.size(dir.resolve(name));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public Path binaryLogFile(String name) {
            return dir.resolve(name);
        }

        @Override
        public void purgeBinaryLogsTo(String name) {
            while (!names.get(0).equals(name)) {
                names.remove(0);
            }
        }

        @Override
        public void keepBinaryLogs(boolean keep) {
            this.keep = keep;
        }
    }

    /** The store in memory; {@code down} makes every call fail as an unreachable store does. */
    static final class MemoryStore implements ObjectStore {
        final Map<String, byte[]> objects = new TreeMap<>();
        volatile boolean down;

        private void check(String key) {
            if (down) {
                throw new ObjectStoreException("store down: " + key);
            }
        }

        @Override
        public synchronized StoredObjectInfo put(String key, InputStream content) {
            check(key);
            try {
                return put(key, content.readAllBytes());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public synchronized StoredObjectInfo put(String key, byte[] content) {
            check(key);
            objects.put(key, content.clone());
            return new StoredObjectInfo(key, content.length, Instant.EPOCH);
        }

        @Override
        public synchronized InputStream get(String key) {
            check(key);
            byte[] bytes = objects.get(key);
            if (bytes == null) {
                throw new ObjectStoreException("no object " + key);
            }
            return new ByteArrayInputStream(bytes);
        }

        @Override
        public synchronized Optional<StoredObjectInfo> head(String key) {
            check(key);
            return Optional.ofNullable(objects.get(key)).map(b -> new StoredObjectInfo(key, b.length, Instant.EPOCH));
        }

        @Override
        public synchronized List<StoredObjectInfo> list(String keyPrefix) {
            check(keyPrefix);
            return objects.entrySet().stream().filter(e -> e.getKey().startsWith(keyPrefix))
                    .map(e -> new StoredObjectInfo(e.getKey(), e.getValue().length, Instant.EPOCH)).toList();
        }

        @Override
        public synchronized void delete(String key) {
            objects.remove(key);
        }

        @Override
        public void close() {}
    }

    static final class MovableClock extends Clock {
        private volatile Instant now;

        MovableClock(Instant now) {
            this.now = now;
        }

        void move(Duration by) {
            now = now.plus(by);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
