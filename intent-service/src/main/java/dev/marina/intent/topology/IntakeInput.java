package dev.marina.intent.topology;

import dev.marina.intent.validation.JsonShape;
import dev.marina.intent.validation.Violation;
import dev.marina.schemas.serde.Decoded;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.v1.IntentEvent;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * One record of {@code intent-events} as the intake reads it: the event (or why it does not decode)
 * and what {@link JsonShape} finds wrong with its JSON, unknown fields above all. The other topics'
 * readers stay lenient (a newer writer may add fields), but intent events are requests from people
 * and other systems: a typo ({@code "replicaz": 3}) must be refused by name, never become a default.
 */
record IntakeInput(Decoded<IntentEvent> event, List<Violation> shape) {

    /** Never throws: bytes that do not decode become {@link Decoded.Failed}; null stays null (a tombstone). */
    static Deserializer<IntakeInput> deserializer() {
        return (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            Decoded<IntentEvent> event = ProtoJsonSerde.fromJson(IntentEvent.getDefaultInstance(), bytes);
            List<Violation> shape = event.isOk()
                    ? JsonShape.check(new String(bytes, StandardCharsets.UTF_8), IntentEvent.getDescriptor())
                    : List.of();
            return new IntakeInput(event, shape);
        };
    }
}
