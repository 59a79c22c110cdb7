package dev.marina.agent.backup;

import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@code mariadb-binlog}'s output as it streams past on its way to the client and keeps the last transaction
 * that went through whole: the GTID the server's binary log must end at after the replay, known independently of it.
 *
 * <p>A transaction starts at its GTID event's header comment ({@code #261203  3:35:14 server id 7  end_log_pos 386
 * CRC32 0x5ee5121a <tab>GTID 0-7-6 trans}). A group ({@code START TRANSACTION} or {@code BEGIN} after it) is complete at
 * its {@code COMMIT/*!*}{@code /;} (an Xid or a COMMIT query); a standalone one (DDL) is complete as printed, i.e. when
 * the next GTID or the end comes. A group still open at the end was cut (the client rolls it back): {@link #open()}.
 *
 * <p>Only the first {@value #KEPT} bytes of a line are looked at; the BINLOG base64 lines never start with '#'. A
 * customer's DDL text could hold a line that looks like a GTID header: the scan would then disagree with the server, and
 * the replay is refused, never trusted.
 */
final class ReplayScan {
    static final int KEPT = 256;
    private static final Pattern GTID_HEADER = Pattern.compile(
            "^#\\d{6} [ \\d]\\d:\\d\\d:\\d\\d server id \\d+ +end_log_pos \\d+ .*\\tGTID (\\d+-\\d+-\\d+)(?: .*)?$");

    private final byte[] line = new byte[KEPT];
    private int length;
    private boolean truncated;

    private String current = "";
    private boolean pending;
    private boolean inGroup;
    private String lastComplete = "";
    private long transactions;

    /** Feeds the next bytes of the output. */
    void accept(byte[] bytes, int offset, int count) {
        for (int i = offset; i < offset + count; i++) {
            byte b = bytes[i];
            if (b == '\n') {
                endLine();
            } else if (length < KEPT) {
                line[length++] = b;
            } else {
                truncated = true;
            }
        }
    }

    /** The output ended: a standalone transaction still pending counts; an open group does not. */
    void finish() {
        if (length > 0) {
            endLine();
        }
        completeStandalone();
    }

    /** The last transaction that went through whole; "" when none. */
    String lastComplete() {
        return lastComplete;
    }

    /** How many transactions went through whole. */
    long transactions() {
        return transactions;
    }

    /** The GTID of a group that was started and not committed at the end; "" when none. */
    String open() {
        return pending && inGroup ? current : "";
    }

    private void endLine() {
        String text = truncated ? "" : new String(line, 0, length, StandardCharsets.UTF_8);
        length = 0;
        truncated = false;
        if (text.startsWith("#")) {
            Matcher m = GTID_HEADER.matcher(text);
            if (m.matches()) {
                completeStandalone();
                current = m.group(1);
                pending = true;
                inGroup = false;
            }
        } else if (pending && !inGroup && (text.equals("START TRANSACTION") || text.equals("BEGIN"))) {
            inGroup = true;
        } else if (pending && inGroup && text.equals("COMMIT/*!*/;")) {
            complete();
        }
    }

    private void completeStandalone() {
        if (pending && !inGroup) {
            complete();
        }
    }

    private void complete() {
        lastComplete = current;
        pending = false;
        inGroup = false;
        transactions++;
    }
}
