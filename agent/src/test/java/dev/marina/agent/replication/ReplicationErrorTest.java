package dev.marina.agent.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ReplicationErrorTest {

    /** As MariaDB 10.11.19 printed it when an old primary with an extra transaction joined the new primary. */
    private static final String DIVERGED = "Got fatal error 1236 from master when reading data from binary log: 'Error: connecting "
            + "slave requested to start from GTID 0-1-14, which is not in the master's binlog. Since the master's binlog contains "
            + "GTIDs with higher sequence numbers, it probably means that the slave has diverged due to executing extra erroneous "
            + "transactions'";

    @Test
    void a_fatal_binlog_error_means_a_diverged_history() {
        String reason = ReplicationError.describe(1236, DIVERGED, 0, "");
        assertTrue(reason.startsWith("diverged: Got fatal error 1236"), reason);
        assertTrue(ReplicationError.isPermanent(reason));
    }

    @Test
    void purged_binlogs_mean_it_cannot_catch_up() {
        String reason = ReplicationError.describe(1236, "Got fatal error 1236 from master when reading data from binary log: "
                + "'Could not find GTID state requested by slave in any binlog files. Probably the slave state is too old and "
                + "required binlog files have been purged.'", 0, "");
        assertTrue(reason.startsWith("cannot catch up: "), reason);
        assertTrue(ReplicationError.isPermanent(reason));
    }

    @Test
    void a_connection_error_may_heal() {
        String reason = ReplicationError.describe(2026, "error connecting to master 'marina_repl@127.10.250.7:3306' - retry-time: 1 "
                + "message: SSL connection error: error:00000000:lib(0)::reason(0)", 0, "");
        assertTrue(reason.startsWith("connection (2026): "), reason);
        assertFalse(ReplicationError.isPermanent(reason));
    }

    @Test
    void the_io_thread_comes_first_then_the_sql_thread() {
        assertTrue(ReplicationError.describe(2003, "refused", 1062, "duplicate").startsWith("connection (2003)"));
        assertEquals("applying failed (1062): duplicate", ReplicationError.describe(0, "", 1062, "duplicate"));
        assertEquals("", ReplicationError.describe(0, "", 0, ""));
    }
}
