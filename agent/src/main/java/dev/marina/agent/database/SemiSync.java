package dev.marina.agent.database;

import dev.marina.schemas.v1.SemiSyncWait;

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
 * <p>The agent is not told how many replicas a deployment has, and a deployment of none must not block
 * every commit. So a SEMI_SYNC primary starts {@link Master#UNTIL_FIRST_REPLICA} (semi-sync on, no wait
 * while no replica is connected) and becomes {@link Master#LOSSLESS} as soon as a semi-sync replica is
 * attached ({@link #arms}) — checked when it takes writes and at every heartbeat observation. A PROMOTE
 * of a server that was a replica is lossless at once: the deployment has replicas, and the first write
 * on the new primary must wait until one of them holds it.
 */
public final class SemiSync {
    private SemiSync() {}

    /** Long enough that a primary never silently falls back to asynchronous commits: a year. */
    public static final long LOSSLESS_TIMEOUT_MS = 365L * 24 * 3600 * 1000;
    /** The replica acknowledges before the transaction is committed in the engine, so nobody reads what could be lost. */
    public static final String WAIT_POINT = "AFTER_SYNC";

    /** How a primary's commits wait. */
    public enum Master {
        /** DURABILITY_ASYNC: master-side semi-sync off. */
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

    /** The first DEPLOY of a primary: it may be a deployment without replicas. */
    public static Master atFirstDeploy(boolean semiSync) {
        return semiSync ? Master.UNTIL_FIRST_REPLICA : Master.OFF;
    }

    /**
     * PROMOTE: lossless at once when the server was a replica until now (the deployment has replicas);
     * a primary made writable again (after a restart or self-fencing) waits for its replicas to attach.
     */
    public static Master atPromote(boolean semiSync, boolean wasReplica) {
        if (!semiSync) {
            return Master.OFF;
        }
        return wasReplica ? Master.LOSSLESS : Master.UNTIL_FIRST_REPLICA;
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
