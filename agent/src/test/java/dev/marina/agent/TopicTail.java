package dev.marina.agent;

import dev.marina.testkit.SharedKafka;
import com.google.protobuf.Message;
import dev.marina.schemas.serde.ProtoJsonSerde;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.awaitility.Awaitility;

/** Follows a topic from "now" on, keeping the records of one key, so a test can wait for them. */
final class TopicTail<V extends Message> implements AutoCloseable {

    record Received<V>(byte[] key, V value, byte[] raw, long offset) {}

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final V prototype;
    private final String key;
    private final List<Received<V>> received = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;

    TopicTail(String topic, V prototype, String key) {
        this.prototype = prototype;
        this.key = key;
        Properties props = new Properties();
        props.putAll(SharedKafka.clientProperties());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        consumer = new KafkaConsumer<>(props);
        List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position); // resolve "end" now, before the test produces anything
        thread = new Thread(this::poll, "tail-" + topic);
        thread.start();
    }

    private void poll() {
        try {
            while (running) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    if (key == null || key.equals(new String(r.key(), StandardCharsets.UTF_8))) {
                        V value = r.value() == null ? null : ProtoJsonSerde.fromJson(prototype, r.value()).value();
                        received.add(new Received<>(r.key(), value, r.value(), r.offset()));
                    }
                }
            }
        } catch (WakeupException e) {
            // closing
        } finally {
            consumer.close();
        }
    }

    /** How many records arrived so far: pass it to {@link #awaitAfter} to wait only for newer ones. */
    int mark() {
        return received.size();
    }

    V await(Predicate<V> matching, Duration atMost) {
        return awaitAfter(0, matching, atMost);
    }

    V awaitAfter(int mark, Predicate<V> matching, Duration atMost) {
        return awaitRecordAfter(mark, matching, atMost).value();
    }

    Received<V> awaitRecordAfter(int mark, Predicate<V> matching, Duration atMost) {
        return Awaitility.await().atMost(atMost).pollInterval(Duration.ofMillis(20))
                .until(() -> find(mark, matching), r -> r != null);
    }

    List<V> values() {
        return received.stream().map(Received::value).toList();
    }

    private Received<V> find(int mark, Predicate<V> matching) {
        List<Received<V>> snapshot = List.copyOf(received);
        for (int i = mark; i < snapshot.size(); i++) {
            if (matching.test(snapshot.get(i).value())) {
                return snapshot.get(i);
            }
        }
        return null;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(5_000);
    }
}
