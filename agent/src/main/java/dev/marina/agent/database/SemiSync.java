package dev.marina.agent.database;

import dev.marina.schemas.v1.AgentCommand;
import dev.marina.schemas.v1.SemiSyncWait;
import java.time.Duration;

/**
 * The primary side of semi-synchronous replication: how long a commit waits for a replica, decided
 * from a few facts (pure), applied by {@link MariaDbServer}.
 *
 * <p>Lossless means: the wait point is AFTER_SYNC (a transaction is visible to others only after a
 * replica acknowledged it), {@code rpl_semi_sync_master_wait_no_slave=ON} (a commit waits even when no
 * replica is connected) and a timeout of a year (the primary never falls back to asynchronous on its
 * own). While no replica is connected, a commit blocks: the client gets no acknowledgement for data
 * only one server holds.
 *
 * <p>The reconciler tells a primary how many replicas the deployment wants ({@code replicas_wanted} on DEPLOY,
 * PROMOTE and SET_REPLICAS_WANTED; unset reads as "some"). A primary of a deployment that wants none has
 * master-side semi-sync {@link Master#OFF}: a retired replica must not leave every commit blocked, and turning
 * semi-sync off also releases the commits that were waiting. One that wants some starts
 * {@link Master#UNTIL_FIRST_REPLICA} (no wait while no replica is connected: the replicas are still being made)
 * and becomes {@link Master#LOSSLESS} as soon as a semi-sync replica is attached ({@link #arms}) — checked when
 * it takes writes and at every heartbeat observation. A PROMOTE of a server that was a replica is lossless at
 * once: the deployment has replicas, and the first write on the new primary must wait until one of them holds it.
 * The server's own variables remember the decision: with semi-sync off nothing arms it.
 */
public final class SemiSync {
    private SemiSync() {}

    /** Long enough that a primary never silently falls back to asynchronous commits: a year. */
    public static final long LOSSLESS_TIMEOUT_MS = 365L * 24 * 3600 * 1000;
    /** The replica acknowledges before the transaction is committed in the engine, so nobody reads what could be lost. */
    public static final String WAIT_POINT = "AFTER_SYNC";

    /** How a primary's commits wait. */
    public enum Master {
        /** DURABILITY_ASYNC, or a deployment that wants no replicas: master-side semi-sync off, commits never wait. */
        OFF,
        /** Semi-sync on, but no wait while no replica is connected: until a replica attached first in this term. */
        UNTIL_FIRST_REPLICA,
        /** Every commit waits until a replica holds it, however long. */
        LOSSLESS;

        public boolean enabled() {
            return this != OFF;
        }

        public boolean waitWithoutReplica() {
            return this == LOSSLESS;
        }
    }

    /** Whether the deployment wants replicas, as a command says: unset (a reconciler that does not say) reads as yes. */
    public static boolean replicasWanted(AgentCommand command) {
        return !command.hasReplicasWanted() || command.getReplicasWanted() > 0;
    }

    /** The first DEPLOY of a primary: its replicas, if it wants any, are still being made. */
    public static Master atFirstDeploy(boolean semiSync, boolean replicasWanted) {
        return semiSync && replicasWanted ? Master.UNTIL_FIRST_REPLICA : Master.OFF;
    }

    /**
     * PROMOTE: lossless at once when the server was a replica until now (the deployment has replicas);
     * a primary made writable again (after a restart or self-fencing) waits for its replicas to attach.
     */
    public static Master atPromote(boolean semiSync, boolean wasReplica, boolean replicasWanted) {
        if (!semiSync || !replicasWanted) {
            return Master.OFF;
        }
        return wasReplica ? Master.LOSSLESS : Master.UNTIL_FIRST_REPLICA;
    }

    /**
     * SET_REPLICAS_WANTED on a writable primary: off when the deployment wants no replicas; when it wants some, an
     * armed primary stays armed (a replica that is reconnecting must not disarm it) and any other waits from its
     * first replica on.
     */
    public static Master whenTold(Reading now, boolean semiSync, boolean replicasWanted) {
        if (!semiSync || !replicasWanted) {
            return Master.OFF;
        }
        return now.enabled() && now.waitNoSlave() ? Master.LOSSLESS : Master.UNTIL_FIRST_REPLICA;
    }

