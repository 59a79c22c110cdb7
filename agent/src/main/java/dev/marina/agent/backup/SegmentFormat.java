package dev.marina.agent.backup;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;

/**
 * The encrypted stream a backup object is stored as (see DESIGN.md): a header, then segments of AES-256-GCM.
 *
 * <pre>
 * header  = "MRNB" | version (1 byte, 1) | segment size (4 bytes) | nonce prefix (7 random bytes)
 *           | key id length (1 byte) | key id (UTF-8)
 * segment = AES-GCM(plaintext of segment size bytes; the last one up to that, empty only for an empty stream) | tag (16 bytes)
 * nonce   = nonce prefix (7) | segment index (4, big-endian) | 1 for the last segment, else 0
 * </pre>
 *
 * Every segment authenticates the whole header as associated data. The index in the nonce refuses reordered or
 * dropped segments, the last-segment flag refuses a stream cut at a segment boundary, the tag refuses a wrong key
 * and any altered byte.
 */
public final class SegmentFormat {
    private SegmentFormat() {}

    static final byte[] MAGIC = "MRNB".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 1;
    static final int PREFIX_BYTES = 7;
    static final int TAG_BYTES = 16;
    /** 1 MiB of plaintext per segment by default. */
    static final int DEFAULT_SEGMENT_SIZE = 1 << 20;
    static final int MIN_SEGMENT_SIZE = 16;
    static final int MAX_SEGMENT_SIZE = 16 << 20;
    /** The index is 4 bytes: at most this many segments (4 PiB at 1 MiB). */
    static final long MAX_SEGMENTS = 1L << 32;

    static final String CIPHER = "AES/GCM/NoPadding";

    /** A parsed header and its exact bytes (the associated data of every segment). */
    record Header(int segmentSize, byte[] noncePrefix, String keyId, byte[] bytes) {}

    static Header header(int segmentSize, byte[] noncePrefix, String keyId) {
        byte[] id = keyId.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(MAGIC.length + 1 + 4 + PREFIX_BYTES + 1 + id.length);
        b.put(MAGIC).put((byte) VERSION).putInt(segmentSize).put(noncePrefix).put((byte) id.length).put(id);
        return new Header(segmentSize, noncePrefix.clone(), keyId, b.array());
    }

    static Header readHeader(InputStream in) throws IOException {
        DataInputStream data = new DataInputStream(in);
        try {
            byte[] magic = new byte[MAGIC.length];
            data.readFully(magic);
            if (!Arrays.equals(magic, MAGIC)) {
                throw new IOException("not an encrypted backup stream (no MRNB header)");
            }
            int version = data.readUnsignedByte();
            if (version != VERSION) {
                throw new IOException("encrypted backup stream version " + version + " is not known here (only " + VERSION + ")");
            }
            int segmentSize = data.readInt();
            if (segmentSize < MIN_SEGMENT_SIZE || segmentSize > MAX_SEGMENT_SIZE) {
                throw new IOException("segment size " + segmentSize + " is out of range");
            }
            byte[] prefix = new byte[PREFIX_BYTES];
            data.readFully(prefix);
            byte[] id = new byte[data.readUnsignedByte()];
            data.readFully(id);
            return header(segmentSize, prefix, new String(id, StandardCharsets.UTF_8));
        } catch (EOFException e) {
            throw new IOException("encrypted backup stream truncated: its header is incomplete");
        }
    }

    static GCMParameterSpec nonce(byte[] prefix, long index, boolean last) {
        if (index >= MAX_SEGMENTS) {
            throw new IllegalStateException("too many segments for one stream");
        }
        byte[] nonce = ByteBuffer.allocate(PREFIX_BYTES + 4 + 1).put(prefix).putInt((int) index).put((byte) (last ? 1 : 0)).array();
        return new GCMParameterSpec(TAG_BYTES * 8, nonce);
    }

    /**
     * Feeds a segment to an initialised cipher in {@link #UPDATE_BYTES} pieces, then finishes it (the tag follows the
     * ciphertext in {@code out}); returns the bytes written. Why pieces: the JDK's AES-GCM runs at about 60 MB/s until
     * the JIT has compiled its inner loop with the AES and GHASH intrinsics, which it does after enough calls, not
     * enough bytes; whole 1 MiB segments needed some 200 MB for that, 16 KiB pieces about 2 MB, then 2.5 GB/s
     * (measured on this machine, JDK 17).
     */
    static int seal(Cipher cipher, byte[] in, int length, byte[] out) throws GeneralSecurityException {
        int written = 0;
        int offset = 0;
        while (length - offset > UPDATE_BYTES) {
            written += cipher.update(in, offset, UPDATE_BYTES, out, written);
            offset += UPDATE_BYTES;
        }
        return written + cipher.doFinal(in, offset, length - offset, out, written);
    }

    static final int UPDATE_BYTES = 16 * 1024;

    /**
     * Runs the cipher over a few MiB in both directions so the JIT compiles its intrinsics before the first backup,
     * restore or archived binary log needs them (else the first few hundred MB go at a tenth of the speed; see
     * {@link #seal}). Runs once per JVM, before the first cipher is handed out (see {@link #cipher}): an agent that
     * never encrypts never pays for it, and agents starting together do not spend their start-up on it. It takes
     * about 0.15 s of one core.
     */
    public static void warmUp() {
        try {
            javax.crypto.spec.SecretKeySpec key = new javax.crypto.spec.SecretKeySpec(new byte[32], "AES");
            // The JIT counts calls: many small updates get it there with little data (about 10 MB here).
            byte[] plain = new byte[WARM_UP_PIECE * 1000];
            byte[] sealed = new byte[plain.length + TAG_BYTES];
            Cipher cipher = newCipher();
            for (int i = 0; i < 20; i++) {
                GCMParameterSpec nonce = nonce(new byte[PREFIX_BYTES], i, false);
                cipher.init(Cipher.ENCRYPT_MODE, key, nonce);
                int written = 0;
                for (int offset = 0; offset < plain.length; offset += WARM_UP_PIECE) {
                    written += cipher.update(plain, offset, WARM_UP_PIECE, sealed, written);
                }
                written += cipher.doFinal(sealed, written);
                cipher.init(Cipher.DECRYPT_MODE, key, nonce);
                cipher.doFinal(sealed, 0, written);
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the cipher failed on its own test data", e);
        }
    }

    private static final int WARM_UP_PIECE = 512;

    /** A cipher for a segment stream; the first call in a JVM warms the JIT up first. */
    static Cipher cipher() {
        WarmedUp.ensure();
        return newCipher();
    }

    /** The JVM runs a class's initialiser exactly once, whichever thread gets there first; the others wait for it. */
    private static final class WarmedUp {
        static {
            warmUp();
        }

        static void ensure() {}
    }

    private static Cipher newCipher() {
        try {
            return Cipher.getInstance(CIPHER);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks " + CIPHER, e);
        }
    }
}
