package dev.marina.agent.archive;

import java.nio.file.Path;
import java.util.List;

/**
 * What the archiver needs of the instance's database server (one implementation per engine; MariaDB's is
 * {@code MariaDbServer}). Called from the archiver's thread; every method is safe to repeat.
 */
public interface BinlogServer {

    /** One binary log as the server lists it ({@code SHOW BINARY LOGS}). */
    record BinaryLog(String name, long sizeBytes) {}

    /** {@code @@gtid_binlog_pos} now. */
    String binlogPosition();

    /** Closes the binary log being written and opens the next ({@code FLUSH BINARY LOGS}, not binlogged). */
    void rotateBinaryLogs();

    /** The server's binary logs, oldest first; the last is the one it writes to. */
    List<BinaryLog> binaryLogs();

    /** Where the server keeps a binary log (the agent runs on the server's host and reads it directly). */
    Path binaryLogFile(String name);

    /** Removes the binary logs before {@code name} ({@code PURGE BINARY LOGS TO}). */
    void purgeBinaryLogsTo(String name);

    /**
     * Whether the binary logs must stay until archived: expiry off ({@code binlog_expire_logs_seconds=0}) at once when
     * the server runs and in my.cnf for every later start; off again: the 7-day expiry.
     */
    void keepBinaryLogs(boolean keep);
}
