package dev.marina.agent.archive;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.zip.CRC32;

/**
 * What one MariaDB binary-log file holds, read from its bytes (no server, no {@code mariadb-binlog}): the GTID state
 * before it (its Gtid_list event), its first and last transaction and their times, how many transactions, and whether
 * the server closed it (a Rotate or Stop event last, the in-use flag of its format event cleared).
 *
 * <p>Format (binlog v4): the magic {@code \xfebin}, then events of a 19-byte header (timestamp u32, type u8, server id
 * u32, event size u32, next position u32, flags u16; little-endian) and a body. The Format_description event (15) says
 * whether events end in a CRC32 (its checksum algorithm byte sits 5 bytes before its end); each CRC is checked. A
 * GTID event (162) starts a transaction: seq_no u64, domain u32. A Gtid_list event (163): count u32 (low 28 bits),
 * then count × (domain u32, server id u32, seq_no u64).
 *
 * @param startState   the binary-log state before the first transaction, e.g. "0-1-41" ("" when the list is empty)
 * @param firstGtid    the first transaction's GTID, "" when none
 * @param lastGtid     the last transaction's GTID, "" when none
 * @param firstEventAt the first transaction's time (its GTID event's); null when none
 * @param lastEventAt  the latest time of an event of a transaction; null when none
 * @param closed       the server closed the file: it ends in a Rotate or Stop event and is not marked in use
 */
