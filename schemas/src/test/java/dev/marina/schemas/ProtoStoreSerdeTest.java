package dev.marina.schemas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.serde.ProtoStoreSerde;
import dev.marina.schemas.v1.Intent;
import dev.marina.schemas.v1.ReconcilerState;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ProtoStoreSerdeTest {
    private static final ProtoStoreSerde<ReconcilerState> SERDE = ProtoStoreSerde.of(ReconcilerState.getDefaultInstance());
    private static final String STORE = "reconciler-store";

    @Test
    void every_field_survives_a_write_and_a_read() {
        ReconcilerState state = MessageFixtures.filled(ReconcilerState.getDefaultInstance());
        byte[] bytes = SERDE.serializer().serialize(STORE, state);
        assertEquals(state, SERDE.deserializer().deserialize(STORE, bytes));
        assertEquals(1, bytes[0], "a version byte first");
    }

    @Test
    void the_empty_message_is_a_value_not_a_tombstone() {
        byte[] bytes = SERDE.serializer().serialize(STORE, ReconcilerState.getDefaultInstance());
        assertArrayEquals(new byte[] {1}, bytes);
        assertEquals(ReconcilerState.getDefaultInstance(), SERDE.deserializer().deserialize(STORE, bytes));
    }

    @Test
    void a_tombstone_passes_through() {
        assertNull(SERDE.serializer().serialize(STORE, null));
        assertNull(SERDE.deserializer().deserialize(STORE, null));
    }

    @Test
    void state_written_as_json_by_an_earlier_version_is_still_read() {
        ReconcilerState state = MessageFixtures.filled(ReconcilerState.getDefaultInstance());
        byte[] json = ProtoJsonSerde.toJson(state).getBytes(StandardCharsets.UTF_8);
        assertEquals(state, SERDE.deserializer().deserialize(STORE, json));
    }

    @Test
    void protobuf_bytes_are_much_smaller_than_the_json_they_replace() {
        ReconcilerState state = MessageFixtures.filled(ReconcilerState.getDefaultInstance());
        int json = ProtoJsonSerde.toJson(state).getBytes(StandardCharsets.UTF_8).length;
        int binary = SERDE.serializer().serialize(STORE, state).length;
        assertTrue(binary * 2 < json, binary + " bytes against " + json + " of JSON");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "garbage", "[1,2]", "\u0001\u00ff\u00ff\u00ff\u00ff", "{\"desired\": 7}"})
    void bytes_in_no_known_format_are_refused_naming_the_store(String raw) {
        byte[] bytes = raw.getBytes(StandardCharsets.ISO_8859_1);
        SerializationException e = assertThrows(SerializationException.class, () -> SERDE.deserializer().deserialize(STORE, bytes));
        assertTrue(e.getMessage().startsWith(STORE + ": "), e.getMessage());
    }

    @Test
    void another_message_type_round_trips_too() {
        ProtoStoreSerde<Intent> intents = ProtoStoreSerde.of(Intent.getDefaultInstance());
        Intent intent = MessageFixtures.filled(Intent.getDefaultInstance());
        assertEquals(intent, intents.deserializer().deserialize("intake-store", intents.serializer().serialize("intake-store", intent)));
    }
}
