package dev.marina.agent.database;

import dev.marina.agent.replication.ReplicationError;
import dev.marina.schemas.v1.SemiSyncWait;
import dev.marina.schemas.v1.ServerConfig;
import dev.marina.schemas.v1.Size;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The database server of one instance, as the agent needs it. Every method is safe to repeat: the
 * agent calls them again after a crash or a replayed command. One implementation per engine
 * ({@link MariaDbServer}); tests use fakes.
 *
 * <p>Called from the agent's command thread, except {@link #observe()}, which the heartbeat thread
 * calls concurrently.
 */
public interface DatabaseServer extends AutoCloseable {

    /** How {@link #start} got a running server. */
    enum StartOutcome { STARTED, ADOPTED }

    /** The version of the engine installed here, e.g. "10.11.19"; throws when none is installed. */
    String version();

    /** Every exact version installed here, oldest first (the system build and those {@code ./marina deps} unpacked). */
    default java.util.List<String> versions() {
        return java.util.List.of(version());
    }

    /**
     * The build (exact version), size and parameters the instance's server runs, or runs at its next start; an instance
     * that never chose one runs the system build ({@link #version()}) without parameters.
     */
    default ServerConfig configured() {
        return ServerConfig.newBuilder().setVersion(version()).build();
    }

    /**
     * Records the build (an exact installed version) and parameters (valid) the next {@link #prepare} or {@link #start}
     * uses; changes nothing that runs. Throws when the build is not installed here.
     */
    default void configure(ServerConfig config) {}

    /** What the running server runs now: its version as it reports it ({@code SELECT VERSION()}), size and parameters. */
    default ServerConfig running() {
        return configured();
    }

    /** {@code SET GLOBAL} of dynamic parameters (an empty value: back to the server's default); not binlogged. */
    default void setParameters(java.util.Map<String, java.util.Optional<String>> changes) {}

    /** How a drain ended: transactions open at its start, still open at its end, how long it waited. */
    record Drain(int atStart, int stillOpen, Duration waited, Duration timeout) {
        /** "no open transactions", "2 finished in 0.4 s", "drain timeout after 30 s with 1 open". */
        public String text() {
            if (atStart == 0) {
                return "no open transactions";
            }
            if (stillOpen == 0) {
                return atStart + " finished in " + String.format(java.util.Locale.ROOT, "%.1f", waited.toMillis() / 1000.0) + " s";
            }
            return "drain timeout after " + timeout.toSeconds() + " s with " + stillOpen + " open";
        }
    }

    /**
     * Waits up to {@code timeout} until no client session (not the agent's, replication's or the server's own threads)
     * has an open transaction; changes nothing.
     */
    default Drain drain(Duration timeout) {
        return new Drain(0, 0, Duration.ZERO, timeout);
    }

    /** {@code mariadb-upgrade} of the build the server runs, on the running server, without writing to the binary log. */
    default void upgrade() {}

    /** True when the instance has a data directory. */
    boolean hasData();

    /** Creates the data directory and everything the first start needs; does nothing when it exists. */
    void prepare(Size size);

    /**
     * Like {@link #prepare}, but the data directory is {@code restored} (a prepared backup), moved into place; the
     * first start then resets the agent's own user. Until {@link #adoptRestored} finished, {@link #restorePending}.
     * With {@code replays} (a point-in-time restore of a primary) the data is marked as to be replayed until then:
     * found so by a later DEPLOY ({@link #replayInterrupted}), it is discarded. Does nothing when the data directory
     * exists.
     */
    void prepareRestored(Size size, Path restored, boolean replays);

    /** True from {@link #prepareRestored} until {@link #adoptRestored} finished. */
    boolean restorePending();

    /**
     * True when restored data was to be replayed to a point in time and its adoption did not finish: a replay may have
     * applied part of a file (a crash), so the data must never be started on or replayed again: {@link #discardRestored}.
     */
    boolean replayInterrupted();

    /**
     * After the first start on restored data: while {@link #restorePending}, the binlog and the replica position
     * continue from {@code gtidPosition} and, when the data is to be replayed, {@code replay} runs (its transactions are
     * binlogged with their own GTIDs; the replica position then follows the binlog); then the admin and replication
     * users get this deployment's passwords (other users stay as restored), unbinlogged, so they win over anything the
     * replay brought. Nothing of the platform's own is binlogged. Safe to repeat (the position and the replay only
     * while restore is pending). A failing {@code replay} leaves the data marked ({@link #replayInterrupted}).
     */
    void adoptRestored(String adminUser, String adminPassword, String replicationPassword, String gtidPosition, Runnable replay);

    /**
     * Stops the server and removes restored data that must not be used (a replay that failed or was interrupted): the
     * data directory, the restore's staging and work folders and markers; the marker that says so goes last.
     */
    void discardRestored();

    /**
     * Starts the server on the existing data, or adopts one that runs and answers; returns once it answers.
     * The server starts TLS-capable (with the live TLS set, a bootstrap certificate until one is installed).
     *
     * The server always starts read-only (my.cnf); an adopted server is made read-only.
     *
     * @param secureTransportOnly whether the server refuses connections without TLS (on its next start)
     * @param semiSyncReplica     whether its replica side acknowledges semi-synchronously (on its next start)
     */
    StartOutcome start(Size size, boolean secureTransportOnly, boolean semiSyncReplica);

    /**
     * Makes the running server load the live TLS files without a restart (open connections stay up) and
     * refuse, or accept again, connections without TLS.
     */
    void reloadTls(boolean secureTransportOnly);

    /** True when the server answers a query now. */
    boolean answers();

