package dev.marina.agent.kafka;

import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The agent's Kafka clients. It runs with a 96 MB heap next to many others on one host: buffers are
 * small. Keys and values are bytes: the agent encodes itself, and dead letters keep the original
 * key byte for byte.
 */
final class ClientSettings {
    private ClientSettings() {}

    /** Reads one assigned partition; no group, positions kept by the agent. */
    static Properties commandConsumer(Properties kafka, String clientId) {
        Properties p = new Properties();
        p.putAll(kafka);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // A saved position that retention deleted: the oldest retained command (all are idempotent).
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 50);
        p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 1 << 20);
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 1 << 20);
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return p;
    }

    /** Answers and dead letters: durable (acks=all, idempotent), waited for before the position moves. */
    static Properties eventProducer(Properties kafka, String clientId) {
        Properties p = byteProducer(kafka, clientId);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        return p;
    }

    /** Heartbeats: a late heartbeat is worthless, so give up quickly and never block the timer for long. */
    static Properties heartbeatProducer(Properties kafka, String clientId) {
        Properties p = byteProducer(kafka, clientId);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 3_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 500);
        p.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1_000);
        return p;
    }

    /** Metric samples: like heartbeats, a late sample is worth little; lost rather than queued or blocking. */
    static Properties metricsProducer(Properties kafka, String clientId) {
        return heartbeatProducer(kafka, clientId);
    }

    private static Properties byteProducer(Properties kafka, String clientId) {
        Properties p = new Properties();
        p.putAll(kafka);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 1 << 20);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return p;
    }
}
