package dev.marina.schemas.serde;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Topic payloads are the proto3 JSON encoding of the contracts (design principle 5), so any Kafka
 * client can read and write them. Unknown fields are ignored on read: a newer writer never breaks
 * an older reader. A null value is a tombstone and passes through as null.
 */
public final class ProtoJsonSerde<T extends Message> implements Serde<T> {

    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().omittingInsignificantWhitespace();
    private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();

    private final T prototype;

    private ProtoJsonSerde(T prototype) {
        this.prototype = prototype;
    }

    public static <T extends Message> ProtoJsonSerde<T> of(T prototype) {
        return new ProtoJsonSerde<>(prototype);
    }

    /** The message as compact proto3 JSON. */
    public static String toJson(Message message) {
        try {
            return PRINTER.print(message);
        } catch (InvalidProtocolBufferException e) {
            // Only possible with Any fields whose types are unknown; the contracts have none.
            throw new IllegalStateException("cannot print " + message.getDescriptorForType().getFullName(), e);
        }
    }

    /** Parses proto3 JSON into a message of the prototype's type, or says why it cannot. */
    @SuppressWarnings("unchecked")
    public static <T extends Message> Decoded<T> fromJson(T prototype, byte[] json) {
        if (json == null) {
            return Decoded.failed("no value", null);
        }
        try {
            Message.Builder builder = prototype.newBuilderForType();
            PARSER.merge(new String(json, StandardCharsets.UTF_8), builder);
            return Decoded.ok((T) builder.build());
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            // The parser throws unchecked exceptions (e.g. on deeply wrong shapes) besides its own.
            return Decoded.failed("not a " + prototype.getDescriptorForType().getFullName()
                    + " in proto3 JSON: " + firstLine(e.getMessage()), json);
        }
    }

    /** A parser's messages may quote the record: its first line, cut short, so a reason never carries the record. */
    static final int REASON_CHARS = 300;

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int newline = message.indexOf('\n');
        String line = newline < 0 ? message : message.substring(0, newline);
        return line.length() <= REASON_CHARS ? line : line.substring(0, REASON_CHARS) + "…";
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, message) -> message == null ? null : toJson(message).getBytes(StandardCharsets.UTF_8);
    }

    /** Strict: throws {@link SerializationException} on bytes that do not decode. */
    @Override
    public Deserializer<T> deserializer() {
        return (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            Decoded<T> decoded = fromJson(prototype, bytes);
            if (decoded instanceof Decoded.Failed<T> failed) {
                throw new SerializationException(topic + ": " + failed.reason());
            }
            return decoded.value();
        };
    }

    /** A serde whose deserializer never throws: bad bytes become {@link Decoded.Failed}. */
    public Serde<Decoded<T>> decoding() {
        Serializer<Decoded<T>> serializer = (topic, decoded) -> {
            if (decoded == null) {
                return null;
            }
            if (decoded instanceof Decoded.Failed<T> failed) {
                return failed.raw();
            }
            return toJson(decoded.value()).getBytes(StandardCharsets.UTF_8);
        };
        Deserializer<Decoded<T>> deserializer = (topic, bytes) -> bytes == null ? null : fromJson(prototype, bytes);
        return new Serde<>() {
            @Override
            public Serializer<Decoded<T>> serializer() {
                return serializer;
            }

            @Override
            public Deserializer<Decoded<T>> deserializer() {
                return deserializer;
            }
        };
    }
}
