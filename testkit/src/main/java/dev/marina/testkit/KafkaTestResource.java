package dev.marina.testkit;

import dev.marina.schemas.access.KafkaAccess;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/**
 * Gives a {@code @QuarkusTest} the shared real broker, secured:
 * {@code @QuarkusTestResource(KafkaTestResource.class)}. The service under test logs in as its own
 * principal (named by {@code marina.kafka.principal} in its {@code application.properties}), with its
 * own ACLs, exactly as under {@code ./marina up}; a module with no service (a library's tests) runs as
 * the admin.
 */
public final class KafkaTestResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        String servers = SharedKafka.bootstrapServers();
        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", servers);
        String principal = principalOfServiceUnderTest();
        Properties credentials = principal == null ? SharedKafka.clientProperties() : SharedKafka.servicePrincipal(principal);
        config.putAll(KafkaAccess.asServiceConfig(credentials));
        return config;
    }

    private static String principalOfServiceUnderTest() {
        try (InputStream in = Thread.currentThread().getContextClassLoader().getResourceAsStream("application.properties")) {
            if (in == null) {
                return null;
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("marina.kafka.principal");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {
        // The shared broker outlives a single test class; it stops with the JVM or with ./marina test.
    }
}
