package dev.marina.service;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.schemas.topics.Topics;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.Test;

class SinkSerializersTest {

    @Test
    void a_key_beyond_the_bound_is_refused_as_a_serialization_error() {
        Serializer<String> key = SinkSerializers.key(Topics.INTENT_REJECTIONS);
        assertArrayEquals("acme/orders".getBytes(StandardCharsets.UTF_8), key.serialize("t", "acme/orders"));
        assertNull(key.serialize("t", null));
        key.serialize("t", "k".repeat(SinkSerializers.MAX_KEY_BYTES));
        SerializationException e = assertThrows(SerializationException.class,
                () -> key.serialize("t", "k".repeat(SinkSerializers.MAX_KEY_BYTES + 1)));
        assertTrue(e.getMessage().contains("intent-rejections"), e.getMessage());
    }

    @Test
    void a_value_that_would_not_fit_the_topic_is_refused_before_it_is_sent() {
        Serializer<byte[]> value = SinkSerializers.value(Topics.INTENT_REJECTIONS, new ByteArraySerializer());
        int limit = Topics.INTENT_REJECTIONS.maxMessageBytes() - SinkSerializers.OVERHEAD;
        assertArrayEquals(new byte[limit], value.serialize("t", new byte[limit]));
        assertThrows(SerializationException.class, () -> value.serialize("t", new byte[limit + 1]));
        assertNull(value.serialize("t", null));
    }

    @Test
    void the_largest_dead_letter_fits_its_topic() {
        byte[] big = new byte[1_000_000];
        java.util.Arrays.fill(big, (byte) 0x01); // escaped in JSON strings: the worst case for size
        var letter = DeadLetters.of("c", "t".repeat(249), 0, 0, big, big, "\u0001".repeat(10_000), java.time.Instant.EPOCH);
        SinkSerializers.value(Topics.DEAD_LETTERS, Topics.DEAD_LETTERS.valueSerde().serializer()).serialize("t", letter);
    }
}
