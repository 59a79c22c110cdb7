package dev.marina.service;

import dev.marina.schemas.access.KafkaAccess;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * The service principal's Kafka credentials as configuration: the file named by
 * {@code MARINA_KAFKA_CREDENTIALS} (./marina and the provisioner set it; 0600, never copied into
 * the environment itself) becomes {@code kafka.*} and {@code kafka-streams.*} entries, so the
 * service's channels, topology and own clients ({@link KafkaClients}) all log in the same way.
 * Tests give the same entries through {@code KafkaTestResource} instead.
 */
public class KafkaCredentialsConfigSource implements ConfigSource {

    private final Map<String, String> entries;

    public KafkaCredentialsConfigSource() {
        String file = System.getenv(KafkaAccess.CREDENTIALS_ENV);
        entries = file == null || file.isBlank() ? Map.of() : KafkaAccess.asServiceConfig(KafkaAccess.load(Path.of(file)));
    }

    @Override
    public Set<String> getPropertyNames() {
        return entries.keySet();
    }

    @Override
    public String getValue(String propertyName) {
        return entries.get(propertyName);
    }

    @Override
    public String getName() {
        return "marina-kafka-credentials";
    }

    /** Above application.properties (250): a service's own file never decides how it logs in. */
    @Override
    public int getOrdinal() {
        return 275;
    }
}
