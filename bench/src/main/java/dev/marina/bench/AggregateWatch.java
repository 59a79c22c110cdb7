package dev.marina.bench;

import dev.marina.schemas.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.utils.Utils;

/**
 * Tails {@code deployment-metrics} ({@code read_committed}, as any reader of the aggregates) for one
 * deployment, from its end, and notes when this JVM saw the first aggregate caused by each sample:
 * an aggregate record carries its sample's time as its timestamp. Only the deployment's partition is
 * read, so the load's other aggregates cost little.
 */
final class AggregateWatch implements AutoCloseable {

    private final String key;
    private final Map<Long, Long> seen = new ConcurrentHashMap<>();
    private final KafkaConsumer<String, byte[]> consumer;
    private final Thread thread;
    private volatile boolean running = true;

    AggregateWatch(Properties client, String key) {
        this.key = key;
        Properties props = new Properties();
        props.putAll(client);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        // short fetches: an aggregate becomes visible when its transaction commits, and is seen soon after
        props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "10");
        consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
        // the producer's default partitioner for a keyed record
        int partition = Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % Topics.DEPLOYMENT_METRICS.partitions();
        TopicPartition tp = new TopicPartition(Topics.DEPLOYMENT_METRICS.name(), partition);
        consumer.assign(List.of(tp));
        consumer.seekToEnd(List.of(tp));
        consumer.position(tp);
        thread = new Thread(this::run, "aggregate-watch");
        thread.setDaemon(true);
        thread.start();
    }

    /** When the first aggregate of the sample taken at {@code sampledAtMs} was seen (nanoTime), or -1 after the timeout. */
    long await(long sampledAtMs, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Long at = seen.get(sampledAtMs);
            if (at != null) {
                return at;
            }
            Thread.sleep(1);
        }
        return -1;
    }

    private void run() {
        while (running) {
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(50))) {
                if (key.equals(r.key())) {
                    seen.putIfAbsent(r.timestamp(), System.nanoTime());
                }
            }
        }
        consumer.close();
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(5_000);
    }
}
