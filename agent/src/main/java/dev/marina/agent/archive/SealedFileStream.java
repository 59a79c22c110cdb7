package dev.marina.agent.archive;

import dev.marina.agent.backup.BackupKey;
import dev.marina.agent.backup.SealingOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A file as the backup format's segmented AES-256-GCM stream ({@code SegmentFormat}), produced as it is read: no
 * copy on disk, no thread, at most a segment in memory. Counts and hashes the plaintext read and the stored bytes
 * handed out. The last segment is sealed only at the file's end, so a reader that stops early never holds a stream
 * that decrypts as complete.
 */
final class SealedFileStream extends InputStream {
    private final InputStream file;
    private final Buffer buffer = new Buffer();
    private final SealingOutputStream sealing;
    private final MessageDigest stored = sha256();
    private final byte[] chunk = new byte[1 << 16];
    private long plainBytes;
    private long storedBytes;
    private int handedOut;
    private boolean ended;

    SealedFileStream(Path path, BackupKey key) throws IOException {
        this.file = Files.newInputStream(path);
        this.sealing = new SealingOutputStream(buffer, key);
    }

    /** Exposes its bytes so they are handed out without copying. */
    private static final class Buffer extends ByteArrayOutputStream {
        byte[] bytes() {
            return buf;
        }

        @Override
        public void close() {}
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (handedOut == buffer.size()) {
            buffer.reset();
            handedOut = 0;
            if (ended) {
                return -1;
            }
            int n = file.read(chunk);
            if (n < 0) {
                ended = true;
                sealing.close();
            } else {
                plainBytes += n;
                sealing.write(chunk, 0, n);
            }
        }
        int n = Math.min(len, buffer.size() - handedOut);
        System.arraycopy(buffer.bytes(), handedOut, b, off, n);
        stored.update(b, off, n);
        handedOut += n;
        storedBytes += n;
        return n;
    }

    long plainBytes() {
        return plainBytes;
    }

    long storedBytes() {
        return storedBytes;
    }

    /** The stored bytes' SHA-256 (hex); once, after the end. */
    String storedSha256() {
        return HexFormat.of().formatHex(stored.digest());
    }

    boolean ended() {
        return ended && handedOut == buffer.size();
    }

    @Override
    public void close() throws IOException {
        file.close();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
    }
}
