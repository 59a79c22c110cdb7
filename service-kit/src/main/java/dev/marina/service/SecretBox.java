package dev.marina.service;

import com.google.protobuf.ByteString;
import dev.marina.schemas.v1.SealedSecret;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals secrets (AES-256-GCM) so they never travel in plaintext on a topic (design principle 7).
 * The platform key lives in a file readable only by its owner; locally {@code ./marina up} keeps it
 * under {@code .marina/secrets/}. In production the same interface would sit on a KMS.
 */
public final class SecretBox {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final SecretKeySpec key;
    private final String keyId;

    private SecretBox(byte[] keyBytes) {
        if (keyBytes.length != 32) {
            throw new IllegalArgumentException("the platform key must be 32 bytes, is " + keyBytes.length);
        }
        this.key = new SecretKeySpec(keyBytes, "AES");
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(keyBytes);
            this.keyId = HexFormat.of().formatHex(digest, 0, 4);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads the key file, creating it with a new random key (mode 0600) when it does not exist yet. */
    public static SecretBox fromKeyFile(Path file) {
        try {
            if (!Files.exists(file)) {
                Files.createDirectories(file.toAbsolutePath().getParent());
                byte[] fresh = new byte[32];
                RANDOM.nextBytes(fresh);
                Path temp = Files.createTempFile(file.toAbsolutePath().getParent(), ".key", ".tmp",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(temp, Base64.getEncoder().encodeToString(fresh) + "\n");
                try {
                    // Atomic: of two processes creating the key at once, exactly one wins; both read it after.
                    Files.createLink(file, temp);
                } catch (FileAlreadyExistsException someoneElseWon) {
                    // fine: read theirs
                } finally {
                    Files.deleteIfExists(temp);
                }
            }
            return new SecretBox(Base64.getDecoder().decode(Files.readString(file).trim()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the platform key " + file, e);
        }
    }

    public String keyId() {
        return keyId;
    }

    public SealedSecret seal(String plaintext) {
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(keyId.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
            return SealedSecret.newBuilder()
                    .setKeyId(keyId)
                    .setNonce(ByteString.copyFrom(nonce))
                    .setCiphertext(ByteString.copyFrom(sealed))
                    .build();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("sealing failed", e);
        }
    }

    /** Opens a sealed secret; throws {@link IllegalArgumentException} when it was sealed with another key or altered. */
    public String open(SealedSecret sealed) {
        if (!keyId.equals(sealed.getKeyId())) {
            throw new IllegalArgumentException("secret sealed with key " + sealed.getKeyId() + ", this platform key is " + keyId);
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed.getNonce().toByteArray()));
            cipher.updateAAD(keyId.getBytes(StandardCharsets.UTF_8));
            return new String(cipher.doFinal(sealed.getCiphertext().toByteArray()), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("sealed secret does not open with key " + keyId + " (altered?)", e);
        }
    }

    /** A random password of URL-safe characters, for generated credentials. */
    public static String randomPassword(int bytes) {
        byte[] raw = new byte[bytes];
        RANDOM.nextBytes(raw);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    }
}
