package dev.marina.agent.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.schemas.v1.ArchivedBinlog;
import dev.marina.schemas.v1.StoredObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The replay's command lines, its reading of mariadb-binlog's output (real 10.11.19 output), and its reasons. */
class BinlogReplayTest {

    private static final ReplayTools TOOLS = new ReplayTools(Path.of("/usr/bin/mariadb-binlog"), Path.of("/usr/bin/mariadb"));

    @TempDir
    Path dir;

    @Test
    void runs_mariadb_binlog_from_after_the_start_gtid_to_before_the_point_in_time_in_utc() {
        assertEquals(List.of("/usr/bin/mariadb-binlog", "--start-position=0-1-41", "--stop-datetime=2026-12-03 03:35:16",
                        "/i/pitr/mariadb-bin.000002"),
                BinlogReplay.command(TOOLS, Path.of("/i/pitr/mariadb-bin.000002"), "0-1-41", "", Instant.parse("2026-12-03T03:35:16Z")));
    }

    @Test
    void stops_at_a_gtid_where_a_failover_cut_the_file_and_starts_at_the_file_start_without_a_start_gtid() {
        assertEquals(List.of("/usr/bin/mariadb-binlog", "--stop-position=0-1-57", "--stop-datetime=2026-12-03 03:35:16",
                        "/i/pitr/mariadb-bin.000007"),
                BinlogReplay.command(TOOLS, Path.of("/i/pitr/mariadb-bin.000007"), "", "0-1-57", Instant.parse("2026-12-03T03:35:16Z")));
    }

    @Test
    void rounds_a_point_in_time_with_a_fraction_down_so_nothing_at_or_after_it_is_replayed() {
        Instant t = Instant.parse("2026-12-03T03:35:15.999Z");
        assertEquals("2026-12-03 03:35:15", BinlogReplay.stopDatetime(t));
        assertEquals(Instant.parse("2026-12-03T03:35:15Z").getEpochSecond(), BinlogReplay.stopSecond(t));
        assertEquals("2026-12-31 23:59:59", BinlogReplay.stopDatetime(Instant.parse("2026-12-31T23:59:59.5Z")), "UTC, never local time");
    }

    @Test
    void the_client_logs_in_through_the_option_file_only() {
        List<String> command = BinlogReplay.clientCommand(TOOLS, Path.of("/i/pitr/client.cnf"));
        assertEquals(List.of("/usr/bin/mariadb", "--defaults-file=/i/pitr/client.cnf", "--binary-mode", "--batch"), command);
        assertTrue(command.stream().noneMatch(a -> a.startsWith("--password") || a.startsWith("-p")), "no password on the command line");
    }

    @Test
    void a_tool_failure_names_the_tool_the_file_the_exit_code_the_last_lines_and_the_log() {
        String log = "some earlier line\nERROR 1062 (23000) at line 47: Duplicate entry '7' for key 'PRIMARY'\n";
        assertEquals("mariadb (applying the binary log) failed on mariadb-bin.000003 with exit code 1: some earlier line / "
                        + "ERROR 1062 (23000) at line 47: Duplicate entry '7' for key 'PRIMARY' (see /i/replay.log)",
                BinlogReplay.toolFailure("mariadb (applying the binary log)", "mariadb-bin.000003", 1, log, Path.of("/i/replay.log")));
        assertEquals("mariadb-binlog failed on f with exit code 1: no output (see /i/replay.log)",
                BinlogReplay.toolFailure("mariadb-binlog", "f", 1, "", Path.of("/i/replay.log")));
    }

    @Test
    void the_client_option_file_holds_the_login_and_no_server_settings() throws IOException {
        Path secret = Files.writeString(dir.resolve("agent.secret"), "pa\"ss\n");
        String file = new ServerLogin(dir.resolve("my.cnf"), dir.resolve("s.sock"), "marina_agent", secret).clientOptionFile();
        assertEquals("[client]\nuser=\"marina_agent\"\npassword=\"pa\\\"ss\"\nsocket=" + dir.resolve("s.sock") + "\n", file);
    }

