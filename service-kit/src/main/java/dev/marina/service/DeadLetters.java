package dev.marina.service;

import com.google.protobuf.ByteString;
import dev.marina.schemas.serde.Decoded;
import dev.marina.schemas.v1.DeadLetter;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Builds the record a consumer sends to {@code dead-letters} when it cannot use a record.
 *
 * <p>Invariant: a letter always fits the broker's record limit, whatever the record was. The value is
 * kept byte for byte up to {@link #KEPT_VALUE_BYTES}, the key up to {@link #KEPT_KEY_BYTES}, the reason up
 * to {@link #KEPT_REASON_CHARS}; the whole sizes and the value's SHA-256 are recorded, so a letter still
 * identifies the record. A letter's own record key is bounded the same way ({@link #recordKey}).
 */
public final class DeadLetters {
    private DeadLetters() {}

    /** Enough to see what a record was; the whole letter stays far below the broker's 1 MB default. */
    public static final int KEPT_VALUE_BYTES = 16 * 1024;
    public static final int KEPT_KEY_BYTES = 1024;
    public static final int KEPT_REASON_CHARS = 2000;

    public static DeadLetter of(String consumer, String topic, int partition, long offset, byte[] key,
            byte[] value, String reason, Instant now) {
        byte[] k = key == null ? new byte[0] : key;
        byte[] v = value == null ? new byte[0] : value;
        String why = reason == null ? "" : reason;
        return DeadLetter.newBuilder()
                .setConsumer(consumer)
                .setSourceTopic(topic)
                .setSourcePartition(partition)
                .setSourceOffset(offset)
                .setKey(ByteString.copyFrom(k, 0, Math.min(k.length, KEPT_KEY_BYTES)))
                .setKeySize(k.length)
                .setKeyTruncated(k.length > KEPT_KEY_BYTES)
                .setValue(ByteString.copyFrom(v, 0, Math.min(v.length, KEPT_VALUE_BYTES)))
                .setValueSize(v.length)
                .setValueSha256(sha256(v))
                .setValueTruncated(v.length > KEPT_VALUE_BYTES)
                .setReason(why.length() > KEPT_REASON_CHARS ? why.substring(0, KEPT_REASON_CHARS) + "…" : why)
                .setReasonTruncated(why.length() > KEPT_REASON_CHARS)
                .setDeadAt(Timestamps.of(now))
                .build();
    }

    public static DeadLetter of(String consumer, String topic, int partition, long offset, byte[] key,
            Decoded.Failed<?> failed, Instant now) {
        return of(consumer, topic, partition, offset, key, failed.raw(), failed.reason(), now);
    }

    /** The record key a letter is sent under: the original key, cut to {@link #KEPT_KEY_BYTES} bytes. */
    public static byte[] recordKey(byte[] key) {
        return key == null || key.length <= KEPT_KEY_BYTES ? key : Arrays.copyOf(key, KEPT_KEY_BYTES);
    }

    public static String recordKey(String key) {
        if (key == null) {
            return null;
        }
        byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
        // cut on bytes, then decode leniently: a character split by the cut becomes a replacement character
        return bytes.length <= KEPT_KEY_BYTES ? key : new String(bytes, 0, KEPT_KEY_BYTES, StandardCharsets.UTF_8);
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
