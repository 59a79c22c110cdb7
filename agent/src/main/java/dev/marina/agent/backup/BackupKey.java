package dev.marina.agent.backup;

import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * The deployment's backup key: 32 bytes for AES-256, and the id it is known by (recorded in every stream header and
 * manifest). Its sealed form on a command opens to the bytes in base64. Never logged: {@link #toString} shows the id only.
 */
public final class BackupKey {
    public static final int BYTES = 32;
    /** Key ids go into the stream header with a one-byte length. */
    public static final int MAX_ID_BYTES = 255;

    private final String id;
    private final byte[] bytes;

    public BackupKey(String id, byte[] bytes) {
        Objects.requireNonNull(id, "id");
        if (id.isEmpty() || id.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_ID_BYTES) {
            throw new IllegalArgumentException("a backup key id is 1 to " + MAX_ID_BYTES + " bytes");
        }
        if (bytes.length != BYTES) {
            throw new IllegalArgumentException("a backup key is " + BYTES + " bytes, not " + bytes.length);
        }
        this.id = id;
        this.bytes = bytes.clone();
    }

    /** From the opened secret: the key's bytes in base64. */
    public static BackupKey fromBase64(String id, String base64) {
        byte[] decoded;
        try {
            // the platform makes keys URL-safe (SecretBox.randomPassword); the standard alphabet is read too
            decoded = Base64.getUrlDecoder().decode(base64.trim().replace('+', '-').replace('/', '_'));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the backup key is not base64");
        }
        try {
            return new BackupKey(id, decoded);
        } finally {
            Arrays.fill(decoded, (byte) 0);
        }
    }

    public String id() {
        return id;
    }

    SecretKey secretKey() {
        return new SecretKeySpec(bytes, "AES");
    }

    @Override
    public String toString() {
        return "BackupKey[" + id + "]";
    }
}
