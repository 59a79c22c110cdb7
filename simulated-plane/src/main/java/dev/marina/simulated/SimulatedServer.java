package dev.marina.simulated;

import dev.marina.agent.database.DatabaseServer;
import dev.marina.agent.database.Observation;
import dev.marina.agent.database.SemiSync;
import dev.marina.agent.replication.ReplicationError;
import dev.marina.schemas.v1.ReplicationFault;
import dev.marina.schemas.v1.SemiSyncWait;
import dev.marina.schemas.v1.ServerConfig;
import dev.marina.schemas.v1.Size;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * A database server that exists only in memory, behind the agent's own {@link DatabaseServer} contract: the real
 * {@code CommandHandler} drives it exactly as it drives MariaDB. What it models is what the control plane can see:
 * whether it runs, read-only or writable, its GTID position (a writable primary commits one transaction per
 * {@link #tick()}), a replica's link to its primary (found by address through the plane) and the primary's semi-sync
 * side. It holds no data, so backups, restores and wake on connect are refused with a reason.
 *
 * <p>GTIDs look like MariaDB's ({@code 0-<server id>-<sequence>}, domain 0): a replica holds its primary's position
 * while the link is up, and a promoted replica continues the sequence under its own server id, so the reconciler's
 * "most advanced replica" comparison sees what it would see on real servers.
 *
 * <p>Thread-safe: the command thread changes it, the plane's heartbeat timer ticks and observes it.
 */
final class SimulatedServer implements DatabaseServer {

    static final String NO_DATA_PLANE = "a simulated instance holds no data: ";

    /** The plane's other servers, as a server on a network would reach them. */
    interface Neighbours {
        /** The live server at an address (empty: nothing answers there). */
        Optional<SimulatedServer> at(String address);

        /** The servers of the same deployment (a primary's possible replicas), itself excluded. */
        java.util.Collection<SimulatedServer> peersOf(SimulatedServer server);
    }

    private final long serverId;
    /** The builds "installed" here, oldest first: the versions the platform offers, so every DEPLOY finds its build. */
    private final java.util.List<String> versions;
    private final Neighbours neighbours;
    private final String address;

    private boolean hasData;
    private boolean running;
    private boolean readOnly = true;
    private long startedAtMillis;
    /** The last transaction this server holds: which server wrote it and its sequence number (domain 0). */
    private long lastWriter;
    private long sequence;
    private SemiSync.Master semiSync = SemiSync.Master.OFF;
    /** The primary this replica replicates from (its address), or null. */
    private String source;
    private ServerConfig configured;

    /**
     * @param serverId  this server's id in GTIDs
     * @param address   where it "listens" (the plane finds a replica's primary by this address)
     * @param neighbours the plane's other servers
     */
    SimulatedServer(long serverId, String address, java.util.List<String> versions, Neighbours neighbours) {
        if (versions.isEmpty()) {
            throw new IllegalArgumentException("a simulated server needs at least one version");
        }
        this.serverId = serverId;
        this.versions = java.util.List.copyOf(versions);
        this.configured = ServerConfig.newBuilder().setVersion(version()).build();
        this.address = address;
        this.neighbours = neighbours;
    }

    String address() {
        return address;
    }

    /** One heartbeat period passed: a writable primary commits a transaction; a linked replica catches up. */
    synchronized void tick() {
        if (running && !readOnly && source == null) {
            lastWriter = serverId;
            sequence++;
        }
    }

    private synchronized String position() {
        if (running && source != null) {
            follow();
        }
        return sequence == 0 ? "" : "0-" + lastWriter + "-" + sequence;
    }

    /** A replica takes what its primary holds while the primary runs; a stopped or vanished primary leaves it where it was. */
    private void follow() {
        Optional<SimulatedServer> primary = neighbours.at(source);
        if (primary.isPresent() && primary.get() != this) {
            long[] held = primary.get().held();
            if (held != null && held[1] >= sequence) {
                lastWriter = held[0];
                sequence = held[1];
            }
        }
    }

    /** What this server holds, when it runs: {writer, sequence}; null when stopped. */
    private synchronized long[] held() {
        return running ? new long[] {lastWriter, sequence} : null;
    }

    private synchronized boolean replicatesFromHere(SimulatedServer primary) {
        return running && source != null && source.equals(primary.address);
    }

    private long replicasConnected() {
        return neighbours.peersOf(this).stream().filter(r -> r.replicatesFromHere(this)).count();
    }

    @Override
    public String version() {
        return versions.get(versions.size() - 1);
    }

    @Override
    public java.util.List<String> versions() {
        return versions;
    }

    @Override
    public synchronized ServerConfig configured() {
        return configured;
    }

    @Override
    public synchronized void configure(ServerConfig config) {
        if (!versions.contains(config.getVersion())) {
            throw new IllegalStateException("version " + config.getVersion() + " is not installed here (installed: " + versions + ")");
        }
        configured = config;
    }

    @Override
    public synchronized boolean hasData() {
        return hasData;
    }

    @Override
    public synchronized void prepare(Size size) {
        hasData = true;
    }

    @Override
    public void prepareRestored(Size size, Path restored, boolean replays) {
        throw new IllegalStateException(NO_DATA_PLANE + "it restores no backup");
    }

    @Override
    public boolean restorePending() {
        return false;
    }

    @Override
    public boolean replayInterrupted() {
        return false;
    }

    @Override
    public void adoptRestored(String adminUser, String adminPassword, String replicationPassword, String gtidPosition, Runnable replay) {
        throw new IllegalStateException(NO_DATA_PLANE + "it restores no backup");
    }

    @Override
    public void discardRestored() {}

    @Override
    public synchronized StartOutcome start(Size size, boolean secureTransportOnly, boolean semiSyncReplica) {
        if (!hasData) {
            throw new IllegalStateException("no data directory: prepare first");
        }
        if (running) {
            readOnly = true;
            return StartOutcome.ADOPTED;
        }
        running = true;
        readOnly = true;
        startedAtMillis = System.currentTimeMillis();
        return StartOutcome.STARTED;
    }

    @Override
    public void reloadTls(boolean secureTransportOnly) {}

    @Override
    public synchronized boolean answers() {
        return running;
    }

    @Override
    public void ensureAdminUser(String user, String password) {
        requireRunning();
    }

    @Override
    public void restrictAdminUser(String user) {
        requireRunning();
    }

    @Override
    public void ensureReplicationUser(String password) {
        requireRunning();
    }

    @Override
    public synchronized void stopReplicating(String waitForGtid, Duration wait) {
        requireRunning();
        if (source != null) {
            follow();
        }
        source = null;
    }

    @Override
    public synchronized void makeWritable(SemiSync.Master mode) {
        requireRunning();
        source = null;
        semiSync = mode;
        readOnly = false;
    }

    @Override
    public SemiSyncWait setCommitWait(boolean semiSyncOn, boolean replicasWanted) {
        requireRunning();
        SemiSync.Master next = SemiSync.whenTold(reading(), semiSyncOn, replicasWanted);
        synchronized (this) {
            semiSync = next;
        }
        return SemiSync.waitOf(next);
    }

    @Override
    public synchronized String makeReadOnly() {
        readOnly = true;
        return position();
    }

    @Override
    public synchronized Replication replicate(Source primary, String password, boolean semiSyncReplica, Duration check) {
        requireRunning();
        if (primary.address().equals(source)) {
            follow();
            return new Replication(Link.ALREADY, ReplicationError.NONE, position());
        }
        source = primary.address();
        readOnly = true;
        semiSync = SemiSync.Master.OFF;
        Optional<SimulatedServer> found = neighbours.at(source);
        if (found.isEmpty() || found.get().held() == null) {
            return new Replication(Link.CONNECTING, new ReplicationError(ReplicationFault.REPLICATION_FAULT_CONNECTION,
                    "the primary at " + source + " does not answer"), position());
        }
        follow();
        return new Replication(Link.STREAMING, ReplicationError.NONE, position());
    }

    @Override
    public synchronized String binlogPosition() {
        return position();
    }

    @Override
    public synchronized void stop() {
        running = false;
    }

    @Override
    public Optional<String> wakeUnavailable() {
        return Optional.of(NO_DATA_PLANE + "wake on connect needs a real server");
    }

    @Override
    public synchronized void removeData() {
        running = false;
        hasData = false;
        source = null;
        sequence = 0;
    }

    @Override
    public Observation observe() {
        boolean up;
        boolean ro;
        String linkedTo;
        long started;
        synchronized (this) {
            up = running;
            ro = readOnly;
            linkedTo = source;
            started = startedAtMillis;
        }
        if (!up) {
            return Observation.unreachable("the simulated server is stopped");
        }
        String at = position();
        Observation.Replica replica = null;
        if (linkedTo != null) {
            Optional<SimulatedServer> primary = neighbours.at(linkedTo);
            boolean connected = primary.isPresent() && primary.get().held() != null;
            replica = new Observation.Replica(connected, connected ? 0 : -1, connected ? ReplicationError.NONE
                    : new ReplicationError(ReplicationFault.REPLICATION_FAULT_CONNECTION, "the primary at " + linkedTo
                            + " does not answer"), connected ? 0 : -1, linkedTo);
        }
        Observation observed = Observation.reachable(at, at, ro, replica).withServer(configured(),
                Math.max(0, (System.currentTimeMillis() - started) / 1000));
        if (!ro && linkedTo == null) {
            observed = observed.withSemiSync(reading());
        }
        return observed;
    }

    /** The semi-sync side as MariaDB's variables would show it: armed as told, lossless once a replica attached. */
    private SemiSync.Reading reading() {
        SemiSync.Master mode;
        synchronized (this) {
            mode = semiSync;
        }
        long attached = mode.enabled() ? replicasConnected() : 0;
        SemiSync.Master now = SemiSync.withAttached(mode, attached);
        if (now != mode) {
            synchronized (this) {
                semiSync = now;
            }
        }
        return new SemiSync.Reading(now.enabled(), now.waitWithoutReplica(), now.enabled(), attached, 0);
    }

    private synchronized void requireRunning() {
        if (!running) {
            throw new IllegalStateException("the simulated server is stopped");
        }
    }

    @Override
    public void close() {}
}
