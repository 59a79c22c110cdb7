package dev.marina.testkit;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * Gives a {@code @QuarkusTest} the shared real broker:
 * {@code @QuarkusTestResource(KafkaTestResource.class)}.
 */
public final class KafkaTestResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        String servers = SharedKafka.bootstrapServers();
        return Map.of("kafka.bootstrap.servers", servers);
    }

    @Override
    public void stop() {
        // The shared broker outlives a single test class; it stops with the JVM or with ./marina test.
    }
}
