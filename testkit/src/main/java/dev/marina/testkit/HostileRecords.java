package dev.marina.testkit;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * The records a hostile (or broken) client can write to a topic, for tests that check a consumer
 * survives them: the largest value the topic accepts, garbage, JSON of the wrong type or shape, deeply
 * nested or enormous JSON, tombstones, odd keys and odd headers. Each comes with its {@link Kind}, so a
 * test can say what it expects of each (dead-lettered, or ignored and why).
 *
 * <p>The generator knows nothing of the message contracts: a test hands it a well-formed key, a valid
 * value and a value of another message type, and the topic's record limit ({@code max.message.bytes}).
 * Sizes stay inside that limit, so the broker takes every record and the consumer has to cope.
 */
public final class HostileRecords {
    private HostileRecords() {}

    /** Room left in a record batch for everything but the value (batch and record headers, key). */
    static final int OVERHEAD = 1024;

    /** What is wrong with a record. */
    public enum Kind {
        LARGEST_GARBAGE("the largest value the topic accepts, random bytes"),
        LARGEST_JSON_STRING("the largest value the topic accepts: one enormous JSON string"),
        GARBAGE("a few bytes of binary garbage"),
        EMPTY_VALUE("an empty value (zero bytes)"),
        NOT_AN_OBJECT("valid JSON that is not an object"),
        WRONG_TYPE("valid JSON of another message type"),
        DEEP_ARRAYS("deeply nested JSON arrays"),
        DEEP_OBJECTS("deeply nested JSON objects"),
        HUGE_NUMBER("a number with tens of thousands of digits"),
        HUGE_EXPONENT("a number with a vast exponent"),
        UNKNOWN_FIELDS_ONLY("an object of unknown fields only"),
        INVALID_UTF8("JSON with bytes that are not UTF-8"),
        TOMBSTONE("a tombstone (no value)"),
        NULL_KEY("a valid value under no key"),
        EMPTY_KEY("a valid value under an empty key"),
        BINARY_KEY("a valid value under a key that is not UTF-8"),
        LARGEST_KEY("a valid value under the largest key the topic accepts"),
        WRONG_KEY_SHAPE("a valid value under a key of the wrong shape"),
        ODD_HEADERS("garbage under odd headers (binary, null, huge, repeated)");

        private final String what;

        Kind(String what) {
            this.what = what;
        }

        public String what() {
            return what;
        }

        /** Kinds whose value is valid: only the key (or headers) is wrong. */
        public boolean validValue() {
            return this == NULL_KEY || this == EMPTY_KEY || this == BINARY_KEY || this == LARGEST_KEY || this == WRONG_KEY_SHAPE;
        }
    }

    /** One record to publish. */
    public record Hostile(Kind kind, String note, byte[] key, byte[] value, List<Header> headers) {
        public Hostile {
            Objects.requireNonNull(kind, "kind");
            headers = List.copyOf(headers);
        }

        /** For messages: the kind, the note and the sizes (never the bytes). */
        public String describe() {
            return kind + (note.isEmpty() ? "" : " (" + note + ")") + " key=" + (key == null ? "null" : key.length + "B")
                    + " value=" + (value == null ? "null" : value.length + "B");
        }
    }

    public static Builder forTopic(String topic, int maxMessageBytes) {
        return new Builder(topic, maxMessageBytes);
    }

    public static final class Builder {
        private final String topic;
        private final int maxMessageBytes;
        private String key = "hostile/records";
        private byte[] valid;
        private byte[] wrongType = "{\"status\":\"UP\",\"conditions\":[{\"type\":\"Ready\"}]}".getBytes(StandardCharsets.UTF_8);
        private String numericField = "epoch";
        private List<String> wrongKeys = List.of("no-slash", "a/b/c", "/", "acme/", "/orders", "../../etc/passwd",
                "acme/orders#", "acme/orders#Purpose!", "acme/\u0000", " acme / orders ");

        private Builder(String topic, int maxMessageBytes) {
            this.topic = topic;
            this.maxMessageBytes = maxMessageBytes;
        }

        /** A key of the right shape (e.g. a deployment's {@code tenant/name}), for records whose value is the point. */
        public Builder key(String wellFormedKey) {
            this.key = wellFormedKey;
            return this;
        }

        /** A valid value for the topic, sent under the odd keys (so that only the key is wrong). */
        public Builder valid(byte[] validValue) {
            this.valid = validValue;
            return this;
        }

        /** A valid value of another message type (proto3 JSON). */
        public Builder wrongType(byte[] json) {
            this.wrongType = json;
            return this;
        }

        /** The JSON name of a numeric field of the topic's type, to give an absurd number. */
        public Builder numericField(String jsonName) {
            this.numericField = jsonName;
            return this;
        }

