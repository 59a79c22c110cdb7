package dev.marina.agent.database;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The {@code mysql_native_password} hash of a password ({@code *} + SHA1(SHA1(password)) in hex), as
 * {@code IDENTIFIED BY PASSWORD '…'} takes it. The agent sends only the hash: MariaDB writes
 * {@code IDENTIFIED BY 'plaintext'} verbatim into its binary log (checked with mariadb-binlog on
 * 10.11), and the binlog is replicated and kept for days.
 */
public final class NativePassword {
    private NativePassword() {}

    public static String hash(String password) {
        try {
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            byte[] once = sha1.digest(password.getBytes(StandardCharsets.UTF_8));
            byte[] twice = sha1.digest(once);
            return "*" + HexFormat.of().withUpperCase().formatHex(twice);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is part of every JDK", e);
        }
    }
}
