package dev.marina.agent.database;

import dev.marina.agent.replication.PrimaryContact;
import dev.marina.agent.replication.ReplicationError;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

/**
 * The default connection's row of {@code SHOW ALL SLAVES STATUS} (MariaDB: the one statement that also
 * shows {@code Slave_received_heartbeats}); absent when the server replicates from nobody.
 */
record ReplicaStatus(String masterHost, int masterPort, String ioState, String sqlState, int lastIoErrno,
        String lastIoError, int lastSqlErrno, String lastSqlError, Long secondsBehindMaster, String masterLogFile,
        long readMasterLogPos, String gtidIoPos, long receivedHeartbeats, String sslCaFile, String usingGtid) {

    static final String QUERY = "SHOW ALL SLAVES STATUS";

    static Optional<ReplicaStatus> read(java.sql.Statement s) throws SQLException {
        try (ResultSet r = s.executeQuery(QUERY)) {
            while (r.next()) {
                if (!r.getString("Connection_name").isEmpty()) {
                    continue; // only the default connection is the agent's
                }
                long behind = r.getLong("Seconds_Behind_Master");
                Long secondsBehind = r.wasNull() ? null : behind;
                return Optional.of(new ReplicaStatus(
                        text(r, "Master_Host"), r.getInt("Master_Port"), text(r, "Slave_IO_Running"), text(r, "Slave_SQL_Running"),
                        r.getInt("Last_IO_Errno"), text(r, "Last_IO_Error"), r.getInt("Last_SQL_Errno"), text(r, "Last_SQL_Error"),
                        secondsBehind, text(r, "Master_Log_File"), r.getLong("Read_Master_Log_Pos"), text(r, "Gtid_IO_Pos"),
                        r.getLong("Slave_received_heartbeats"), text(r, "Master_SSL_CA_File"), text(r, "Using_Gtid")));
            }
            return Optional.empty();
        }
    }

    boolean ioConnected() {
        return "Yes".equalsIgnoreCase(ioState);
    }

    /** The IO thread runs or keeps trying to connect. */
    boolean ioActive() {
        return ioConnected() || "Connecting".equalsIgnoreCase(ioState);
    }

    boolean sqlRunning() {
        return "Yes".equalsIgnoreCase(sqlState);
    }

    /** Connected, and the primary started sending its binlog (its first event names the file). */
    boolean streaming() {
        return ioConnected() && lastIoErrno == 0 && !masterLogFile.isEmpty();
    }

    ReplicationError error() {
        return ReplicationError.describe(lastIoErrno, lastIoError, lastSqlErrno, lastSqlError);
    }

    long lagMs() {
        return secondsBehindMaster == null ? -1 : secondsBehindMaster * 1000;
    }

    PrimaryContact.Progress progress() {
        return new PrimaryContact.Progress(masterHost, receivedHeartbeats, gtidIoPos, masterLogFile, readMasterLogPos);
    }

    private static String text(ResultSet r, String column) throws SQLException {
        String value = r.getString(column);
        return value == null ? "" : value;
    }
}
