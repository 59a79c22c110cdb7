package dev.marina.agent.database;

import dev.marina.agent.InstanceFiles;
import dev.marina.agent.metrics.DatabaseFigures;
import dev.marina.agent.metrics.DatabaseReading;
import dev.marina.agent.metrics.DatabaseStatus;
import dev.marina.agent.metrics.Replication;
import dev.marina.agent.metrics.SkipReason;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * A MariaDB server's figures for metric samples: {@code SHOW GLOBAL STATUS} and
 * {@code SHOW REPLICA STATUS}, as the agent's own user, on a connection of its own (not the
 * heartbeat's: a slow sample never delays a heartbeat). The connection is kept while it works and
 * replaced on the next call after any error.
 */
public final class MariaDbFigures implements DatabaseFigures {

    private static final Duration CONNECT_TIMEOUT = Duration.ofMillis(500);
    private static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(2);

    /**
     * MariaDB 10.11 has no {@code Innodb_rows_*} status variables: rows come from the engine-independent
     * {@code Rows_read} and {@code Handler_write/update/delete}, which leave out temporary tables (so
     * the agent's own SHOW statements do not count) and include the few writes to system tables.
     */
    static final String GLOBAL_STATUS = "SHOW GLOBAL STATUS WHERE Variable_name IN ('Uptime', 'Threads_connected', "
            + "'Questions', 'Slow_queries', 'Innodb_buffer_pool_read_requests', 'Innodb_buffer_pool_reads', "
            + "'Rows_read', 'Handler_write', 'Handler_update', 'Handler_delete')";
    /**
     * The platform's own users: the agent (probes, sampling, commands), replication, and root (the OS root over the
     * socket: mariadb-backup, mariadb-upgrade); and the server's own threads. Everything else is a client.
     */
    static final String PLATFORM_USERS = "'" + MariaDbServer.AGENT_USER + "', '" + MariaDbServer.REPLICATION_USER
            + "', 'root', 'system user', 'event_scheduler', 'unauthenticated user', ''";
    /**
     * Clients' connections (the process list without the platform's users and the server's threads) and statements
     * ({@code userstat=ON}: USER_STATISTICS counts per user since the server started; SELECT + UPDATE + OTHER commands
     * is every statement, as {@code Questions} counts them). One round trip.
     */
    static final String CLIENT_FIGURES = "SELECT (SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER NOT IN ("
            + PLATFORM_USERS + ") AND COMMAND NOT IN ('Daemon', 'Binlog Dump', 'Binlog Dump GTID')), "
            + "(SELECT COALESCE(SUM(SELECT_COMMANDS + UPDATE_COMMANDS + OTHER_COMMANDS), 0) FROM information_schema.USER_STATISTICS "
            + "WHERE USER NOT IN (" + PLATFORM_USERS + "))";
    /** MariaDB 10.5.1+ spelling of SHOW SLAVE STATUS; no row on a server that does not replicate. */
    static final String REPLICA_STATUS = "SHOW REPLICA STATUS";

    private final InstanceFiles files;
    private final String address;
    private Connection connection;
    private ProcessHandle server;

    public MariaDbFigures(InstanceFiles files, String address) {
        this.files = files;
        this.address = address;
    }

    @Override
    public DatabaseReading read() throws Unavailable {
        if (!Files.exists(files.agentSecret())) {
            throw new Unavailable(SkipReason.NOT_DEPLOYED, "no database deployed");
        }
        try {
            if (connection == null || connection.isClosed()) {
                connection = Jdbc.connect(address, MariaDbServer.AGENT_USER, MariaDbServer.agentPassword(files),
                        CONNECT_TIMEOUT, SOCKET_TIMEOUT, files.agentTrustStore());
            }
            try (Statement s = connection.createStatement()) {
                DatabaseStatus status = globalStatus(nameValueRows(s.executeQuery(GLOBAL_STATUS)));
                try (ResultSet clients = s.executeQuery(CLIENT_FIGURES)) {
                    clients.next();
                    status = status.withClients(clients.getLong(1), clients.getLong(2));
                }
                Replication replication = replicaStatus(rows(s.executeQuery(REPLICA_STATUS)));
                return new DatabaseReading(status, replication);
            }
        } catch (SQLException e) {
            close();
            throw new Unavailable(SkipReason.UNREACHABLE, MariaDbServer.firstLine(e.getMessage()));
        } catch (RuntimeException e) {
            // Figures that do not parse, an unreadable secret: reported as a failed tick, on a fresh connection next time.
            close();
            throw e;
        }
    }

    @Override
    public OptionalLong serverPid() {
        if (server == null || !MariaDbProcess.isServerOf(server, files)) {
            server = MariaDbProcess.find(files).orElse(null);
        }
        return server == null ? OptionalLong.empty() : OptionalLong.of(server.pid());
    }

    @Override
    public void close() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // broken anyway
            }
            connection = null;
        }
    }

    /** The status figures from {@code SHOW GLOBAL STATUS} rows (name → value); throws naming a missing one. */
    static DatabaseStatus globalStatus(Map<String, String> rows) {
        Map<String, String> byName = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        byName.putAll(rows);
        return new DatabaseStatus(
                number(byName, "Uptime"),
                number(byName, "Threads_connected"),
                number(byName, "Questions"),
                number(byName, "Slow_queries"),
                number(byName, "Innodb_buffer_pool_read_requests"),
                number(byName, "Innodb_buffer_pool_reads"),
                number(byName, "Rows_read"),
                number(byName, "Handler_write") + number(byName, "Handler_update") + number(byName, "Handler_delete"));
    }

    /**
     * The replication state from {@code SHOW REPLICA STATUS} rows (column → value): no row, not a
     * replica; else {@code Seconds_Behind_Master}, unknown (NULL) while the replication threads do not
     * run or are not connected.
     */
    static Replication replicaStatus(List<Map<String, String>> rows) {
        if (rows.isEmpty()) {
            return Replication.NOT_A_REPLICA;
        }
        Map<String, String> row = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        row.putAll(rows.get(0));
        String lag = row.containsKey("Seconds_Behind_Master") ? row.get("Seconds_Behind_Master") : row.get("Seconds_Behind_Source");
        if (lag == null || lag.isBlank()) {
            return Replication.replicaWithUnknownLag();
        }
        try {
            return Replication.replicaBehind(Long.parseLong(lag.trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("SHOW REPLICA STATUS: Seconds_Behind_Master is not a number: " + lag);
        }
    }

    private static long number(Map<String, String> rows, String name) {
        String value = rows.get(name);
        if (value == null) {
            throw new IllegalArgumentException("SHOW GLOBAL STATUS has no " + name);
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("SHOW GLOBAL STATUS: " + name + " is not a number: " + value);
        }
    }

    private static Map<String, String> nameValueRows(ResultSet result) throws SQLException {
        Map<String, String> rows = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        try (result) {
            while (result.next()) {
                rows.put(result.getString(1), result.getString(2));
            }
        }
        return rows;
    }

    private static List<Map<String, String>> rows(ResultSet result) throws SQLException {
        List<Map<String, String>> rows = new ArrayList<>();
        try (result) {
            ResultSetMetaData meta = result.getMetaData();
            while (result.next()) {
                Map<String, String> row = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    row.put(meta.getColumnLabel(i), result.getString(i));
                }
                rows.add(row);
            }
        }
        return rows;
    }
}
