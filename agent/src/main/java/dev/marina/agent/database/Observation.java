package dev.marina.agent.database;

import dev.marina.agent.replication.ReplicationError;
import dev.marina.schemas.v1.ServerConfig;

/**
 * What a heartbeat reports about the database.
 *
 * @param reachable      the server answered a query just now
 * @param gtidPosition   {@code @@gtid_current_pos}, e.g. "0-2131360000-42"; empty when unreachable or no transaction yet
 * @param readOnly       {@code @@read_only}
 * @param error          why it is unreachable; empty when reachable
 * @param binlogPosition {@code @@gtid_binlog_pos}: what a primary wrote (and a replica logged)
 * @param replica        the replication link, null when the server replicates from nobody
 * @param semiSync       the primary side of semi-sync (what a primary's commits wait for); null when not read
 */
public record Observation(boolean reachable, String gtidPosition, boolean readOnly, String error, String binlogPosition,
        Replica replica, SemiSync.Reading semiSync, ServerConfig running, long uptimeS) {

    public Observation(boolean reachable, String gtidPosition, boolean readOnly, String error, String binlogPosition,
            Replica replica, SemiSync.Reading semiSync) {
        this(reachable, gtidPosition, readOnly, error, binlogPosition, replica, semiSync, null, 0);
    }

    /**
     * With what the server runs: its version as it reports it, the recorded size and parameters (null: not read), and
     * its {@code Uptime} in seconds.
     */
    public Observation withServer(ServerConfig config, long uptime) {
        return new Observation(reachable, gtidPosition, readOnly, error, binlogPosition, replica, semiSync, config, uptime);
    }


    /**
     * A replica's link to its primary.
     *
     * @param connected         {@code Slave_IO_Running = Yes}
     * @param lagMs             {@code Seconds_Behind_Master} × 1000; -1 when NULL (not applying, or not connected)
     * @param error             the link's error, classified; {@link ReplicationError#NONE} when fine
     * @param primaryLastSeenMs how long ago the IO thread last received something (event or heartbeat); -1 unknown
     * @param primaryHost       {@code Master_Host}
     */
    public record Replica(boolean connected, long lagMs, ReplicationError error, long primaryLastSeenMs, String primaryHost) {}

    public static Observation reachable(String gtidPosition, boolean readOnly) {
        return reachable(gtidPosition, gtidPosition, readOnly, null);
    }

    public static Observation reachable(String currentPosition, String binlogPosition, boolean readOnly, Replica replica) {
        return new Observation(true, currentPosition == null ? "" : currentPosition, readOnly, "",
                binlogPosition == null ? "" : binlogPosition, replica, null);
    }

    public Observation withSemiSync(SemiSync.Reading reading) {
        return new Observation(reachable, gtidPosition, readOnly, error, binlogPosition, replica, reading, running, uptimeS);
    }

    public static Observation unreachable(String error) {
        return new Observation(false, "", false, error == null ? "unknown" : error, "", null, null);
    }
}