    /** {@code mode} adjusted to what the server sees: a semi-sync replica attached makes it lossless. */
    public static Master withAttached(Master mode, long replicasConnected) {
        return mode == Master.UNTIL_FIRST_REPLICA && replicasConnected > 0 ? Master.LOSSLESS : mode;
    }

    /**
     * The server's semi-sync master state as read from its variables and status.
     *
     * @param enabled           {@code @@rpl_semi_sync_master_enabled}
     * @param waitNoSlave       {@code @@rpl_semi_sync_master_wait_no_slave}
     * @param active            {@code Rpl_semi_sync_master_status}: OFF while enabled means it fell back to asynchronous
     * @param replicasConnected {@code Rpl_semi_sync_master_clients}
     * @param commitsWaiting    {@code Rpl_semi_sync_master_wait_sessions}
     */
    public record Reading(boolean enabled, boolean waitNoSlave, boolean active, long replicasConnected, long commitsWaiting) {}

    /** Arm a writable primary that waits only until its first replica, once a semi-sync replica is attached. */
    public static boolean arms(Reading reading, boolean readOnly) {
        return !readOnly && reading.enabled() && !reading.waitNoSlave() && reading.replicasConnected() > 0;
    }

    /**
     * How long a commit may wait for an acknowledgement, with a semi-sync replica attached, before the agent treats it as
     * stalled: a healthy acknowledgement takes about a millisecond.
     */
    public static final Duration STALL = Duration.ofSeconds(1);

    /**
     * Whether commits may wait for an acknowledgement that will never come, though a semi-sync replica is attached.
     *
     * <p>MariaDB 10.11 acknowledges by binlog file and position, and a replica that connects by GTID counts for nothing
     * at its connection (the dump thread registers position 4, not where it starts). A replica that received the last
     * transaction but whose acknowledgement was lost (it stopped or crashed right after receiving it) reconnects
     * <em>after</em> that transaction: the primary never sends it again, so no acknowledgement for it arrives, and its
     * commit (with a single writer, every later one too) waits forever. Any later transaction the replica acknowledges
     * releases it (an acknowledgement covers everything before it in the binlog, and the replica holds what came
     * before its GTID position): the agent then commits one of its own ({@link MariaDbServer}). Lossless still: nothing
     * is acknowledged that the replica does not hold.
     *
     * @param oldestWaitMs     how long the oldest waiting commit has waited
     * @param agentAlreadyWaits one of the agent's own releasing transactions still waits: another would not help
     */
    public static boolean stalled(Reading reading, boolean readOnly, long oldestWaitMs, Duration after,
            boolean agentAlreadyWaits) {
        return mayBeStalled(reading, readOnly) && oldestWaitMs >= after.toMillis() && !agentAlreadyWaits;
    }

    /** Commits wait while a semi-sync replica is attached: worth a look at how long they have waited. */
    public static boolean mayBeStalled(Reading reading, boolean readOnly) {
        return !readOnly && reading.enabled() && reading.replicasConnected() > 0 && reading.commitsWaiting() > 0;
    }

    /** The word for a mode just set (a replica attached later makes UNTIL_FIRST_REPLICA lossless). */
    public static SemiSyncWait waitOf(Master mode) {
        return switch (mode) {
            case OFF -> SemiSyncWait.SEMI_SYNC_WAIT_OFF;
            case UNTIL_FIRST_REPLICA -> SemiSyncWait.SEMI_SYNC_WAIT_UNTIL_FIRST_REPLICA;
            case LOSSLESS -> SemiSyncWait.SEMI_SYNC_WAIT_LOSSLESS;
        };
    }

    /** The heartbeat's word for a primary's commit wait. */
    public static SemiSyncWait waitOf(Reading reading) {
        if (!reading.enabled()) {
            return SemiSyncWait.SEMI_SYNC_WAIT_OFF;
        }
        if (!reading.waitNoSlave()) {
            return SemiSyncWait.SEMI_SYNC_WAIT_UNTIL_FIRST_REPLICA;
        }
        return reading.active() ? SemiSyncWait.SEMI_SYNC_WAIT_LOSSLESS : SemiSyncWait.SEMI_SYNC_WAIT_FELL_BACK;
    }
}