        /** Keys of the wrong shape for this topic (by default: not {@code tenant/name} in many ways). */
        public Builder wrongKeys(List<String> keys) {
            this.wrongKeys = List.copyOf(keys);
            return this;
        }

        public List<Hostile> build() {
            Objects.requireNonNull(valid, "a valid value for " + topic);
            byte[] k = utf8(key);
            int room = maxMessageBytes - OVERHEAD - k.length;
            if (room < 4096) {
                throw new IllegalArgumentException(topic + ": max.message.bytes " + maxMessageBytes + " leaves no room");
            }
            Random random = new Random(topic.hashCode());
            List<Hostile> all = new ArrayList<>();

            byte[] garbage = new byte[room];
            random.nextBytes(garbage);
            all.add(new Hostile(Kind.LARGEST_GARBAGE, "", k, garbage, List.of()));
            all.add(new Hostile(Kind.LARGEST_JSON_STRING, "", k, utf8("{\"" + numericField + "\":\""
                    + "x".repeat(room - numericField.length() - 8) + "\"}"), List.of()));
            all.add(new Hostile(Kind.GARBAGE, "", k, new byte[] {(byte) 0xff, 0x00, (byte) 0xfe, '{', 0x01, '"'}, List.of()));
            all.add(new Hostile(Kind.EMPTY_VALUE, "", k, new byte[0], List.of()));
            for (String notAnObject : List.of("[]", "null", "42", "\"text\"", "true")) {
                all.add(new Hostile(Kind.NOT_AN_OBJECT, notAnObject, k, utf8(notAnObject), List.of()));
            }
            all.add(new Hostile(Kind.WRONG_TYPE, "", k, wrongType, List.of()));
            int depth = Math.min(100_000, room / 2);
            all.add(new Hostile(Kind.DEEP_ARRAYS, depth + " levels", k, utf8("[".repeat(depth) + "]".repeat(depth)), List.of()));
            all.add(new Hostile(Kind.DEEP_ARRAYS, depth * 2 + " open brackets, never closed", k, utf8("[".repeat(depth * 2)),
                    List.of()));
            int objects = Math.min(100_000, room / 8);
            all.add(new Hostile(Kind.DEEP_OBJECTS, objects + " levels", k, utf8("{\"a\":".repeat(objects) + "1"
                    + "}".repeat(objects)), List.of()));
            all.add(new Hostile(Kind.HUGE_NUMBER, "", k, utf8("{\"" + numericField + "\":1" + "0".repeat(room - 64) + "}"),
                    List.of()));
            all.add(new Hostile(Kind.HUGE_EXPONENT, "", k, utf8("{\"" + numericField + "\":1e999999999}"), List.of()));
            all.add(new Hostile(Kind.UNKNOWN_FIELDS_ONLY, "", k, utf8("{\"zzUnknown\":{\"deep\":[1,2,{\"x\":null}]},\"alsoUnknown\":\""
                    + "y".repeat(1000) + "\"}"), List.of()));
            all.add(new Hostile(Kind.INVALID_UTF8, "", k, concat(utf8("{\"" + numericField + "\":\""),
                    new byte[] {(byte) 0xc3, (byte) 0x28, (byte) 0xff}, utf8("\"}")), List.of()));
            all.add(new Hostile(Kind.TOMBSTONE, "", k, null, List.of()));

            all.add(new Hostile(Kind.NULL_KEY, "", null, valid, List.of()));
            all.add(new Hostile(Kind.EMPTY_KEY, "", new byte[0], valid, List.of()));
            all.add(new Hostile(Kind.BINARY_KEY, "", new byte[] {(byte) 0xff, (byte) 0xfe, 0x00, '/', (byte) 0x80}, valid,
                    List.of()));
            byte[] largestKey = new byte[maxMessageBytes - OVERHEAD - valid.length];
            Arrays.fill(largestKey, (byte) 'k');
            largestKey[largestKey.length / 2] = '/';
            all.add(new Hostile(Kind.LARGEST_KEY, "", largestKey, valid, List.of()));
            for (String wrong : wrongKeys) {
                all.add(new Hostile(Kind.WRONG_KEY_SHAPE, wrong.replace("\u0000", "\\0"), utf8(wrong), valid, List.of()));
            }
            List<Header> headers = List.of(
                    new RecordHeader("marina-mac", new byte[] {(byte) 0xff, 0x00}),
                    new RecordHeader("marina-mac", (byte[]) null),
                    new RecordHeader("", utf8("no name")),
                    new RecordHeader("content-type", utf8("application/x-protobuf")),
                    new RecordHeader("big", new byte[8192]));
            all.add(new Hostile(Kind.ODD_HEADERS, "", k, new byte[] {'{', (byte) 0xff}, headers));
            return all;
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] all = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }
}
