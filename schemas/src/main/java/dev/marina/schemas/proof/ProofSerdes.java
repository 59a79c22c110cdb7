package dev.marina.schemas.proof;

import com.google.protobuf.Message;
import dev.marina.schemas.serde.Decoded;
import dev.marina.schemas.serde.ProtoJsonSerde;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Signing and checking in the serde layer, for Kafka clients and Kafka Streams alike: a key
 * (de)serializer and a value (de)serializer used as a pair.
 *
 * <p>The MAC covers the record key, which a value (de)serializer is not shown. Both halves of one
 * record see the same {@link Headers} object, and the key half runs first, on the same thread (producer
 * {@code send}, Streams' record collector and source node, the consumer's fetch parsing); so the key
 * half leaves the key bytes for the value half, tied to that headers object. A value half that finds no
 * key left for its headers treats the record as keyless, which proves nothing a keyed record said: a
 * mismatched pair fails closed. (A consumer does not call its key deserializer for a record without a
 * key; such a record is checked as keyless, which is what it is.)
 *
 * <pre>
 * producer:  new KafkaProducer&lt;&gt;(props, ProofSerdes.keys(), ProofSerdes.signing(keys))
 * streams:   topology.addSink(name, topic, ProofSerdes.keys(), ProofSerdes.signing(keys), parents)
 *            topology.addSource(name, ProofSerdes.keyReader(), ProofSerdes.checking(prototype, keys, listener), topic)
 * </pre>
 */
public final class ProofSerdes {
    private ProofSerdes() {}

    /** Told of every record that did not prove its instance (to count it). */
    @FunctionalInterface
    public interface Listener {
        void refused(String topic, MessageProof.Outcome outcome);

        Listener NONE = (topic, outcome) -> { };
    }

    /** The key bytes of the record whose headers these are, left by the key half for the value half. */
    private record SeenKey(Headers headers, byte[] key) {}

    private static final ThreadLocal<SeenKey> SEEN = new ThreadLocal<>();

    private static void seen(Headers headers, byte[] key) {
        SEEN.set(new SeenKey(headers, key));
    }

    /** The key bytes the key half saw for exactly these headers, or null; forgotten once taken. */
    private static byte[] keyFor(Headers headers) {
        SeenKey seen = SEEN.get();
        SEEN.remove();
        return seen != null && seen.headers() == headers ? seen.key() : null;
    }

    /** The key half of a signing producer or sink: UTF-8 strings, as every catalogue topic's keys. */
    public static Serializer<String> keys() {
        return new Serializer<>() {
            @Override
            public byte[] serialize(String topic, String data) {
                throw new IllegalStateException("a proving key serializer needs the record's headers");
            }

            @Override
            public byte[] serialize(String topic, Headers headers, String data) {
                byte[] bytes = data == null ? null : data.getBytes(StandardCharsets.UTF_8);
                seen(headers, bytes);
                return bytes;
            }
        };
    }

    /**
     * The value half of a signing producer or sink: proto3 JSON, and the proof header made for the
     * message's {@code instance_id}. A message the keys cannot speak for is refused with a
     * {@link SerializationException} (Streams skips it with an error, see service-kit's ProductionErrors).
     */
    public static <T extends Message> Serializer<T> signing(ProofKeys keys) {
        return new Serializer<>() {
            @Override
            public byte[] serialize(String topic, T data) {
                throw new IllegalStateException("a signing serializer needs the record's headers");
            }

            @Override
            public byte[] serialize(String topic, Headers headers, T data) {
                byte[] key = keyFor(headers);
                if (data == null) {
                    return null;
                }
                byte[] value = ProtoJsonSerde.toJson(data).getBytes(StandardCharsets.UTF_8);
                try {
                    MessageProof.sign(keys, topic, headers, key, value, MessageProof.instanceOf(data));
                } catch (IllegalStateException e) {
                    throw new SerializationException(topic + ": " + e.getMessage(), e);
                }
                return value;
            }
        };
    }

    /**
     * The value half of a signing producer of JSON text as is (tools, tests, simulated senders): the
     * instance is the {@code instance_id} of the text read as a {@code prototype}; text that does not
     * read as one is signed as speaking for no instance, which proves nothing but lets a reader see what
     * was sent.
     */
    public static <T extends Message> Serializer<String> signingJson(T prototype, ProofKeys keys) {
        return new Serializer<>() {
            @Override
            public byte[] serialize(String topic, String data) {
                throw new IllegalStateException("a signing serializer needs the record's headers");
            }

            @Override
            public byte[] serialize(String topic, Headers headers, String data) {
                byte[] key = keyFor(headers);
                if (data == null) {
                    return null;
                }
                byte[] value = data.getBytes(StandardCharsets.UTF_8);
                Decoded<T> decoded = ProtoJsonSerde.fromJson(prototype, value);
                String instance = decoded.isOk() ? MessageProof.instanceOf(decoded.value()) : "";
                MessageProof.sign(keys, topic, key, value, instance).ifPresent(proof -> {
                    headers.remove(MessageProof.HEADER);
                    headers.add(MessageProof.HEADER, proof);
                });
                return value;
            }
        };
    }

    /** The key half of a checking consumer or source: UTF-8 strings. */
    public static Deserializer<String> keyReader() {
        return new Deserializer<>() {
            @Override
            public String deserialize(String topic, byte[] data) {
                return data == null ? null : new String(data, StandardCharsets.UTF_8);
            }

            @Override
            public String deserialize(String topic, Headers headers, byte[] data) {
                seen(headers, data);
                return deserialize(topic, data);
            }
        };
    }

    /**
     * The value half of a checking consumer or source: never throws. A record that does not decode, or
     * does not prove the instance it names, becomes {@link Decoded.Failed} with the reason ("proof
     * missing: …", "proof invalid: …") and the bytes as they came; the listener hears of the refusals.
     * A tombstone stays null.
     */
    public static <T extends Message> Deserializer<Decoded<T>> checking(T prototype, ProofKeys keys, Listener listener) {
        return new Deserializer<>() {
            @Override
            public Decoded<T> deserialize(String topic, byte[] data) {
                return deserialize(topic, null, data);
            }

            @Override
            public Decoded<T> deserialize(String topic, Headers headers, byte[] data) {
                byte[] key = headers == null ? null : keyFor(headers);
                if (data == null) {
                    return null;
                }
                if (headers == null || headers.lastHeader(MessageProof.HEADER) == null) {
                    // refused before decoding: an unproven record is never looked into
                    MessageProof.Check missing = MessageProof.verify(keys, topic, (byte[]) null, key, data, "");
                    listener.refused(topic, missing.outcome());
                    return Decoded.failed(missing.reason(), data);
                }
                Decoded<T> decoded = ProtoJsonSerde.fromJson(prototype, data);
                if (!decoded.isOk()) {
                    return decoded;
                }
                MessageProof.Check check = MessageProof.verify(keys, topic, headers, key, data,
                        MessageProof.instanceOf(decoded.value()));
                if (check.proven()) {
                    return decoded;
                }
                listener.refused(topic, check.outcome());
                return Decoded.failed(check.reason(), data);
            }
        };
    }
}
