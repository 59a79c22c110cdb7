package dev.marina.agent.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ToolOutputTest {

    /** The end of a real run of mariadb-backup 10.11.19 (stderr). */
    static final String COMPLETED = String.join("\n",
            "[00] 2026-12-02 22:38:38 Connecting to MariaDB server host: localhost, user: root, password: not set, port: not set, socket: /tmp/bkx/s.sock",
            "[00] 2026-12-02 22:38:38 Using server version 10.11.19-MariaDB-0+deb12u1-log",
            "mariadb-backup based on MariaDB server 10.11.19-MariaDB debian-linux-gnu (x86_64)",
            "[00] 2026-12-02 22:38:38 Streaming ibdata1",
            "[00] 2026-12-02 22:38:38         ...done",
            "[00] 2026-12-02 22:38:38 All tables unlocked",
            "[00] 2026-12-02 22:38:38 Backup created in directory '/tmp/bkx/tgt/'",
            "[00] 2026-12-02 22:38:38 MySQL binlog position: filename 'mariadb-bin.000001', position '781', GTID of the last change '0-7-3'",
            "[00] 2026-12-02 22:38:38 Redo log (from LSN 44894 to 48238) was copied.",
            "2026-12-02 22:38:38 0 [Note] InnoDB: Starting shutdown...",
            "[00] 2026-12-02 22:38:38 completed OK!",
            "");

    static final String ACCESS_DENIED = String.join("\n",
            "[00] 2026-12-02 22:39:31 Connecting to MariaDB server host: localhost, user: nobody, password: set, port: not set, socket: /tmp/bkx/s.sock",
            "[00] 2026-12-02 22:39:31 Failed to connect to MariaDB server: Access denied for user 'nobody'@'localhost' (using password: YES).",
            "");

    static Stream<Arguments> positions() {
        return Stream.of(
                Arguments.of("a real run", COMPLETED, Optional.of(new ToolOutput.BinlogPosition("mariadb-bin.000001", 781, "0-7-3"))),
                Arguments.of("several domains", "[00] x MySQL binlog position: filename 'b.000009', position '4', GTID of the last change '0-1-5,1-2-9'\n",
                        Optional.of(new ToolOutput.BinlogPosition("b.000009", 4, "0-1-5,1-2-9"))),
                Arguments.of("a server that never wrote a transaction",
                        "MySQL binlog position: filename 'mariadb-bin.000001', position '329', GTID of the last change ''\n",
                        Optional.of(new ToolOutput.BinlogPosition("mariadb-bin.000001", 329, ""))),
                Arguments.of("an older format without the GTID", "MySQL binlog position: filename 'b.000002', position '12'\n",
                        Optional.of(new ToolOutput.BinlogPosition("b.000002", 12, ""))),
                Arguments.of("no binlog position (failed early)", ACCESS_DENIED, Optional.empty()));
    }

    @ParameterizedTest(name = "binlog position: {0}")
    @MethodSource("positions")
    void reads_the_binlog_position(String name, String stderr, Optional<ToolOutput.BinlogPosition> expected) {
        assertEquals(expected, ToolOutput.binlogPosition(stderr));
    }

    @Test
    void reads_the_server_version_short() {
        assertEquals(Optional.of("10.11.19"), ToolOutput.serverVersion(COMPLETED));
        assertEquals(Optional.empty(), ToolOutput.serverVersion(""));
    }

    @Test
    void completed_only_when_the_last_line_says_so() {
        assertTrue(ToolOutput.completed(COMPLETED));
        assertTrue(ToolOutput.completed(COMPLETED + "\n\n"));
        assertFalse(ToolOutput.completed(ACCESS_DENIED));
        assertFalse(ToolOutput.completed(COMPLETED + "[00] 2026-12-02 22:38:39 Error: something after\n"));
        assertFalse(ToolOutput.completed(""));
    }

    @Test
    void summarises_a_failure_by_its_last_lines_without_timestamps() {
        assertEquals("Connecting to MariaDB server host: localhost, user: nobody, password: set, port: not set, socket: /tmp/bkx/s.sock"
                + " / Failed to connect to MariaDB server: Access denied for user 'nobody'@'localhost' (using password: YES).",
                ToolOutput.failureSummary(ACCESS_DENIED));
        assertEquals("no output", ToolOutput.failureSummary(""));
        assertTrue(ToolOutput.failureSummary("x".repeat(2000)).length() <= 500);
    }
}
