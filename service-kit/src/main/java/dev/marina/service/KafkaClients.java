package dev.marina.service;

import dev.marina.schemas.access.KafkaAccess;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.eclipse.microprofile.config.Config;

/**
 * The base settings of every Kafka client a service makes itself (producers, consumers, admin,
 * {@link TopicReader}, {@link CommandWorker}): the broker's address and the service principal's
 * credentials, from the same configuration the service's channels and topology use
 * ({@code kafka.*}; {@link KafkaCredentialsConfigSource} reads them from the credentials file).
 * Code never builds a client from the address alone: the broker would refuse it.
 */
@ApplicationScoped
public class KafkaClients {

    @Inject
    Config config;

    /** A fresh copy: callers add their own settings to it. */
    public Properties base() {
        Properties p = new Properties();
        p.setProperty("bootstrap.servers", bootstrapServers());
        for (String key : KafkaAccess.CLIENT_KEYS) {
            config.getOptionalValue("kafka." + key, String.class).ifPresent(value -> p.setProperty(key, value));
        }
        return p;
    }

    public String bootstrapServers() {
        return config.getValue("kafka.bootstrap.servers", String.class);
    }

    /**
     * Settings of an admin client that probes the broker on a schedule (readiness, end offsets): every
     * call gives up after {@code timeout} and reconnects are retried at least every second, so a probe
     * answers "unknown" quickly instead of waiting out the client's minute-long defaults.
     */
    public static Properties probingAdmin(Properties base, String clientId, Duration timeout) {
        Properties props = new Properties();
        props.putAll(base);
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, clientId);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        props.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1_000);
        return props;
    }
}
