package dev.marina.service;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready means: the broker answers now, and the catalogue's topics exist as the catalogue says.
 * Not ready is not fatal: liveness stays UP and the service keeps trying (no crash loop).
 */
@Readiness
@ApplicationScoped
public class KafkaReadiness implements HealthCheck {

    private static final long PROBE_TIMEOUT_MS = 2_000;

    @Inject
    KafkaClients kafka;

    @Inject
    TopicBootstrapper topics;

    private Admin admin;

    private synchronized Admin admin() {
        if (admin == null) {
            admin = Admin.create(KafkaClients.probingAdmin(kafka.base(), "marina-readiness", Duration.ofMillis(PROBE_TIMEOUT_MS)));
        }
        return admin;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("kafka").withData("bootstrap", kafka.bootstrapServers());
        try {
            String clusterId = admin().describeCluster().clusterId().get(PROBE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            response.withData("cluster", clusterId);
        } catch (Exception e) {
            return response.down().withData("reason", "broker did not answer within " + PROBE_TIMEOUT_MS + " ms").build();
        }
        TopicBootstrapper.State state = topics.state();
        response.withData("topics", state.detail());
        return state.done() ? response.up().build() : response.down().build();
    }

    @PreDestroy
    synchronized void close() {
        if (admin != null) {
            admin.close();
        }
    }
}
