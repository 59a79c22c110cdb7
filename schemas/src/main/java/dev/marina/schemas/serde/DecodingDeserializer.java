package dev.marina.schemas.serde;

import com.google.protobuf.Message;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * A deserializer that never throws: bad bytes become {@link Decoded.Failed}. Client configs need a
 * class with a no-argument constructor, so each consumer declares a one-line subclass, e.g.
 * {@code public class ProvisionCommandDecoder extends DecodingDeserializer<ProvisionCommand> {
 * public ProvisionCommandDecoder() { super(ProvisionCommand.getDefaultInstance()); } }}.
 */
public abstract class DecodingDeserializer<T extends Message> implements Deserializer<Decoded<T>> {
    private final T prototype;

    protected DecodingDeserializer(T prototype) {
        this.prototype = prototype;
    }

    @Override
    public Decoded<T> deserialize(String topic, byte[] bytes) {
        return bytes == null ? null : ProtoJsonSerde.fromJson(prototype, bytes);
    }
}
