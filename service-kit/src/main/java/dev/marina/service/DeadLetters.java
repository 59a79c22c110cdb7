package dev.marina.service;

import com.google.protobuf.ByteString;
import dev.marina.schemas.serde.Decoded;
import dev.marina.schemas.v1.DeadLetter;
import java.time.Instant;

/** Builds the record a consumer sends to {@code dead-letters} when it cannot use a record. */
public final class DeadLetters {
    private DeadLetters() {}

    public static DeadLetter of(String consumer, String topic, int partition, long offset, byte[] key,
            byte[] value, String reason, Instant now) {
        return DeadLetter.newBuilder()
                .setConsumer(consumer)
                .setSourceTopic(topic)
                .setSourcePartition(partition)
                .setSourceOffset(offset)
                .setKey(key == null ? ByteString.EMPTY : ByteString.copyFrom(key))
                .setValue(value == null ? ByteString.EMPTY : ByteString.copyFrom(value))
                .setReason(reason)
                .setDeadAt(Timestamps.of(now))
                .build();
    }

    public static DeadLetter of(String consumer, String topic, int partition, long offset, byte[] key,
            Decoded.Failed<?> failed, Instant now) {
        return of(consumer, topic, partition, offset, key, failed.raw(), failed.reason(), now);
    }
}
