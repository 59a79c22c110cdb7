package dev.marina.agent.metrics;

/**
 * The server's own figures at one moment, as {@code SHOW GLOBAL STATUS} gives them. Every field but
 * {@code connections} is a counter since the server started: it only grows while the server runs,
 * and starts again at zero when the server restarts.
 *
 * @param uptimeSeconds          {@code Uptime}
 * @param connections            {@code Threads_connected} (the agent's own connections included)
 * @param questions              {@code Questions}: statements sent by clients
 * @param slowQueries            {@code Slow_queries}
 * @param bufferPoolReadRequests {@code Innodb_buffer_pool_read_requests}: logical reads
 * @param bufferPoolReads        {@code Innodb_buffer_pool_reads}: logical reads that had to go to disk
 * @param rowsRead               rows read by statements (MariaDB: {@code Rows_read})
 * @param rowsWritten            rows inserted, updated and deleted (MariaDB: {@code Handler_write + Handler_update
 *                               + Handler_delete})
 * @param clientConnections      connections of clients only (not the platform's users, not the server's threads); -1 unknown
 * @param clientQueries          statements of clients only since the server started ({@code USER_STATISTICS}); -1 unknown
 */
public record DatabaseStatus(long uptimeSeconds, long connections, long questions, long slowQueries,
        long bufferPoolReadRequests, long bufferPoolReads, long rowsRead, long rowsWritten, long clientConnections,
        long clientQueries) {

    public DatabaseStatus(long uptimeSeconds, long connections, long questions, long slowQueries, long bufferPoolReadRequests,
            long bufferPoolReads, long rowsRead, long rowsWritten) {
        this(uptimeSeconds, connections, questions, slowQueries, bufferPoolReadRequests, bufferPoolReads, rowsRead, rowsWritten, -1, -1);
    }

    /** The same status with the clients' own figures. */
    public DatabaseStatus withClients(long connectionsOfClients, long queriesOfClients) {
        return new DatabaseStatus(uptimeSeconds, connections, questions, slowQueries, bufferPoolReadRequests, bufferPoolReads,
                rowsRead, rowsWritten, connectionsOfClients, queriesOfClients);
    }
}
