package dev.marina.healthmonitor;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.streams.KafkaStreams;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready once the topology runs. While Streams waits for the broker or the heartbeats topic it is
 * CREATED: not ready, but alive (see {@link StreamsLiveness}), so nothing restarts it in a loop.
 */
@Readiness
@ApplicationScoped
public class StreamsReadiness implements HealthCheck {

    @Inject
    KafkaStreams streams;

    @Override
    public HealthCheckResponse call() {
        KafkaStreams.State state = streams.state();
        return HealthCheckResponse.named("kafka-streams")
                .withData("state", state.name())
                .status(state.isRunningOrRebalancing())
                .build();
    }
}
