package dev.marina.agent.database;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.agent.metrics.DatabaseStatus;
import dev.marina.agent.metrics.Replication;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Parsing what MariaDB 10.11 answers to SHOW GLOBAL STATUS and SHOW REPLICA STATUS. */
class MariaDbFiguresTest {

    /** The rows of {@link MariaDbFigures#GLOBAL_STATUS} as a 10.11 server gives them (it has no Innodb_rows_*). */
    private static Map<String, String> globalStatus() {
        Map<String, String> rows = new HashMap<>();
        rows.put("Innodb_buffer_pool_read_requests", "48213");
        rows.put("Innodb_buffer_pool_reads", "171");
        rows.put("Handler_delete", "3");
        rows.put("Handler_update", "7");
        rows.put("Handler_write", "40");
        rows.put("Rows_read", "1290");
        rows.put("Questions", "5321");
        rows.put("Slow_queries", "2");
        rows.put("Threads_connected", "4");
        rows.put("Uptime", "3605");
        return rows;
    }

    @Test
    void reads_the_status_counters_and_adds_up_the_rows_written() {
        assertEquals(new DatabaseStatus(3605, 4, 5321, 2, 48213, 171, 1290, 50), MariaDbFigures.globalStatus(globalStatus()));
    }

    @Test
    void the_query_asks_for_every_figure_the_parser_needs() {
        Map<String, String> answer = new HashMap<>();
        Matcher quoted = Pattern.compile("'([A-Za-z_]+)'").matcher(MariaDbFigures.GLOBAL_STATUS);
        while (quoted.find()) {
            answer.put(quoted.group(1), "1");
        }
        assertEquals(new DatabaseStatus(1, 1, 1, 1, 1, 1, 1, 3), MariaDbFigures.globalStatus(answer));
    }

    @Test
    void names_are_matched_whatever_their_case() {
        Map<String, String> rows = new HashMap<>();
        globalStatus().forEach((name, value) -> rows.put(name.toUpperCase(), value));
        assertEquals(5321, MariaDbFigures.globalStatus(rows).questions());
    }

    @Test
    void a_missing_or_garbled_figure_is_an_error_naming_it() {
        Map<String, String> missing = globalStatus();
        missing.remove("Questions");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MariaDbFigures.globalStatus(missing));
        assertTrue(e.getMessage().contains("Questions"), e.getMessage());
        Map<String, String> garbled = globalStatus();
        garbled.put("Uptime", "soon");
        e = assertThrows(IllegalArgumentException.class, () -> MariaDbFigures.globalStatus(garbled));
        assertTrue(e.getMessage().contains("Uptime"), e.getMessage());
    }

    @Test
    void a_server_with_no_replica_status_row_is_not_a_replica() {
        assertEquals(Replication.NOT_A_REPLICA, MariaDbFigures.replicaStatus(List.of()));
    }

    @Test
    void a_replica_reports_its_seconds_behind_the_primary() {
        assertEquals(Replication.replicaBehind(7), MariaDbFigures.replicaStatus(List.of(replicaRow("7"))));
        assertEquals(Replication.replicaBehind(0), MariaDbFigures.replicaStatus(List.of(replicaRow("0"))));
    }

    @Test
    void a_replica_whose_threads_do_not_run_does_not_know_its_lag() {
        assertEquals(Replication.replicaWithUnknownLag(), MariaDbFigures.replicaStatus(List.of(replicaRow(null))));
    }

    @Test
    void a_garbled_lag_is_an_error() {
        assertThrows(IllegalArgumentException.class, () -> MariaDbFigures.replicaStatus(List.of(replicaRow("a while"))));
    }

    /** A few of the 50-odd columns of a 10.11 replica's row. */
    private static Map<String, String> replicaRow(String secondsBehind) {
        Map<String, String> row = new HashMap<>();
        row.put("Slave_IO_State", "Waiting for master to send event");
        row.put("Master_Host", "127.10.0.3");
        row.put("Master_Port", "3306");
        row.put("Slave_IO_Running", secondsBehind == null ? "No" : "Yes");
        row.put("Slave_SQL_Running", secondsBehind == null ? "No" : "Yes");
        row.put("Seconds_Behind_Master", secondsBehind);
        row.put("Using_Gtid", "Slave_Pos");
        row.put("Gtid_IO_Pos", "0-2131360000-42");
        return row;
    }
}