public record BinlogFile(String fileName, long sizeBytes, String startState, String firstGtid, String lastGtid, Instant firstEventAt,
        Instant lastEventAt, long transactions, boolean closed) {

    static final byte[] MAGIC = {(byte) 0xfe, 'b', 'i', 'n'};
    static final int HEADER = 19;
    static final int STOP_EVENT = 3;
    static final int ROTATE_EVENT = 4;
    static final int FORMAT_DESCRIPTION_EVENT = 15;
    static final int BINLOG_CHECKPOINT_EVENT = 161;
    static final int GTID_EVENT = 162;
    static final int GTID_LIST_EVENT = 163;
    static final int START_ENCRYPTION_EVENT = 164;
    /** LOG_EVENT_BINLOG_IN_USE_F: set in the format event's header while the server writes the file. */
    static final int IN_USE = 0x1;
    static final int CHECKSUM_CRC32 = 1;
    /** No event is bigger than this (max_allowed_packet is at most 1 GiB). */
    static final long MAX_EVENT = (1L << 30) + 4096;

    /** A file that is not a readable binary log; the message names the file and the offset. */
    public static final class Unreadable extends IOException {
        Unreadable(String message) {
            super(message);
        }
    }

    public static BinlogFile scan(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return scan(file.getFileName().toString(), in);
        }
    }

    public static BinlogFile scan(String fileName, InputStream input) throws IOException {
        DataInputStream in = new DataInputStream(new BufferedInputStream(input, 1 << 16));
        byte[] magic = new byte[4];
        try {
            in.readFully(magic);
        } catch (EOFException e) {
            throw new Unreadable(fileName + " is not a binary log: shorter than its magic number");
        }
        if (!java.util.Arrays.equals(magic, MAGIC)) {
            throw new Unreadable(fileName + " is not a binary log: no \\xfebin magic number");
        }
        long offset = 4;
        boolean checksums = false;
        boolean inUse = false;
        boolean sawFormat = false;
        int lastType = -1;
        String startState = null;
        String firstGtid = "";
        String lastGtid = "";
        Instant firstAt = null;
        Instant lastAt = null;
        long transactions = 0;
        byte[] header = new byte[HEADER];
        while (true) {
            int n = in.readNBytes(header, 0, HEADER);
            if (n == 0) {
                break;
            }
            if (n < HEADER) {
                throw new Unreadable(fileName + ": event header cut at offset " + offset + " (" + n + " of " + HEADER + " bytes)");
            }
            ByteBuffer h = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
            long timestamp = Integer.toUnsignedLong(h.getInt(0));
            int type = header[4] & 0xff;
            long serverId = Integer.toUnsignedLong(h.getInt(5));
            long size = Integer.toUnsignedLong(h.getInt(9));
            int flags = h.getShort(17) & 0xffff;
            if (size < HEADER || size > MAX_EVENT) {
                throw new Unreadable(fileName + ": event at offset " + offset + " has an impossible size " + size);
            }
            byte[] body = new byte[(int) size - HEADER];
            int read = in.readNBytes(body, 0, body.length);
            if (read < body.length) {
                throw new Unreadable(fileName + ": event at offset " + offset + " cut (" + (HEADER + read) + " of " + size + " bytes)");
            }
            if (type == FORMAT_DESCRIPTION_EVENT) {
                if (body.length < 5 + 57) {
                    throw new Unreadable(fileName + ": format description event at offset " + offset + " is too short");
                }
                checksums = (body[body.length - 5] & 0xff) == CHECKSUM_CRC32;
                inUse = (flags & IN_USE) != 0;
                sawFormat = true;
            } else if (!sawFormat) {
                throw new Unreadable(fileName + ": event type " + type + " at offset " + offset + " before the format description event");
            }
            int bodyLength = body.length;
            if (checksums) {
                if (bodyLength < 4) {
                    throw new Unreadable(fileName + ": event at offset " + offset + " too short for its checksum");
                }
                bodyLength -= 4;
                CRC32 crc = new CRC32();
                crc.update(header);
                crc.update(body, 0, bodyLength);
                long stored = Integer.toUnsignedLong(ByteBuffer.wrap(body, bodyLength, 4).order(ByteOrder.LITTLE_ENDIAN).getInt());
                // The server sets and clears the format event's in-use flag in place: its checksum holds for either.
                if (crc.getValue() != stored && !(type == FORMAT_DESCRIPTION_EVENT && crcWithInUseFlipped(header, body, bodyLength) == stored)) {
                    throw new Unreadable(fileName + ": checksum mismatch in the event of type " + type + " at offset " + offset);
                }
            }
            ByteBuffer b = ByteBuffer.wrap(body, 0, bodyLength).order(ByteOrder.LITTLE_ENDIAN);
            switch (type) {
                case START_ENCRYPTION_EVENT -> throw new Unreadable(fileName + " is encrypted by the server (encrypt_binlog): not readable here");
                case GTID_LIST_EVENT -> {
                    if (startState == null) {
                        startState = gtidList(fileName, offset, b);
                    }
                }
                case GTID_EVENT -> {
                    if (bodyLength < 13) {
                        throw new Unreadable(fileName + ": GTID event at offset " + offset + " is too short");
                    }
                    long seq = b.getLong(0);
                    long domain = Integer.toUnsignedLong(b.getInt(8));
                    String gtid = domain + "-" + serverId + "-" + Long.toUnsignedString(seq);
                    if (firstGtid.isEmpty()) {
                        firstGtid = gtid;
                        firstAt = Instant.ofEpochSecond(timestamp);
                    }
                    lastGtid = gtid;
                    transactions++;
                    lastAt = max(lastAt, Instant.ofEpochSecond(timestamp));
                }
                case FORMAT_DESCRIPTION_EVENT, ROTATE_EVENT, STOP_EVENT, BINLOG_CHECKPOINT_EVENT -> { }
                default -> {
                    if (!firstGtid.isEmpty()) {
                        lastAt = max(lastAt, Instant.ofEpochSecond(timestamp));
                    }
                }
            }
            lastType = type;
            offset += size;
        }
        if (!sawFormat) {
            throw new Unreadable(fileName + " holds no format description event");
        }
        boolean closed = !inUse && (lastType == ROTATE_EVENT || lastType == STOP_EVENT);
        return new BinlogFile(fileName, offset, startState == null ? "" : startState, firstGtid, lastGtid, firstAt, lastAt, transactions,
                closed);
    }

    private static long crcWithInUseFlipped(byte[] header, byte[] body, int bodyLength) {
        byte[] flagged = header.clone();
        flagged[17] ^= IN_USE;
        CRC32 crc = new CRC32();
        crc.update(flagged);
        crc.update(body, 0, bodyLength);
        return crc.getValue();
    }

    private static String gtidList(String fileName, long offset, ByteBuffer b) throws Unreadable {
        if (b.limit() < 4) {
            throw new Unreadable(fileName + ": Gtid_list event at offset " + offset + " is too short");
        }
        long count = Integer.toUnsignedLong(b.getInt(0)) & 0x0fffffffL;
        if (4 + count * 16 > b.limit()) {
            throw new Unreadable(fileName + ": Gtid_list event at offset " + offset + " lists " + count + " GTIDs it has no room for");
        }
        Map<Long, String> byDomain = new TreeMap<>();
        for (int i = 0; i < count; i++) {
            int at = 4 + i * 16;
            long domain = Integer.toUnsignedLong(b.getInt(at));
            long server = Integer.toUnsignedLong(b.getInt(at + 4));
            long seq = b.getLong(at + 8);
            byDomain.put(domain, domain + "-" + server + "-" + Long.toUnsignedString(seq));
        }
        return byDomain.values().stream().collect(Collectors.joining(","));
    }

    private static Instant max(Instant a, Instant b) {
        return a == null || b.isAfter(a) ? b : a;
    }
}
