package dev.marina.agent.replication;

/**
 * Names what a replica's broken link means, from {@code SHOW SLAVE STATUS}. Pure. The prefixes are
 * part of the contract with the reconciler: {@value #DIVERGED} and {@value #CANNOT_CATCH_UP} both mean
 * this instance cannot follow the primary and must be rebuilt; anything else may heal by itself
 * (a connection that comes back).
 */
public final class ReplicationError {
    private ReplicationError() {}

    /** The instance holds transactions the primary lacks (error 1236 under gtid_strict_mode). */
    public static final String DIVERGED = "diverged:";
    /** The primary no longer has the binary logs this instance needs (purged): a rebuild from a copy is needed. */
    public static final String CANNOT_CATCH_UP = "cannot catch up:";
    /** The primary's binlog could not be read from this position (1236). */
    public static final int ER_MASTER_FATAL_ERROR_READING_BINLOG = 1236;

    /**
     * The error to report, empty when the link is fine: the IO thread's first (it is why nothing arrives),
     * then the SQL thread's.
     */
    public static String describe(int ioErrno, String ioError, int sqlErrno, String sqlError) {
        if (ioErrno != 0) {
            return classifyIo(ioErrno, ioError);
        }
        if (sqlErrno != 0) {
            return "applying failed (" + sqlErrno + "): " + nullToEmpty(sqlError);
        }
        return "";
    }

    /** True when the reason means the instance cannot follow the primary any more. */
    public static boolean isPermanent(String reason) {
        return reason.startsWith(DIVERGED) || reason.startsWith(CANNOT_CATCH_UP);
    }

    static String classifyIo(int errno, String error) {
        String text = nullToEmpty(error);
        if (errno == ER_MASTER_FATAL_ERROR_READING_BINLOG) {
            return (text.contains("purged") ? CANNOT_CATCH_UP : DIVERGED) + " " + text;
        }
        return "connection (" + errno + "): " + text;
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
