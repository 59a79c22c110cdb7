package dev.marina.agent.backup;

import java.io.IOException;
import java.io.OutputStream;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.Cipher;

/**
 * Encrypts what is written into the segmented stream of {@link SegmentFormat}. {@link #close()} writes the last
 * segment: a stream whose writer failed must not be closed (only the stream under it), so it never decrypts as
 * complete.
 */
public final class SealingOutputStream extends OutputStream {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final OutputStream out;
    private final BackupKey key;
    private final SegmentFormat.Header header;
    private final Cipher cipher = SegmentFormat.cipher();
    private final byte[] buffer;
    private final byte[] sealed;
    private int filled;
    private long index;
    private boolean closed;

    public SealingOutputStream(OutputStream out, BackupKey key) throws IOException {
        this(out, key, SegmentFormat.DEFAULT_SEGMENT_SIZE);
    }

    SealingOutputStream(OutputStream out, BackupKey key, int segmentSize) throws IOException {
        this.out = out;
        this.key = key;
        byte[] prefix = new byte[SegmentFormat.PREFIX_BYTES];
        RANDOM.nextBytes(prefix);
        this.header = SegmentFormat.header(segmentSize, prefix, key.id());
        this.buffer = new byte[segmentSize];
        this.sealed = new byte[segmentSize + SegmentFormat.TAG_BYTES];
        out.write(header.bytes());
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (closed) {
            throw new IOException("stream closed");
        }
        while (len > 0) {
            if (filled == buffer.length) {
                // More follows, so the full buffer is not the last segment.
                seal(false);
            }
            int n = Math.min(len, buffer.length - filled);
            System.arraycopy(b, off, buffer, filled, n);
            filled += n;
            off += n;
            len -= n;
        }
    }

    private void seal(boolean last) throws IOException {
        try {
            cipher.init(Cipher.ENCRYPT_MODE, key.secretKey(), SegmentFormat.nonce(header.noncePrefix(), index, last));
            cipher.updateAAD(header.bytes());
            out.write(sealed, 0, SegmentFormat.seal(cipher, buffer, filled, sealed));
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot encrypt segment " + index + ": " + e.getMessage(), e);
        }
        index++;
        filled = 0;
    }

    /** Writes the last segment (possibly empty) and closes the stream under it. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        seal(true);
        out.close();
    }
}
