package dev.marina.agent.backup;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What mariadb-backup says on stderr: the server's version, the binlog position the copy is consistent at (the same
 * facts it writes into {@code xtrabackup_binlog_info} inside the stream), whether it completed, and why not.
 */
public final class ToolOutput {
    private ToolOutput() {}

    /** The position and GTID the copy is consistent at; gtid empty when the server never wrote a transaction. */
    public record BinlogPosition(String file, long position, String gtid) {}

    private static final Pattern BINLOG = Pattern.compile(
            "MySQL binlog position: filename '([^']*)', position '(\\d+)'(?:, GTID of the last change '([^']*)')?");
    private static final Pattern SERVER_VERSION = Pattern.compile("Using server version (\\S+)");
    private static final Pattern SHORT_VERSION = Pattern.compile("^(\\d+\\.\\d+\\.\\d+)");
    /** "[00] 2026-12-02 22:38:38 " before most lines. */
    private static final Pattern PREFIX = Pattern.compile("^\\[\\d+\\] \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2} ");
    static final String COMPLETED = "completed OK!";

    public static Optional<BinlogPosition> binlogPosition(String stderr) {
        Matcher m = BINLOG.matcher(stderr);
        BinlogPosition found = null;
        while (m.find()) {
            found = new BinlogPosition(m.group(1), Long.parseLong(m.group(2)), m.group(3) == null ? "" : m.group(3));
        }
        return Optional.ofNullable(found);
    }

    /** The server's version as "10.11.19" (from "Using server version 10.11.19-MariaDB-…"). */
    public static Optional<String> serverVersion(String stderr) {
        Matcher m = SERVER_VERSION.matcher(stderr);
        if (!m.find()) {
            return Optional.empty();
        }
        Matcher shortVersion = SHORT_VERSION.matcher(m.group(1));
        return Optional.of(shortVersion.find() ? shortVersion.group(1) : m.group(1));
    }

    /** True when the last line that is not blank says the backup completed. */
    public static boolean completed(String stderr) {
        List<String> lines = meaningfulLines(stderr);
        return !lines.isEmpty() && lines.get(lines.size() - 1).endsWith(COMPLETED);
    }

    /** The last few lines, without their timestamps: why it failed, for people. At most 500 characters. */
    public static String failureSummary(String stderr) {
        List<String> lines = meaningfulLines(stderr);
        List<String> tail = lines.subList(Math.max(0, lines.size() - 2), lines.size());
        String summary = String.join(" / ", tail);
        if (summary.isEmpty()) {
            return "no output";
        }
        return summary.length() > 500 ? "…" + summary.substring(summary.length() - 499) : summary;
    }

    private static List<String> meaningfulLines(String stderr) {
        List<String> lines = new ArrayList<>();
        for (String line : stderr.split("\n")) {
            String text = PREFIX.matcher(line.strip()).replaceFirst("").strip();
            if (!text.isEmpty()) {
                lines.add(text);
            }
        }
        return lines;
    }
}