    @Test
    void reads_the_first_events_time_from_the_binlog_header_and_refuses_what_is_not_a_binlog() throws IOException {
        // "\xfebin", then the first event's timestamp (little-endian).
        Path file = Files.write(dir.resolve("mariadb-bin.000001"), new byte[] {(byte) 0xfe, 'b', 'i', 'n', 0x72, (byte) 0x8e, 0x3d, 0x6a, 0x0f});
        assertEquals(0x6a3d8e72L, BinlogReplay.firstEventSecond(file, entry()));
        Path other = Files.writeString(dir.resolve("other"), "not a binary log at all");
        ReplayFailure refused = assertThrows(ReplayFailure.class, () -> BinlogReplay.firstEventSecond(other, entry()));
        assertEquals("acme/shop/binlogs/shop-1/mariadb-bin.000001.enc does not open to a binary log (no binlog magic)", refused.getMessage());
    }

    @Test
    void the_scan_keeps_the_last_whole_transaction_of_ddl_and_row_transactions() throws IOException {
        ReplayScan scan = scan("mariadb-binlog-ddl-and-rows.txt", 7);
        assertEquals("0-7-5", scan.lastComplete());
        assertEquals(5, scan.transactions(), "two DDL (standalone) and three row transactions");
        assertEquals("", scan.open());
    }

    @Test
    void the_scan_of_a_run_stopped_by_the_point_in_time_ends_at_the_last_transaction_before_it() throws IOException {
        // --start-position=0-7-5 --stop-datetime='… 03:35:16': 0-7-6..0-7-8; 0-7-9 (committed at :16) is not in it.
        ReplayScan scan = scan("mariadb-binlog-stopped-at-datetime.txt", 1 << 16);
        assertEquals("0-7-8", scan.lastComplete());
        assertEquals(3, scan.transactions());
    }

    @Test
    void the_scan_reports_a_group_that_never_committed() {
        ReplayScan scan = new ReplayScan();
        byte[] text = String.join("\n",
                "#261203  3:35:14 server id 7  end_log_pos 386 CRC32 0x5ee5121a \tGTID 0-7-6 trans",
                "START TRANSACTION", "/*!*/;", "COMMIT/*!*/;",
                "#261203  3:35:15 server id 7  end_log_pos 867 CRC32 0x9d8941f9 \tGTID 0-7-7 trans",
                "START TRANSACTION", "/*!*/;", "ROLLBACK /* added by mysqlbinlog */;", "").getBytes(StandardCharsets.UTF_8);
        scan.accept(text, 0, text.length);
        scan.finish();
        assertEquals("0-7-6", scan.lastComplete());
        assertEquals("0-7-7", scan.open());
    }

    @Test
    void the_scan_does_not_take_a_query_line_for_a_gtid_header() {
        ReplayScan scan = new ReplayScan();
        byte[] text = "#Q> GTID 0-7-99 trans\nCOMMIT/*!*/;\n# GTID 0-7-98\n".getBytes(StandardCharsets.UTF_8);
        scan.accept(text, 0, text.length);
        scan.finish();
        assertEquals("", scan.lastComplete());
    }

    /** Feeds a recorded output in chunks of {@code chunk} bytes (lines split across chunks). */
    private static ReplayScan scan(String resource, int chunk) throws IOException {
        byte[] bytes;
        try (InputStream in = BinlogReplayTest.class.getResourceAsStream(resource)) {
            bytes = in.readAllBytes();
        }
        ReplayScan scan = new ReplayScan();
        for (int i = 0; i < bytes.length; i += chunk) {
            scan.accept(bytes, i, Math.min(chunk, bytes.length - i));
        }
        scan.finish();
        return scan;
    }

    private static ArchivedBinlog entry() {
        return ArchivedBinlog.newBuilder().setFileName("mariadb-bin.000001")
                .setObject(StoredObject.newBuilder().setKey("acme/shop/binlogs/shop-1/mariadb-bin.000001.enc")).build();
    }
}
