package dev.marina.agent.archive;

import dev.marina.agent.InstanceIdentity;
import dev.marina.agent.backup.BackupKey;
import dev.marina.agent.backup.ObjectStoreFactory;
import dev.marina.agent.replication.GtidPosition;
import dev.marina.objectstore.ObjectKeys;
import dev.marina.objectstore.ObjectStore;
import dev.marina.objectstore.StoredObjectInfo;
import dev.marina.schemas.v1.AgentEvent;
import dev.marina.schemas.v1.AgentOutcome;
import dev.marina.schemas.v1.ArchiveCoverage;
import dev.marina.schemas.v1.ArchivedBinlog;
import dev.marina.schemas.v1.DeploymentRef;
import dev.marina.schemas.v1.StoredObject;
import dev.marina.service.Timestamps;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Archives a writable primary's binary logs into the deployment's object store (see DESIGN.md beside it). One thread;
 * every interval it asks the command handler what to do ({@link Plan}): archive as long as the instance is a writable
 * primary with archiving enabled, stop as soon as it is not (fenced, demoted, destroyed).
 *
 * <p>A pass: rotate when {@code @@gtid_binlog_pos} moved since the last rotation; upload every closed file this
 * instance has not archived and the archive does not cover yet (encrypted while streamed, then its index entry); then
 * purge what is archived or covered and wholly at or before {@code keep_after_gtid}. A failure (the store down, the
 * server not answering) purges nothing, is reported, and the pass is tried again with a growing pause (at most
 * {@link #MAX_BACKOFF}). After each upload and each failure an unasked {@link AgentEvent} carries the coverage.
 */
public final class BinlogArchiver implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(BinlogArchiver.class);

    public static final String FORMAT = "binlog+aes-256-gcm-segments";
    public static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    /** The index is read again this often (another writer, a removed entry); in between the chain lives in memory. */
    public static final Duration CHAIN_RELOAD = Duration.ofMinutes(10);
    /** How often an idle primary reports that its archive still covers everything (nothing else to report then). */
    public static final Duration QUIET_REPORT = Duration.ofSeconds(30);

    /** What the archiver is to do now: keep the binary logs from expiring or not, and archive (a session) or not. */
    public record Plan(boolean keepBinlogs, Optional<Session> session) {
        public static Plan idle(boolean keepBinlogs) {
            return new Plan(keepBinlogs, Optional.empty());
        }
    }

    /**
     * Archiving as primary at {@code epoch}, having become primary at {@code promotedAt}; the deployment's key; files
     * with transactions after {@code keepAfterGtid} stay on the server ("" keeps every file).
     */
    public record Session(long epoch, String promotedAt, BackupKey key, String keepAfterGtid) {}

    private final InstanceIdentity identity;
    private final DeploymentRef deployment;
    private final BinlogServer server;
    private final ObjectStoreFactory stores;
    private final Supplier<Plan> plans;
    private final Consumer<AgentEvent> events;
    private final Clock clock;
    private final Duration interval;
    private final ScheduledExecutorService thread;

    // Touched on the archiver's thread only.
    private ObjectStore store;
    private List<ArchivedBinlog> entries;
    private ArchiveChain chain;
    private Instant chainLoadedAt;
    private Session active;
    private long lastEpoch;
    private Boolean keepApplied;
    private String rotatedPosition;
    private final Map<String, Instant> rotatedAt = new HashMap<>();
    private final Map<String, BinlogFile> scans = new HashMap<>();
    private final Set<String> covered = new HashSet<>();
    private int failures;
    /** This pass is meant to archive (or could not tell): its failure is reported on the topic, not only logged. */
    private boolean wanted;
    private Instant retryAt;
    private Instant lastUploadAt;
    private String lastError = "";
    private Instant lastErrorAt;
    private long pending;
    /**
     * Every transaction committed before this time is archived: the server's position had not moved since the last
     * rotation when it was read, and no closed file was waiting. Carries the last run's covered_until past the last
     * rotation while the primary is idle, so a restore can reach "now" without writes.
     */
    private Instant quietUntil;
    private Instant quietPublishedAt;
    private volatile ArchiveCoverage coverage;
    private volatile boolean indexRead;

    public BinlogArchiver(InstanceIdentity identity, BinlogServer server, ObjectStoreFactory stores, Supplier<Plan> plans,
            Consumer<AgentEvent> events, Clock clock, Duration interval) {
        this.identity = identity;
        this.deployment = identity.deployment();
        this.server = server;
        this.stores = stores;
        this.plans = plans;
        this.events = events;
        this.clock = clock;
        this.interval = interval;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "binlog-archiver-" + identity.instanceId());
            t.setDaemon(true);
            return t;
        });
        this.coverage = ArchiveCoverage.newBuilder().setDeployment(deployment).setInstanceId(identity.instanceId()).build();
    }

    /** Runs a pass every interval from now on. */
    public BinlogArchiver start() {
        thread.scheduleWithFixedDelay(this::tick, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    /** One pass now, on the archiver's thread; waits for it (tests, and an answer that wants the latest coverage). */
    public void passNow() {
        await(() -> {
            retryAt = null;
            tick();
            return null;
        });
    }

    /** One pass now as the schedule would run it (a pause after a failure holds); waits for it. */
    void scheduledPassNow() {
        await(() -> {
            tick();
            return null;
        });
    }

    /**
     * The coverage now: the last computed once the index was read (no wait behind an upload); else the index is read
     * first, on the archiver's thread (e.g. a replica told to archive).
     */
    public ArchiveCoverage coverageNow() {
        if (indexRead) {
            return coverage;
        }
        return await(() -> {
            if (chain == null) {
                try {
                    loadChain();
                } catch (RuntimeException e) {
                    lastError = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                    lastErrorAt = clock.instant();
                    closeStore();
                }
            }
            return computeCoverage();
        });
    }

    /** The coverage last computed (any thread). */
    public ArchiveCoverage coverage() {
        return coverage;
    }

    private <T> T await(java.util.concurrent.Callable<T> task) {
        try {
            return thread.submit(task).get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("the binary-log archiver failed: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("the binary-log archiver did not answer within 60 s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the binary-log archiver", e);
        }
    }

    private void tick() {
        try {
            wanted = true;
            Plan plan = plans.get();
            wanted = plan.session().isPresent();
            if (keepApplied == null || keepApplied != plan.keepBinlogs()) {
                server.keepBinaryLogs(plan.keepBinlogs());
                keepApplied = plan.keepBinlogs();
                LOG.infof("binary logs expiry set deployment=%s instance=%s keep_until_archived=%s", identity.deploymentKey(),
                        identity.instanceId(), plan.keepBinlogs());
            }
            if (plan.session().isEmpty()) {
                if (active != null) {
                    LOG.infof("binary-log archiving stopped deployment=%s instance=%s epoch=%d", identity.deploymentKey(),
                            identity.instanceId(), active.epoch());
                    active = null;
                    closeStore();
                    publish(computeCoverage(), "binary-log archiving stopped");
                }
                return;
            }
            Session session = plan.session().get();
            Instant now = clock.instant();
            if (retryAt != null && now.isBefore(retryAt)) {
                return;
            }
            boolean starting = active == null || active.epoch() != session.epoch();
            if (starting) {
                LOG.infof("binary-log archiving started deployment=%s instance=%s epoch=%d promoted_at=%s keep_after=%s",
                        identity.deploymentKey(), identity.instanceId(), session.epoch(), session.promotedAt(), session.keepAfterGtid());
                chain = null; // read the index afresh for a new session
                rotatedPosition = null;
                quietUntil = null;
            }
            active = session;
            lastEpoch = session.epoch();
            int uploaded = pass(session);
            failures = 0;
            retryAt = null;
            if (starting && uploaded == 0) {
                publish(computeCoverage(), "binary-log archiving started");
                quietPublishedAt = now;
            } else if (uploaded > 0) {
                quietPublishedAt = now;
            } else if (quietUntil != null && (quietPublishedAt == null
                    || Duration.between(quietPublishedAt, now).compareTo(QUIET_REPORT) >= 0)) {
                publish(computeCoverage(), "binary-log archive up to date");
                quietPublishedAt = now;
            }
        } catch (RuntimeException | IOException e) {
            failed(e);
        } catch (Error e) {
            LOG.errorf(e, "binary-log archiver pass broke deployment=%s instance=%s", identity.deploymentKey(), identity.instanceId());
            throw e;
        }
    }

    private void failed(Exception e) {
        failures++;
        Instant now = clock.instant();
        long pause = Math.min(MAX_BACKOFF.toMillis(), interval.toMillis() << Math.min(failures, 20));
        retryAt = now.plusMillis(pause);
        lastError = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        lastErrorAt = now;
        closeStore(); // a fresh client next time
        LOG.warnf("%s deployment=%s instance=%s failures=%d retry_in_ms=%d reason=%s",
                wanted ? "binary-log archiving failed" : "binary log expiry not set", identity.deploymentKey(), identity.instanceId(),
                failures, pause, lastError);
        if (wanted) {
            publish(computeCoverage(), "binary-log archiving failed: " + lastError);
        }
    }

    /** One pass; returns how many files it uploaded. */
    private int pass(Session session) throws IOException {
        Instant now = clock.instant();
        if (chain == null || chainLoadedAt == null || Duration.between(chainLoadedAt, now).compareTo(CHAIN_RELOAD) > 0) {
            loadChain();
        }
        Instant checkedAt = clock.instant();
        String position = server.binlogPosition();
        boolean moved = !position.equals(rotatedPosition);
        if (moved) {
            quietUntil = null;
        }
        if (moved) {
            List<BinlogServer.BinaryLog> before = server.binaryLogs();
            Instant at = clock.instant();
            server.rotateBinaryLogs();
            if (!before.isEmpty()) {
                rotatedAt.put(before.get(before.size() - 1).name(), at);
            }
            rotatedPosition = position;
        }
        List<BinlogServer.BinaryLog> logs = server.binaryLogs();
        List<String> closed = logs.stream().limit(Math.max(0, logs.size() - 1)).map(BinlogServer.BinaryLog::name).toList();
        Set<String> mine = archivedHere();
        List<String> reused = reusedNames(logs);
        List<String> todo = closed.stream().filter(f -> !mine.contains(f) && !covered.contains(f)).toList();
        pending = todo.size();
        int uploaded = 0;
        for (String name : todo) {
            BinlogFile scan = scan(name);
            GtidPosition.Gtid first = ArchiveChain.domainZero(scan.firstGtid());
            GtidPosition.Gtid last = ArchiveChain.domainZero(scan.lastGtid());
            if (scan.transactions() == 0 || (first != null && last != null && chain.covers(first.sequence(), last.sequence()))) {
                covered.add(name);
                pending--;
                continue;
            }
            upload(session, scan);
            pending--;
            uploaded++;
            publish(computeCoverage(), "binary log " + name + " archived");
        }
        purge(session, logs, archivedHere(), reused);
        if (!moved && pending == 0 && reused.isEmpty()) {
            quietUntil = checkedAt;
        }
        coverage = computeCoverage();
        if (!reused.isEmpty()) {
            // Never overwritten: the archive shows the gap, a replay refuses to cross it, the files stay on the server.
            throw new IllegalStateException("binary log file names " + reused + " of this instance are archived already with other contents"
                    + " (a rebuilt server numbering its files anew): not archived, kept on the server");
        }
        return uploaded;
    }

    private void loadChain() {
        ObjectStore s = store();
        entries = new ArrayList<>(ArchiveIndex.read(s, deployment));
        chain = ArchiveChain.of(entries);
        chainLoadedAt = clock.instant();
        indexRead = true;
        if (!chain.ignored().isEmpty()) {
            LOG.infof("archive index entries not used deployment=%s count=%d first=%s", identity.deploymentKey(), chain.ignored().size(),
                    chain.ignored().get(0).entry().getFileName() + ": " + chain.ignored().get(0).reason());
        }
    }

    /** This instance's archived names whose file on the server now has another size: a server that numbers its files anew. */
    private List<String> reusedNames(List<BinlogServer.BinaryLog> logs) {
        Map<String, Long> sizes = new HashMap<>();
        for (ArchivedBinlog entry : entries) {
            if (entry.getInstanceId().equals(identity.instanceId())) {
                sizes.put(entry.getFileName(), entry.getSizeBytes());
            }
        }
        List<String> reused = new ArrayList<>();
        for (int i = 0; i < logs.size() - 1; i++) {
            Long archived = sizes.get(logs.get(i).name());
            if (archived != null && archived != logs.get(i).sizeBytes()) {
                reused.add(logs.get(i).name());
            }
        }
        return reused;
    }

    private Set<String> archivedHere() {
        Set<String> names = new HashSet<>();
        for (ArchivedBinlog entry : entries) {
            if (entry.getInstanceId().equals(identity.instanceId())) {
                names.add(entry.getFileName());
            }
        }
        return names;
    }

    private BinlogFile scan(String name) throws IOException {
        BinlogFile known = scans.get(name);
        if (known != null) {
            return known;
        }
        BinlogFile scanned = BinlogFile.scan(server.binaryLogFile(name));
        scans.put(name, scanned);
        return scanned;
    }

    private void upload(Session session, BinlogFile scan) throws IOException {
        long started = System.nanoTime();
        String name = scan.fileName();
        Path path = server.binaryLogFile(name);
        String dataKey = ObjectKeys.binlogData(deployment.getTenant(), deployment.getName(), identity.instanceId(), name);
        StoredObjectInfo stored;
        SealedFileStream sealed = new SealedFileStream(path, session.key());
        try (sealed) {
            stored = store().put(dataKey, sealed);
        }
        if (!sealed.ended() || sealed.plainBytes() != scan.sizeBytes()) {
            throw new IllegalStateException("binary log " + name + " changed while it was archived (" + sealed.plainBytes() + " bytes read, "
                    + scan.sizeBytes() + " scanned)");
        }
        if (stored.size() != sealed.storedBytes()) {
            throw new IllegalStateException("the store holds " + stored.size() + " bytes at " + dataKey + ", " + sealed.storedBytes()
                    + " were written");
        }
        Instant now = clock.instant();
        ArchivedBinlog.Builder entry = ArchivedBinlog.newBuilder()
                .setDeployment(deployment)
                .setInstanceId(identity.instanceId())
                .setEpoch(session.epoch())
                .setFileName(name)
                .setStartState(scan.startState())
                .setFirstGtid(scan.firstGtid())
                .setLastGtid(scan.lastGtid())
                .setTransactions(scan.transactions())
                .setObject(StoredObject.newBuilder().setKey(dataKey).setStoredBytes(sealed.storedBytes()).setSha256(sealed.storedSha256()))
                .setSizeBytes(scan.sizeBytes())
                .setFormat(FORMAT)
                .setKeyId(session.key().id())
                .setArchivedAt(Timestamps.of(now))
                .setRotatedAt(Timestamps.of(rotationOf(name, path)))
                .setPromotedAtPosition(session.promotedAt());
        if (scan.firstEventAt() != null) {
            entry.setFirstEventAt(Timestamps.of(scan.firstEventAt())).setLastEventAt(Timestamps.of(scan.lastEventAt()));
        }
        ArchivedBinlog written = entry.build();
        ArchiveIndex.write(store(), written);
        entries.add(written);
        chain = ArchiveChain.of(entries);
        lastUploadAt = now;
        LOG.infof("binary log archived deployment=%s instance=%s epoch=%d file=%s first=%s last=%s transactions=%d bytes=%d stored_bytes=%d took_ms=%d",
                identity.deploymentKey(), identity.instanceId(), session.epoch(), name, scan.firstGtid(), scan.lastGtid(), scan.transactions(),
                scan.sizeBytes(), sealed.storedBytes(), (System.nanoTime() - started) / 1_000_000);
    }

    /** When the server closed the file: the time noted just before this archiver's FLUSH, else the file's last write. */
    private Instant rotationOf(String name, Path path) {
        Instant noted = rotatedAt.get(name);
        if (noted != null) {
            return noted;
        }
        try {
            return Files.getLastModifiedTime(path).toInstant();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the time of " + path, e);
        }
    }

    /**
     * Removes the oldest closed files while each is archived (by this instance) or covered by the archive, and holds
     * no transaction after keep_after_gtid. Nothing when keep_after_gtid is empty.
     */
    private void purge(Session session, List<BinlogServer.BinaryLog> logs, Set<String> mine, List<String> reused) throws IOException {
        GtidPosition.Gtid keep = ArchiveChain.domainZero(session.keepAfterGtid());
        if (keep == null || logs.size() < 2) {
            return;
        }
        int purgeable = 0;
        for (int i = 0; i < logs.size() - 1; i++) {
            String name = logs.get(i).name();
            if ((!mine.contains(name) && !covered.contains(name)) || reused.contains(name)) {
                break;
            }
            if (lastSeq(name) > keep.sequence()) {
                break;
            }
            purgeable++;
        }
        if (purgeable == 0) {
            return;
        }
        String to = logs.get(purgeable).name();
        try {
            server.purgeBinaryLogsTo(to);
        } catch (RuntimeException e) {
            // e.g. a replica still reads one of them: tried again next pass; the archive itself is fine.
            lastError = "purge: " + e.getMessage();
            lastErrorAt = clock.instant();
            LOG.warnf("binary logs not purged deployment=%s instance=%s to=%s reason=%s", identity.deploymentKey(), identity.instanceId(),
                    to, e.getMessage());
            return;
        }
        for (int i = 0; i < purgeable; i++) {
            String name = logs.get(i).name();
            scans.remove(name);
            covered.remove(name);
            rotatedAt.remove(name);
        }
        LOG.infof("binary logs purged deployment=%s instance=%s files=%d to=%s keep_after=%s", identity.deploymentKey(),
                identity.instanceId(), purgeable, to, session.keepAfterGtid());
    }

    /** The domain-0 seq of a file's last transaction (of the state before it when it has none). */
    private long lastSeq(String name) throws IOException {
        for (ArchivedBinlog entry : entries) {
            if (entry.getInstanceId().equals(identity.instanceId()) && entry.getFileName().equals(name)) {
                GtidPosition.Gtid last = ArchiveChain.domainZero(entry.getLastGtid().isEmpty() ? entry.getStartState() : entry.getLastGtid());
                return last == null ? 0 : last.sequence();
            }
        }
        BinlogFile scan = scan(name);
        GtidPosition.Gtid last = ArchiveChain.domainZero(scan.lastGtid().isEmpty() ? scan.startState() : scan.lastGtid());
        return last == null ? 0 : last.sequence();
    }

    private ArchiveCoverage computeCoverage() {
        ArchiveCoverage.Builder c = ArchiveCoverage.newBuilder()
                .setDeployment(deployment)
                .setInstanceId(identity.instanceId())
                .setEpoch(lastEpoch)
                .setArchiving(active != null)
                .setLastError(lastError)
                .setComputedAt(Timestamps.of(clock.instant()))
                .setArchivedFiles(entries == null ? 0 : entries.size())
                .setPendingFiles(pending);
        if (chain != null) {
            c.addAllRuns(chain.runs());
            int last = c.getRunsCount() - 1;
            if (last >= 0 && active != null && quietUntil != null
                    && quietUntil.isAfter(Timestamps.toInstant(c.getRuns(last).getCoveredUntil()))) {
                c.setRuns(last, c.getRuns(last).toBuilder().setCoveredUntil(Timestamps.of(quietUntil)));
            }
        }
        if (lastUploadAt != null) {
            c.setLastUploadAt(Timestamps.of(lastUploadAt));
        }
        if (lastErrorAt != null) {
            c.setLastErrorAt(Timestamps.of(lastErrorAt));
        }
        ArchiveCoverage computed = c.build();
        coverage = computed;
        return computed;
    }

    private void publish(ArchiveCoverage now, String reason) {
        AgentEvent event = AgentEvent.newBuilder()
                .setCommandId("")
                .setDeployment(deployment)
                .setInstanceId(identity.instanceId())
                .setEpoch(now.getEpoch())
                .setOutcome(AgentOutcome.AGENT_OUTCOME_DONE)
                .setReason(reason)
                .setObservedAt(now.getComputedAt())
                .setArchive(now)
                .build();
        try {
            events.accept(event);
        } catch (RuntimeException e) {
            // The next upload or failure sends the coverage again; archiving goes on.
            LOG.warnf("archive coverage not published deployment=%s instance=%s reason=%s", identity.deploymentKey(), identity.instanceId(),
                    e.getMessage());
        }
    }

    private ObjectStore store() {
        if (store == null) {
            store = stores.open();
        }
        return store;
    }

    private void closeStore() {
        if (store != null) {
            try {
                store.close();
            } catch (RuntimeException e) {
                LOG.debugf("closing the object store client failed: %s", e.getMessage());
            }
            store = null;
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeStore();
    }
}
