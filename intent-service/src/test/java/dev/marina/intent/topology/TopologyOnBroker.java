package dev.marina.intent.topology;

import dev.marina.intent.intake.IntakeDecider;
import dev.marina.intent.reconcile.PlanSettings;
import dev.marina.intent.reconcile.Planner;
import dev.marina.schemas.access.Role;
import dev.marina.schemas.proof.PlatformProofKey;
import dev.marina.service.Proofs;
import dev.marina.service.StreamsDefaults;
import dev.marina.testkit.SharedKafka;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;

/** intent-service's topology with the service's own Streams settings, started on the shared broker by a test. */
final class TopologyOnBroker {
    private TopologyOnBroker() {}

    /** Started, with one stream thread, its state in {@code stateDir}; the caller closes it. */
    static KafkaStreams start(String applicationId, IntakeDecider intake, Path stateDir) {
        Properties props = StreamsDefaults.properties(applicationId, SharedKafka.clientProperties(Role.INTENT_SERVICE));
        props.putAll(SharedKafka.clientProperties());
        props.setProperty(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.setProperty(StreamsConfig.NUM_STREAM_THREADS_CONFIG, "1");
        KafkaStreams streams = new KafkaStreams(IntentTopology.build(new IntentTopology.Deps(Clock.systemUTC(), intake,
                new Planner(PlanSettings.defaults()), Duration.ofSeconds(1), new ReconcilerMeters(new SimpleMeterRegistry()),
                new PlatformProofKey(new byte[32]), Proofs.counting(new SimpleMeterRegistry()))), props);
        streams.start();
        return streams;
    }
}
