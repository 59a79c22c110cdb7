package dev.marina.schemas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Message;
import dev.marina.schemas.serde.Decoded;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.topics.TopicSpec;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.DeploymentSpec;
import dev.marina.schemas.v1.Engine;
import dev.marina.schemas.v1.IntentEvent;
import dev.marina.schemas.v1.IntentOp;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The topic contracts: proto3 JSON that round-trips, tolerates the future, and fails softly. */
class ContractTest {

    /**
     * Every message type of every .proto file in src/main/proto, through the outer class each file
     * declares ({@code option java_outer_classname = "<File>Proto"}): a new file cannot escape the tests.
     */
    static Stream<Named<Message>> everyMessage() throws IOException {
        List<Named<Message>> prototypes = new ArrayList<>();
        try (Stream<Path> files = Files.list(Path.of("src/main/proto/marina/v1"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".proto")).sorted().toList()) {
                for (Descriptor type : descriptorOf(file).getMessageTypes()) {
                    prototypes.add(Named.of(type.getFullName(), DynamicMessage.getDefaultInstance(type)));
                }
            }
        }
        return prototypes.stream();
    }

    private static FileDescriptor descriptorOf(Path protoFile) {
        String base = protoFile.getFileName().toString().replace(".proto", "");
        StringBuilder outer = new StringBuilder("dev.marina.schemas.v1.");
        for (String part : base.split("_")) {
            outer.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
        }
        outer.append("Proto");
        try {
            return (FileDescriptor) Class.forName(outer.toString()).getMethod("getDescriptor").invoke(null);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(protoFile + " must declare option java_outer_classname = \""
                    + outer.substring(outer.lastIndexOf(".") + 1) + "\"", e);
        }
    }

    static Stream<TopicSpec<?>> everyTopic() {
        return Topics.ALL.stream().map(t -> (TopicSpec<?>) t);
    }

    @Test
    void every_proto_file_is_covered() throws IOException {
        Set<String> files = new LinkedHashSet<>();
        everyMessage().forEach(m -> files.add(m.getPayload().getDescriptorForType().getFile().getName()));
        assertTrue(files.size() >= 10, "message-bearing files found: " + files);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("everyTopic")
    <V extends Message> void every_topic_value_round_trips_through_json(TopicSpec<V> topic) {
        V original = MessageFixtures.filled(topic.prototype());
        Serde<V> serde = topic.valueSerde();
        byte[] bytes = serde.serializer().serialize(topic.name(), original);
        V decoded = serde.deserializer().deserialize(topic.name(), bytes);
        assertEquals(original, decoded);
        assertNotEquals(topic.prototype(), decoded, "the fixture sets fields");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("everyTopic")
    <V extends Message> void every_topic_value_tolerates_unknown_fields(TopicSpec<V> topic) {
        V original = MessageFixtures.filled(topic.prototype());
        String json = ProtoJsonSerde.toJson(original);
        String fromTheFuture = "{\"fieldAddedNextYear\":{\"nested\":[1,2,3]}," + json.substring(1);
        Decoded<V> decoded = topic.decodingSerde().deserializer()
                .deserialize(topic.name(), fromTheFuture.getBytes(StandardCharsets.UTF_8));
        assertTrue(decoded.isOk(), () -> "rejected: " + decoded);
        assertEquals(original, decoded.value());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("everyMessage")
    void every_message_type_round_trips_through_json(Message prototype) {
        Message original = MessageFixtures.filled(prototype);
        Decoded<Message> decoded = ProtoJsonSerde.fromJson(prototype,
                ProtoJsonSerde.toJson(original).getBytes(StandardCharsets.UTF_8));
        assertEquals(original, decoded.value());
    }

    static Stream<String> badPayloads() {
        return Stream.of(
                "not json at all",
                "{\"deployment\": ",
                "[1, 2, 3]",
                "{\"deployment\": \"acme/orders\"}",
                "{\"spec\": {\"replicas\": \"two\"}}",
                "{\"spec\": {\"replicas\": 99999999999999}}",
                "\u0000\u0001\u0002binary",
                "");
    }

    @ParameterizedTest
    @MethodSource("badPayloads")
    void bytes_that_do_not_decode_give_a_failure_value_not_an_exception(String payload) {
        byte[] raw = payload.getBytes(StandardCharsets.UTF_8);
        Decoded<IntentEvent> decoded = Topics.INTENT_EVENTS.decodingSerde().deserializer().deserialize("intent-events", raw);
        Decoded.Failed<IntentEvent> failed = assertInstanceOf(Decoded.Failed.class, decoded);
        assertFalse(failed.isOk());
        assertTrue(failed.reason().contains("marina.v1.IntentEvent"), failed.reason());
        assertArrayEquals(raw, failed.raw(), "the raw bytes are kept for the dead-letter topic");
        IllegalStateException e = assertThrows(IllegalStateException.class, failed::value);
        assertTrue(e.getMessage().contains(failed.reason()));
    }

    @Test
    void an_enum_value_from_a_newer_writer_reads_as_unspecified() {
        Decoded<IntentEvent> decoded = Topics.INTENT_EVENTS.decodingSerde().deserializer().deserialize("intent-events",
                "{\"requestId\":\"r\",\"op\":\"INTENT_OP_ADDED_LATER\"}".getBytes(StandardCharsets.UTF_8));
        assertEquals("r", decoded.value().getRequestId());
        assertEquals(IntentOp.INTENT_OP_UNSPECIFIED, decoded.value().getOp());
    }

    @Test
    void the_strict_deserializer_throws_a_serialization_exception_naming_the_topic() {
        SerializationException e = assertThrows(SerializationException.class,
                () -> Topics.INTENT_EVENTS.valueSerde().deserializer().deserialize("intent-events", "{oops".getBytes(StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().startsWith("intent-events: "), e.getMessage());
    }

    @Test
    void tombstones_pass_through_as_null() {
        assertNull(Topics.INTENTS.valueSerde().serializer().serialize("intents", null));
        assertNull(Topics.INTENTS.valueSerde().deserializer().deserialize("intents", null));
        assertNull(Topics.INTENTS.decodingSerde().deserializer().deserialize("intents", null));
    }

    @Test
    void a_failed_decode_re_serializes_to_its_original_bytes() {
        byte[] raw = "garbage".getBytes(StandardCharsets.UTF_8);
        Serde<Decoded<IntentEvent>> serde = Topics.INTENT_EVENTS.decodingSerde();
        Decoded<IntentEvent> decoded = serde.deserializer().deserialize("t", raw);
        assertArrayEquals(raw, serde.serializer().serialize("t", decoded));
    }

    @Test
    void payloads_are_the_documented_proto3_json_so_any_client_can_write_them() {
        // This is the shape the README's kcat example publishes.
        String json = "{\"requestId\":\"r-1\",\"deployment\":{\"tenant\":\"acme\",\"name\":\"orders\"},"
                + "\"op\":\"INTENT_OP_APPLY\",\"spec\":{\"engine\":\"ENGINE_MARIADB\",\"version\":\"10.11\","
                + "\"replicas\":2}}";
        IntentEvent event = Topics.INTENT_EVENTS.valueSerde().deserializer()
                .deserialize("intent-events", json.getBytes(StandardCharsets.UTF_8));
        assertEquals("acme", event.getDeployment().getTenant());
        assertEquals(IntentOp.INTENT_OP_APPLY, event.getOp());
        assertEquals(DeploymentSpec.newBuilder().setEngine(Engine.ENGINE_MARIADB).setVersion("10.11").setReplicas(2).build(),
                event.getSpec());
        assertEquals(json, ProtoJsonSerde.toJson(event));
    }
}
