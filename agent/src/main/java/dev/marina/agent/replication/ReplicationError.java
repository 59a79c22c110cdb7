package dev.marina.agent.replication;

import dev.marina.schemas.v1.ReplicationFault;
import java.util.Objects;

/**
 * What a replica's broken link means, from {@code SHOW SLAVE STATUS}: its {@link ReplicationFault} for
 * decisions, and a text for people. Pure. Nothing decides on the text: {@link #isPermanent()} and the
 * reconciler read the fault ({@code Heartbeat.replication_fault}, {@code AgentEvent.replication_fault}).
 * The text keeps its prefixes ({@code diverged:}, {@code cannot catch up:}, {@code connection (errno):},
 * {@code applying failed (errno):}) because people read them in logs and status.
 *
 * @param fault UNSPECIFIED exactly when the link is fine
 * @param text  the server's error with the prefix; empty when the link is fine
 */
public record ReplicationError(ReplicationFault fault, String text) {

    /** The link is fine. */
    public static final ReplicationError NONE = new ReplicationError(ReplicationFault.REPLICATION_FAULT_UNSPECIFIED, "");

    /** The primary's binlog could not be read from this position (1236). */
    public static final int ER_MASTER_FATAL_ERROR_READING_BINLOG = 1236;

    public ReplicationError {
        Objects.requireNonNull(fault, "fault");
        Objects.requireNonNull(text, "text");
    }

    /**
     * The error to report: the IO thread's first (it is why nothing arrives), then the SQL thread's;
     * {@link #NONE} when neither has one.
     */
    public static ReplicationError describe(int ioErrno, String ioError, int sqlErrno, String sqlError) {
        if (ioErrno != 0) {
            return classifyIo(ioErrno, ioError);
        }
        if (sqlErrno != 0) {
            return new ReplicationError(ReplicationFault.REPLICATION_FAULT_APPLY,
                    "applying failed (" + sqlErrno + "): " + nullToEmpty(sqlError));
        }
        return NONE;
    }

    /** True when the instance cannot follow the primary any more and must be rebuilt (diverged, binlogs purged). */
    public boolean isPermanent() {
        return isPermanent(fault);
    }

    public static boolean isPermanent(ReplicationFault fault) {
        return fault == ReplicationFault.REPLICATION_FAULT_DIVERGED || fault == ReplicationFault.REPLICATION_FAULT_CANNOT_CATCH_UP;
    }

    public boolean isNone() {
        return fault == ReplicationFault.REPLICATION_FAULT_UNSPECIFIED;
    }

    /**
     * Error 1236 covers both a diverged history and purged binlogs; MariaDB tells them apart only in its
     * message ("… required binlog files have been purged", measured on 10.11.19), so that is read here, once.
     */
    static ReplicationError classifyIo(int errno, String error) {
        String text = nullToEmpty(error);
        if (errno == ER_MASTER_FATAL_ERROR_READING_BINLOG) {
            return text.contains("purged")
                    ? new ReplicationError(ReplicationFault.REPLICATION_FAULT_CANNOT_CATCH_UP, "cannot catch up: " + text)
                    : new ReplicationError(ReplicationFault.REPLICATION_FAULT_DIVERGED, "diverged: " + text);
        }
        return new ReplicationError(ReplicationFault.REPLICATION_FAULT_CONNECTION, "connection (" + errno + "): " + text);
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
