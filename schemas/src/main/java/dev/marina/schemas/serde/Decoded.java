package dev.marina.schemas.serde;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The result of decoding a record value: the message, or why it could not be decoded together with
 * the bytes as they arrived. Consumers branch on it instead of catching exceptions, so one bad record
 * can never kill a consumer: failures go to the dead-letter topic and processing moves on.
 */
public sealed interface Decoded<T> {

    static <T> Decoded<T> ok(T value) {
        return new Ok<>(value);
    }

    static <T> Decoded<T> failed(String reason, byte[] raw) {
        return new Failed<>(reason, raw);
    }

    boolean isOk();

    /** The message; throws {@link IllegalStateException} (with the reason) on a failed decode. */
    T value();

    record Ok<T>(T value) implements Decoded<T> {
        public Ok {
            Objects.requireNonNull(value, "value");
        }

        @Override
        public boolean isOk() {
            return true;
        }
    }

    record Failed<T>(String reason, byte[] raw) implements Decoded<T> {
        public Failed {
            Objects.requireNonNull(reason, "reason");
            raw = raw == null ? new byte[0] : raw;
        }

        @Override
        public boolean isOk() {
            return false;
        }

        @Override
        public T value() {
            throw new IllegalStateException("record could not be decoded: " + reason);
        }

        /** The raw bytes as text, for logs; cut to a readable length. */
        public String rawPreview() {
            String text = new String(raw, StandardCharsets.UTF_8);
            return text.length() <= 200 ? text : text.substring(0, 200) + "…";
        }
    }
}
