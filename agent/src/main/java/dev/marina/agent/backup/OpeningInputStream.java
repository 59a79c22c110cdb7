package dev.marina.agent.backup;

import java.io.IOException;
import java.io.InputStream;
import java.security.GeneralSecurityException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;

/**
 * Decrypts a {@link SegmentFormat} stream. Hands out a segment's plaintext only once its tag checked; throws
 * {@link IOException} for another key id, a wrong key, an altered, reordered or dropped segment, and a stream
 * that ends without its last segment.
 */
public final class OpeningInputStream extends InputStream {
    private final InputStream in;
    private final BackupKey key;
    private final SegmentFormat.Header header;
    private final Cipher cipher = SegmentFormat.cipher();
    private final byte[] sealed;
    private int peeked = -1;
    private byte[] plain = new byte[0];
    private int position;
    private long index;
    private boolean lastSeen;

    public OpeningInputStream(InputStream in, BackupKey key) throws IOException {
        this.in = in;
        this.key = key;
        this.header = SegmentFormat.readHeader(in);
        if (!header.keyId().equals(key.id())) {
            throw new IOException("the backup is encrypted with key \"" + header.keyId() + "\", not \"" + key.id() + "\"");
        }
        this.sealed = new byte[header.segmentSize() + SegmentFormat.TAG_BYTES];
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
        while (position == plain.length) {
            if (lastSeen) {
                return -1;
            }
            openNext();
        }
        int n = Math.min(len, plain.length - position);
        System.arraycopy(plain, position, b, off, n);
        position += n;
        return n;
    }

    private void openNext() throws IOException {
        int filled = 0;
        if (peeked >= 0) {
            sealed[filled++] = (byte) peeked;
            peeked = -1;
        }
        while (filled < sealed.length) {
            int n = in.read(sealed, filled, sealed.length - filled);
            if (n < 0) {
                break;
            }
            filled += n;
        }
        boolean last;
        if (filled < sealed.length) {
            last = true;
        } else {
            peeked = in.read();
            last = peeked < 0;
        }
        if (filled < SegmentFormat.TAG_BYTES) {
            throw new IOException("encrypted backup stream truncated: segment " + index + " is incomplete");
        }
        try {
            cipher.init(Cipher.DECRYPT_MODE, key.secretKey(), SegmentFormat.nonce(header.noncePrefix(), index, last));
            cipher.updateAAD(header.bytes());
            plain = cipher.doFinal(sealed, 0, filled);
        } catch (AEADBadTagException e) {
            throw new IOException("segment " + index + " does not authenticate: wrong key, or the stream was altered, "
                    + "truncated or reordered");
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot decrypt segment " + index + ": " + e.getMessage(), e);
        }
        position = 0;
        index++;
        lastSeen = last;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
