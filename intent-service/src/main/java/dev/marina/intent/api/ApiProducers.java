package dev.marina.intent.api;

import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerConfig;

/** The settings of the API's own producers (tokens, audit): acknowledged by every replica, bounded by the API's wait. */
final class ApiProducers {
    private ApiProducers() {}

    static Properties settings(Properties client, String clientId, Duration wait) {
        Properties props = new Properties();
        props.putAll(client);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) wait.toMillis());
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) Math.max(wait.toMillis(), 1000));
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(wait.toMillis(), 30_000));
        props.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        return props;
    }
}