    /**
     * Creates the admin user, or sets its password when it exists, with every privilege except those that
     * bypass {@code read_only} or could break replication or fencing. Writes (and binlogs): primary only.
     */
    void ensureAdminUser(String user, String password);

    /**
     * Takes from the admin user the privileges that bypass {@code read_only} (a grant from before this
     * was so), writing nothing when it holds none of them. Primary only.
     */
    void restrictAdminUser(String user);

    /** Creates the replication user (REPLICATION SLAVE, SLAVE MONITOR, TLS required) or sets its password. Primary only. */
    void ensureReplicationUser(String password);

    /**
     * Ends this server's replication before it takes the primary role: waits until it applied
     * {@code waitForGtid} (when not empty), stops receiving, applies what it received, forgets its
     * primary. Throws, having changed nothing but a stopped-and-restarted IO thread, when that does not
     * happen within {@code wait}.
     */
    void stopReplicating(String waitForGtid, Duration wait);

    /**
     * The first primary's settings: master-side semi-sync as {@code mode} says ({@link SemiSync#atFirstDeploy}; lossless
     * at once when a semi-sync replica is attached already), replica side off, {@code read_only=OFF}.
     */
    void makeWritable(SemiSync.Master mode);

    /**
     * A writable primary told how many replicas the deployment wants: master-side semi-sync as
     * {@link SemiSync#whenTold} decides from the server's state now; {@code read_only} untouched. Turning it off
     * releases the commits that were waiting for a replica. Returns how commits wait afterwards.
     */
    SemiSyncWait setCommitWait(boolean semiSync, boolean replicasWanted);

    /**
     * PROMOTE's last steps: withhold the admin's read-only bypass, take writes with master-side semi-sync as
     * {@code mode} says (lossless at once when a semi-sync replica is attached already), and say the position —
     * by default one call each; a server may do them over one connection (a connection costs a TLS handshake).
     */
    default String takeWrites(SemiSync.Master mode, String adminUser) {
        restrictAdminUser(adminUser);
        makeWritable(mode);
        return binlogPosition();
    }

    /**
     * {@code read_only=ON}, then ends the connections of clients (not the agent's, not replicas'), so open
     * transactions roll back. Returns {@code @@gtid_binlog_pos} afterwards.
     */
    String makeReadOnly();

    /** Where and how to replicate from: the primary's address, the CA bundle to verify it against (null: TLS unverified). */
    record Source(String address, Path caBundle) {}

    /** How REPLICATE went. */
    enum Link {
        /** Replicating from that primary already: nothing was restarted. */
        ALREADY,
        /** Connected, the primary streams its binlog. */
        STREAMING,
        /** Configured, not connected yet (the primary is down, TLS not trusted yet, …): it keeps retrying every second. */
        CONNECTING,
        /** The primary cannot continue this instance's history (diverged, or its binlogs were purged). */
        BROKEN
    }

    /**
     * @param error    the link's error, classified ({@link ReplicationError#NONE} when none; for CONNECTING without an
     *                 error from the server yet, a CONNECTION fault saying so)
     * @param position {@code @@gtid_current_pos} afterwards
     */
    record Replication(Link link, ReplicationError error, String position) {
        /** The error in words, for people. */
        public String detail() {
            return error.text();
        }
    }

    /**
     * Replicates from {@code source} with GTIDs (from what this server already holds), read-only, over TLS.
     * Returns within about {@code check} whether the link streams, still connects, or is broken.
     */
    Replication replicate(Source source, String password, boolean semiSync, Duration check);

    /** {@code @@gtid_binlog_pos} now. */
    String binlogPosition();

    /**
     * Stops the server (gracefully, forcibly after a timeout), and a wake listener of a paused server; does nothing when
     * none runs.
     */
    void stop();

    /** How a paused server's address stands. */
    enum WakeState {
        /** Nothing listens: no listener armed, or it died. */
        NONE,
        /** The listener waits for the first connection. */
        ARMED,
        /** A connection started the server (the listener became the server, same process). */
        WOKEN
    }

    /**
     * How a woken server starts: writable (a primary paused while it took writes) and with master-side semi-sync on,
     * waiting only once a replica attached ({@link SemiSync.Master#UNTIL_FIRST_REPLICA}), or read-only and semi-sync off.
     */
    record WakeStart(boolean writable, boolean semiSyncWait) {}

    /**
     * While paused the agent never connects to the server (a connection would wake it): {@link #observe()} says
     * "paused" and {@link #answers()} false without dialing.
     */
    default void markPaused(boolean paused) {}

    /** Why wake on connect cannot work here (a missing program), or empty. */
    default java.util.Optional<String> wakeUnavailable() {
        return java.util.Optional.of("wake on connect is not supported by this database server");
    }

    /**
     * Arms the wake listener of a stopped server: its address (and socket) accept connections and the first one starts
     * the server as {@code start} says, answering that connection. Keeps a listener that is armed already (the config it
     * starts with is written again).
     */
    default void armWake(Size size, boolean secureTransportOnly, boolean semiSyncReplica, WakeStart start) {
        throw new IllegalStateException(wakeUnavailable().orElse("wake on connect is not supported"));
    }

    /** Whether the listener waits, woke the server, or is gone; reads the process table only (never connects). */
    default WakeState wakeState() {
        return WakeState.NONE;
    }

    /** After {@link WakeState#WOKEN}: waits until the woken server answers the agent; it is the running server from then on. */
    default void awaitWoken() {}

    /** Removes the data directory and every file of the server. */
    void removeData();

    /** A quick look at the server for a heartbeat; never throws. */
    Observation observe();

    /** Releases connections; leaves the server running. */
    @Override
    void close();
}
