package dev.marina.agent.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

class BinlogFileTest {

    /** Writes a binlog v4 byte by byte, as the server lays it out. */
    static final class Writer {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final boolean checksums;
        long position = 4;

        Writer(boolean checksums, boolean inUse) {
            this.checksums = checksums;
            out.writeBytes(BinlogFile.MAGIC);
            // Format description: binlog version, server version (50), create time, header length, post-header lengths,
            // checksum algorithm.
            ByteBuffer b = le(2 + 50 + 4 + 1 + 10 + 1);
            b.putShort((short) 4);
            byte[] version = new byte[50];
            byte[] text = "10.11.19-MariaDB-log".getBytes();
            System.arraycopy(text, 0, version, 0, text.length);
            b.put(version).putInt(1_700_000_000).put((byte) 19).put(new byte[10]).put((byte) (checksums ? 1 : 0));
            event(1_700_000_000, BinlogFile.FORMAT_DESCRIPTION_EVENT, 1, inUse ? BinlogFile.IN_USE : 0, b.array(), true);
        }

        Writer gtidList(long[][] gtids) {
            ByteBuffer b = le(4 + 16 * gtids.length);
            b.putInt(gtids.length);
            for (long[] g : gtids) {
                b.putInt((int) g[0]).putInt((int) g[1]).putLong(g[2]);
            }
            return event(1_700_000_000, BinlogFile.GTID_LIST_EVENT, 1, 0, b.array(), false);
        }

        /** One transaction: GTID event, a query, an XID (type 16). */
        Writer transaction(long time, long domain, long server, long seq) {
            ByteBuffer g = le(8 + 4 + 1 + 6);
            g.putLong(seq).putInt((int) domain).put((byte) 0);
            event(time, BinlogFile.GTID_EVENT, server, 0, g.array(), false);
            event(time, 2, server, 0, "INSERT INTO t VALUES (1)".getBytes(), false);
            return event(time + 1, 16, server, 0, le(8).putLong(seq).array(), false);
        }

        Writer rotate(long time) {
            return event(time, BinlogFile.ROTATE_EVENT, 1, 0, "\4\0\0\0\0\0\0\0mariadb-bin.000002".getBytes(), false);
        }

        Writer event(long time, int type, long server, int flags, byte[] body, boolean format) {
            int size = BinlogFile.HEADER + body.length + (checksums || format ? 4 : 0);
            ByteBuffer h = le(BinlogFile.HEADER);
            h.putInt((int) time).put((byte) type).putInt((int) server).putInt(size).putInt((int) (position + size)).putShort((short) flags);
            out.writeBytes(h.array());
            out.writeBytes(body);
            if (checksums || format) {
                CRC32 crc = new CRC32();
                crc.update(h.array());
                crc.update(body);
                out.writeBytes(le(4).putInt(checksums ? (int) crc.getValue() : 0).array());
            }
            position += size;
            return this;
        }

        byte[] bytes() {
            return out.toByteArray();
        }

        private static ByteBuffer le(int n) {
            return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
        }
    }

    private static BinlogFile scan(byte[] bytes) throws Exception {
        return BinlogFile.scan("mariadb-bin.000001", new ByteArrayInputStream(bytes));
    }

    @Test
    void readsTheStateBeforeTheFileItsTransactionsAndTheirTimes() throws Exception {
        byte[] bytes = new Writer(true, false).gtidList(new long[][] {{0, 1, 41}, {1, 7, 3}})
                .transaction(1_700_000_100, 0, 1, 42).transaction(1_700_000_200, 0, 2, 43).transaction(1_700_000_300, 0, 2, 44)
                .rotate(1_700_000_400).bytes();
        BinlogFile file = scan(bytes);
        assertEquals("0-1-41,1-7-3", file.startState());
        assertEquals("0-1-42", file.firstGtid());
        assertEquals("0-2-44", file.lastGtid());
        assertEquals(3, file.transactions());
        assertEquals(Instant.ofEpochSecond(1_700_000_100), file.firstEventAt());
        assertEquals(Instant.ofEpochSecond(1_700_000_301), file.lastEventAt(), "the last transaction's last event, not the rotation");
        assertEquals(bytes.length, file.sizeBytes());
        assertTrue(file.closed());
    }

    @Test
    void readsAFileWithoutChecksums() throws Exception {
        BinlogFile file = scan(new Writer(false, false).gtidList(new long[0][]).transaction(1_700_000_100, 0, 1, 1).rotate(1_700_000_101)
                .bytes());
        assertEquals("", file.startState());
        assertEquals("0-1-1", file.firstGtid());
        assertTrue(file.closed());
    }

    @Test
    void aFileTheServerStillWritesIsNotClosed() throws Exception {
        assertFalse(scan(new Writer(true, true).gtidList(new long[0][]).transaction(1_700_000_100, 0, 1, 1).bytes()).closed());
        assertFalse(scan(new Writer(true, false).gtidList(new long[0][]).transaction(1_700_000_100, 0, 1, 1).bytes()).closed(),
                "no rotate event at its end");
    }

    @Test
    void aFileWithoutTransactionsHasNoGtids() throws Exception {
        BinlogFile file = scan(new Writer(true, false).gtidList(new long[][] {{0, 1, 9}}).rotate(1_700_000_101).bytes());
        assertEquals(0, file.transactions());
        assertEquals("", file.firstGtid());
        assertEquals("0-1-9", file.startState());
        assertEquals(null, file.firstEventAt());
    }

    @Test
    void refusesACutFileAnAlteredByteAndSomethingElse() throws Exception {
        byte[] bytes = new Writer(true, false).gtidList(new long[0][]).transaction(1_700_000_100, 0, 1, 1).rotate(1_700_000_101).bytes();
        BinlogFile.Unreadable cut = assertThrows(BinlogFile.Unreadable.class, () -> scan(java.util.Arrays.copyOf(bytes, bytes.length - 3)));
        assertTrue(cut.getMessage().contains("cut"), cut.getMessage());
        byte[] altered = bytes.clone();
        altered[bytes.length - 30] ^= 0x40;
        BinlogFile.Unreadable mismatch = assertThrows(BinlogFile.Unreadable.class, () -> scan(altered));
        assertTrue(mismatch.getMessage().contains("checksum mismatch"), mismatch.getMessage());
        BinlogFile.Unreadable notOne = assertThrows(BinlogFile.Unreadable.class, () -> scan("hello world".getBytes()));
        assertTrue(notOne.getMessage().contains("magic"), notOne.getMessage());
    }
}
