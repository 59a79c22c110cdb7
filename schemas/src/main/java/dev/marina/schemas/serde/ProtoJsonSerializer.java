package dev.marina.schemas.serde;

import com.google.protobuf.Message;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.serialization.Serializer;

/** Any contract message as proto3 JSON; usable by class name in client configs ({@code value.serializer}). */
public final class ProtoJsonSerializer implements Serializer<Message> {
    @Override
    public byte[] serialize(String topic, Message message) {
        return message == null ? null : ProtoJsonSerde.toJson(message).getBytes(StandardCharsets.UTF_8);
    }
}
