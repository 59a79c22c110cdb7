package dev.marina.healthmonitor;

import dev.marina.testkit.SharedKafka;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.Health;
import dev.marina.schemas.v1.InstanceHealth;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads {@code instance-health} from its end, keeping only one deployment's records, with the time
 * each arrived here. Assigned partitions, no group: tests never disturb each other's offsets.
 */
final class HealthWatcher implements AutoCloseable {

    /** A transition and when this watcher received it. */
    record Seen(InstanceHealth health, Instant receivedAt) {}

    private final KafkaConsumer<String, InstanceHealth> consumer;
    private final String deploymentKey;
    private final List<Seen> seen = new ArrayList<>();

    HealthWatcher(String bootstrapServers, String deploymentKey) {
        this.deploymentKey = deploymentKey;
        consumer = fromEnd();
    }

    /**
     * A consumer of all of {@code instance-health}, positioned at its end now (before the test produces
     * anything), reading only what Streams committed (it writes in transactions).
     */
    static KafkaConsumer<String, InstanceHealth> fromEnd() {
        Properties props = SharedKafka.clientProperties();
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        KafkaConsumer<String, InstanceHealth> consumer = new KafkaConsumer<>(props, Topics.INSTANCE_HEALTH.keySerde().deserializer(),
                Topics.INSTANCE_HEALTH.valueSerde().deserializer());
        List<TopicPartition> partitions = consumer.partitionsFor(Topics.INSTANCE_HEALTH.name()).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition()))
                .toList();
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        // seekToEnd is lazy: resolve the positions now
        partitions.forEach(consumer::position);
        return consumer;
    }

    /** Waits for the first transition to {@code health} received (ever), polling {@code meanwhile} between polls. */
    Optional<Seen> await(Health health, Duration atMost, Runnable meanwhile) {
        return await(record -> record.getHealth() == health, atMost, meanwhile);
    }

    /** Waits for the first record received (ever) that matches, polling {@code meanwhile} between polls. */
    Optional<Seen> await(Predicate<InstanceHealth> wanted, Duration atMost, Runnable meanwhile) {
        Instant deadline = Instant.now().plus(atMost);
        int from = 0;
        while (true) {
            for (int i = from; i < seen.size(); i++) {
                if (wanted.test(seen.get(i).health())) {
                    return Optional.of(seen.get(i));
                }
            }
            from = seen.size();
            if (!Instant.now().isBefore(deadline)) {
                return Optional.empty();
            }
            meanwhile.run();
            poll();
        }
    }

    List<Seen> seen() {
        return List.copyOf(seen);
    }

    private void poll() {
        for (ConsumerRecord<String, InstanceHealth> record : consumer.poll(Duration.ofMillis(100))) {
            if (deploymentKey.equals(record.key())) {
                seen.add(new Seen(record.value(), Instant.now()));
            }
        }
    }

    @Override
    public void close() {
        consumer.close();
    }
}
