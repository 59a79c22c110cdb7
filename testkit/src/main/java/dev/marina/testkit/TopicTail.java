package dev.marina.testkit;

import com.google.protobuf.Message;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.topics.TopicSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * What a test reads from a topic of the shared broker (as its admin): every record written after the tail
 * was opened, decoded. Tests look for records by content, so several tests can share one tail.
 */
public final class TopicTail<V extends Message> implements AutoCloseable {

    private final TopicSpec<V> topic;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final List<ConsumerRecord<byte[], byte[]>> seen = new ArrayList<>();

    public TopicTail(TopicSpec<V> topic) {
        this.topic = topic;
        Properties props = SharedKafka.clientProperties();
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        consumer = new KafkaConsumer<>(props);
        List<TopicPartition> partitions = new ArrayList<>();
        for (int p = 0; p < topic.partitions(); p++) {
            partitions.add(new TopicPartition(topic.name(), p));
        }
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position); // fix the positions now, before the test writes anything
    }

    /** Waits for the first record (since the tail opened) whose value matches; fails after the timeout. */
    public synchronized ConsumerRecord<byte[], byte[]> awaitRecord(Predicate<V> matches, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        int checked = 0;
        while (true) {
            for (; checked < seen.size(); checked++) {
                ConsumerRecord<byte[], byte[]> record = seen.get(checked);
                if (record.value() != null && matches.test(decode(record))) {
                    return record;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no " + what + " on " + topic.name() + " within " + timeout + "; saw "
                        + all().stream().map(ProtoJsonSerde::toJson).toList());
            }
            consumer.poll(Duration.ofMillis(100)).forEach(seen::add);
        }
    }

    public V await(Predicate<V> matches, Duration timeout, String what) {
        return decode(awaitRecord(matches, timeout, what));
    }

    /** Every value seen so far that matches, in topic order per partition. */
    public synchronized List<V> seen(Predicate<V> matches) {
        consumer.poll(Duration.ofMillis(100)).forEach(seen::add);
        return all().stream().filter(matches).toList();
    }

    private List<V> all() {
        return seen.stream().filter(r -> r.value() != null).map(this::decode).toList();
    }

    private V decode(ConsumerRecord<byte[], byte[]> record) {
        return ProtoJsonSerde.of(topic.prototype()).deserializer().deserialize(topic.name(), record.value());
    }

    @Override
    public void close() {
        consumer.close();
    }
}
