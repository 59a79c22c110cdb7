package dev.marina.schemas.serde;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import java.io.IOException;
import java.util.Arrays;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A state store's value format for a protobuf message: a version byte ({@value #BINARY}), then the
 * message's protobuf bytes. Stores (and their changelogs) are a service's own, not a contract between
 * services, so they need not be JSON like topic payloads ({@link ProtoJsonSerde}); a store read on
 * every event and scanned by a periodic resync pays for JSON parsing on each read, and protobuf bytes
 * decode many times faster.
 *
 * <p>Reads what earlier versions wrote: a value that starts with {@code '{'} is the proto3 JSON a
 * store held before, so state kept on disk or in a changelog stays readable after an upgrade (it is
 * rewritten in the new format when next written). Strict like a store's serde must be: bytes in
 * neither format throw {@link SerializationException}. A null value is a tombstone and passes through.
 */
public final class ProtoStoreSerde<T extends Message> implements Serde<T> {

    /** The version byte of protobuf bytes. Never {@code '{'}: that is how a JSON value is told apart. */
    static final byte BINARY = 1;

    private final T prototype;

    private ProtoStoreSerde(T prototype) {
        this.prototype = prototype;
    }

    public static <T extends Message> ProtoStoreSerde<T> of(T prototype) {
        return new ProtoStoreSerde<>(prototype);
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, message) -> message == null ? null : write(message);
    }

    @Override
    public Deserializer<T> deserializer() {
        return (topic, bytes) -> bytes == null ? null : read(bytes, topic);
    }

    static byte[] write(Message message) {
        int size = message.getSerializedSize();
        byte[] bytes = new byte[size + 1];
        bytes[0] = BINARY;
        CodedOutputStream out = CodedOutputStream.newInstance(bytes, 1, size);
        try {
            message.writeTo(out);
        } catch (IOException e) {
            // writing into an array of the exact size cannot fail short of a bug in the message
            throw new SerializationException("cannot write " + message.getDescriptorForType().getFullName(), e);
        }
        out.checkNoSpaceLeft();
        return bytes;
    }

    @SuppressWarnings("unchecked")
    T read(byte[] bytes, String where) {
        if (bytes.length > 0 && bytes[0] == BINARY) {
            try {
                return (T) prototype.getParserForType().parseFrom(bytes, 1, bytes.length - 1);
            } catch (InvalidProtocolBufferException e) {
                throw new SerializationException(where + ": not a " + prototype.getDescriptorForType().getFullName()
                        + " in protobuf bytes: " + e.getMessage());
            }
        }
        if (bytes.length > 0 && bytes[0] == '{') {
            Decoded<T> decoded = ProtoJsonSerde.fromJson(prototype, bytes);
            if (decoded instanceof Decoded.Failed<T> failed) {
                throw new SerializationException(where + ": " + failed.reason());
            }
            return decoded.value();
        }
        throw new SerializationException(where + ": a stored " + prototype.getDescriptorForType().getFullName()
                + " in no known format (first bytes " + Arrays.toString(Arrays.copyOf(bytes, Math.min(4, bytes.length))) + ")");
    }
}
