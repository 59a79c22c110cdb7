package dev.marina.intent.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The shape of an API token: {@code marina_<id>_<secret>}, the id 16 hex digits (it names the token
 * in lists and audit records), the secret 256 random bits in base64url. Only the SHA-256 of the secret
 * is stored; a token is checked by hashing what is offered and comparing in constant time.
 */
public final class Tokens {
    private Tokens() {}

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String PREFIX = "marina_";
    private static final Pattern SHAPE = Pattern.compile("marina_([0-9a-f]{16})_([A-Za-z0-9_-]{43})");
    private static final Pattern BEARER = Pattern.compile("(?i)bearer +(\\S+) *");

    /** A token as made: its id, the whole token (shown once) and the hash that is kept. */
    public record Minted(String id, String token, byte[] secretSha256) {}

    /** A token as offered: its id and secret part. */
    public record Offered(String id, String secret) {}

    public static Minted mint() {
        byte[] id = new byte[8];
        byte[] secret = new byte[32];
        RANDOM.nextBytes(id);
        RANDOM.nextBytes(secret);
        String idText = HexFormat.of().formatHex(id);
        String secretText = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        return new Minted(idText, PREFIX + idText + "_" + secretText, sha256(secretText));
    }

    /** The token of an {@code Authorization} header; the scheme's case does not matter (RFC 7235). */
    public static Optional<String> bearer(String authorizationHeader) {
        if (authorizationHeader == null) {
            return Optional.empty();
        }
        Matcher m = BEARER.matcher(authorizationHeader);
        return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /** The id and secret of a token of this shape; empty for anything else (e.g. the admin token file's). */
    public static Optional<Offered> parse(String token) {
        Matcher m = SHAPE.matcher(token);
        return m.matches() ? Optional.of(new Offered(m.group(1), m.group(2))) : Optional.empty();
    }

    public static byte[] sha256(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    /** Whether an id has the shape of a minted token's id (so an id in a path can be checked before it is looked up). */
    public static boolean isId(String id) {
        return id != null && id.matches("[0-9a-f]{16}");
    }
}
