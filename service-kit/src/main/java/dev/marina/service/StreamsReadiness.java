package dev.marina.service;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import org.apache.kafka.streams.KafkaStreams;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * In a service with a Kafka Streams topology: ready once it runs. While Streams waits for the broker
 * or its topics it is not ready, but alive (see {@link StreamsLiveness}). Answers at once — the
 * extension's own check (turned off in such services) asks the broker and takes seconds when it is away.
 */
@Readiness
@ApplicationScoped
public class StreamsReadiness implements HealthCheck {

    @Inject
    Instance<KafkaStreams> streams;

    @Override
    public HealthCheckResponse call() {
        if (!streams.isResolvable()) {
            return HealthCheckResponse.named("kafka-streams").withData("state", "none in this service").up().build();
        }
        KafkaStreams.State state = streams.get().state();
        return HealthCheckResponse.named("kafka-streams")
                .withData("state", state.name())
                .status(state.isRunningOrRebalancing())
                .build();
    }
}
