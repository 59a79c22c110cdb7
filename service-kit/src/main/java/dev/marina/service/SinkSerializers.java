package dev.marina.service;

import dev.marina.schemas.topics.TopicSpec;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Serializers for a Kafka Streams sink that refuse, before it is sent, a record its topic would
 * refuse for its size. Under exactly-once a record the broker refuses puts the transactional producer
 * in an error state: the task fails, the application stops, and every restart meets the same input
 * again. A record refused by its serializer never reaches the producer: {@link ProductionErrors}
 * skips it with an error in the log, and the application goes on.
 *
 * <p>A key is at most {@link #MAX_KEY_BYTES} (keys are deployment keys and the like; a dead letter's is
 * cut to the same size); a value at most its topic's record limit less room for the key and the batch.
 */
public final class SinkSerializers {
    private SinkSerializers() {}

    public static final int MAX_KEY_BYTES = DeadLetters.KEPT_KEY_BYTES;
    /** Room in a record batch for the key, headers and the batch's own bytes. */
    static final int OVERHEAD = MAX_KEY_BYTES + 1024;

    /** UTF-8 keys of at most {@link #MAX_KEY_BYTES}. */
    public static Serializer<String> key(TopicSpec<?> topic) {
        return key(topic, new StringSerializer());
    }

    /**
     * {@code inner}'s key bytes, refused when longer than {@link #MAX_KEY_BYTES}. Headers pass through
     * (a signing pair of serializers sees the record's headers).
     */
    public static Serializer<String> key(TopicSpec<?> topic, Serializer<String> inner) {
        return new Serializer<>() {
            @Override
            public byte[] serialize(String t, String key) {
                return checkedKey(topic, inner.serialize(t, key));
            }

            @Override
            public byte[] serialize(String t, Headers headers, String key) {
                return checkedKey(topic, inner.serialize(t, headers, key));
            }
        };
    }

    /** {@code inner}'s bytes, refused when they would not fit the topic's record limit. Headers pass through. */
    public static <T> Serializer<T> value(TopicSpec<?> topic, Serializer<T> inner) {
        int limit = topic.maxMessageBytes() - OVERHEAD;
        return new Serializer<>() {
            @Override
            public byte[] serialize(String t, T value) {
                return checkedValue(topic, limit, inner.serialize(t, value));
            }

            @Override
            public byte[] serialize(String t, Headers headers, T value) {
                return checkedValue(topic, limit, inner.serialize(t, headers, value));
            }
        };
    }

    private static byte[] checkedKey(TopicSpec<?> topic, byte[] bytes) {
        if (bytes != null && bytes.length > MAX_KEY_BYTES) {
            throw new SerializationException(topic.name() + ": a key of " + bytes.length + " bytes (at most "
                    + MAX_KEY_BYTES + ")");
        }
        return bytes;
    }

    private static byte[] checkedValue(TopicSpec<?> topic, int limit, byte[] bytes) {
        if (bytes != null && bytes.length > limit) {
            throw new SerializationException(topic.name() + ": a value of " + bytes.length + " bytes (the topic takes "
                    + limit + ")");
        }
        return bytes;
    }
}
