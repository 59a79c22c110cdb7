package dev.marina.agent.replication;

import static dev.marina.schemas.v1.ReplicationFault.REPLICATION_FAULT_APPLY;
import static dev.marina.schemas.v1.ReplicationFault.REPLICATION_FAULT_CANNOT_CATCH_UP;
import static dev.marina.schemas.v1.ReplicationFault.REPLICATION_FAULT_CONNECTION;
import static dev.marina.schemas.v1.ReplicationFault.REPLICATION_FAULT_DIVERGED;
import static dev.marina.schemas.v1.ReplicationFault.REPLICATION_FAULT_UNSPECIFIED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.schemas.v1.ReplicationFault;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class ReplicationErrorTest {

    /** As MariaDB 10.11.19 printed it when an old primary with an extra transaction joined the new primary. */
    private static final String DIVERGED = "Got fatal error 1236 from master when reading data from binary log: 'Error: connecting "
            + "slave requested to start from GTID 0-1-14, which is not in the master's binlog. Since the master's binlog contains "
            + "GTIDs with higher sequence numbers, it probably means that the slave has diverged due to executing extra erroneous "
            + "transactions'";
    /** As MariaDB 10.11.19 printed it when the primary had purged the binlogs the replica needed. */
    private static final String PURGED = "Got fatal error 1236 from master when reading data from binary log: "
            + "'Could not find GTID state requested by slave in any binlog files. Probably the slave state is too old and "
            + "required binlog files have been purged.'";
    private static final String SSL = "error connecting to master 'marina_repl@127.10.250.7:3306' - retry-time: 1 "
            + "message: SSL connection error: error:00000000:lib(0)::reason(0)";

    @Test
    void a_fatal_binlog_error_means_a_diverged_history() {
        String reason = ReplicationError.describe(1236, DIVERGED, 0, "").text();
        assertTrue(reason.startsWith("diverged: Got fatal error 1236"), reason);
        assertTrue(ReplicationError.describe(1236, DIVERGED, 0, "").isPermanent());
    }

    @Test
    void purged_binlogs_mean_it_cannot_catch_up() {
        String reason = ReplicationError.describe(1236, PURGED, 0, "").text();
        assertTrue(reason.startsWith("cannot catch up: "), reason);
        assertTrue(ReplicationError.describe(1236, PURGED, 0, "").isPermanent());
    }

    @Test
    void a_connection_error_may_heal() {
        String reason = ReplicationError.describe(2026, SSL, 0, "").text();
        assertTrue(reason.startsWith("connection (2026): "), reason);
        assertFalse(ReplicationError.describe(2026, SSL, 0, "").isPermanent());
    }

    @Test
    void the_io_thread_comes_first_then_the_sql_thread() {
        assertTrue(ReplicationError.describe(2003, "refused", 1062, "duplicate").text().startsWith("connection (2003)"));
        assertEquals("applying failed (1062): duplicate", ReplicationError.describe(0, "", 1062, "duplicate").text());
        assertEquals("", ReplicationError.describe(0, "", 0, "").text());
    }

    static Stream<Arguments> statuses() {
        return Stream.of(
                row("a link without errors is fine", 0, "", 0, "", REPLICATION_FAULT_UNSPECIFIED, "", false),
                row("1236 for a GTID the primary's binlog lacks: diverged", 1236, DIVERGED, 0, "", REPLICATION_FAULT_DIVERGED,
                        "diverged: Got fatal error 1236", true),
                row("1236 for purged binlogs: cannot catch up", 1236, PURGED, 0, "", REPLICATION_FAULT_CANNOT_CATCH_UP,
                        "cannot catch up: Got fatal error 1236", true),
                row("1236 without a message: diverged (the history cannot continue)", 1236, null, 0, "", REPLICATION_FAULT_DIVERGED,
                        "diverged: ", true),
                row("an untrusted certificate: a connection fault", 2026, SSL, 0, "", REPLICATION_FAULT_CONNECTION,
                        "connection (2026): error connecting", false),
                row("a primary that is down: a connection fault", 2003, "Can't connect", 0, "", REPLICATION_FAULT_CONNECTION,
                        "connection (2003): Can't connect", false),
                row("a wrong password: a connection fault", 1045, "Access denied", 0, "", REPLICATION_FAULT_CONNECTION,
                        "connection (1045): ", false),
                row("a transaction that does not apply: an apply fault", 0, "", 1062, "Duplicate entry", REPLICATION_FAULT_APPLY,
                        "applying failed (1062): Duplicate entry", false),
                row("the IO thread's error wins over the SQL thread's", 2003, "refused", 1062, "duplicate", REPLICATION_FAULT_CONNECTION,
                        "connection (2003): refused", false),
                row("purged wins over an apply error too", 1236, PURGED, 1062, "duplicate", REPLICATION_FAULT_CANNOT_CATCH_UP,
                        "cannot catch up: ", true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("statuses")
    void classifies(String behaviour, int ioErrno, String ioError, int sqlErrno, String sqlError, ReplicationFault fault,
            String textStart, boolean permanent) {
        ReplicationError error = ReplicationError.describe(ioErrno, ioError, sqlErrno, sqlError);
        assertEquals(fault, error.fault());
        assertTrue(error.text().startsWith(textStart), error.text());
        assertEquals(permanent, error.isPermanent());
        assertEquals(fault == REPLICATION_FAULT_UNSPECIFIED, error.isNone());
        assertEquals(error.isNone(), error.text().isEmpty(), "a text exactly when there is a fault");
    }

    @ParameterizedTest
    @EnumSource(ReplicationFault.class)
    void only_a_diverged_history_and_purged_binlogs_are_permanent(ReplicationFault fault) {
        boolean permanent = fault == REPLICATION_FAULT_DIVERGED || fault == REPLICATION_FAULT_CANNOT_CATCH_UP;
        assertEquals(permanent, ReplicationError.isPermanent(fault));
    }

    @Test
    void decides_on_the_fault_never_on_the_text() {
        assertFalse(new ReplicationError(REPLICATION_FAULT_CONNECTION, "diverged: looks like one").isPermanent());
        assertTrue(new ReplicationError(REPLICATION_FAULT_CANNOT_CATCH_UP, "whatever the words").isPermanent());
    }

    private static Arguments row(String behaviour, int ioErrno, String ioError, int sqlErrno, String sqlError,
            ReplicationFault fault, String textStart, boolean permanent) {
        return Arguments.of(behaviour, ioErrno, ioError, sqlErrno, sqlError, fault, textStart, permanent);
    }
}
