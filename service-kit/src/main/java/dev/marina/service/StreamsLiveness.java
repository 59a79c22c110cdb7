package dev.marina.service;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import org.apache.kafka.streams.KafkaStreams;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/**
 * Not alive only when Streams has failed for good (its threads died). Waiting for a broker is alive,
 * so nothing restarts a service in a loop while Kafka is away.
 */
@Liveness
@ApplicationScoped
public class StreamsLiveness implements HealthCheck {

    @Inject
    Instance<KafkaStreams> streams;

    @Override
    public HealthCheckResponse call() {
        if (!streams.isResolvable()) {
            return HealthCheckResponse.named("kafka-streams").withData("state", "none in this service").up().build();
        }
        KafkaStreams.State state = streams.get().state();
        boolean failed = state == KafkaStreams.State.ERROR || state == KafkaStreams.State.PENDING_ERROR;
        return HealthCheckResponse.named("kafka-streams").withData("state", state.name()).status(!failed).build();
    }
}
