package dev.marina.service;

import dev.marina.schemas.proof.MessageProof;
import dev.marina.schemas.proof.PlatformProofKey;
import dev.marina.schemas.proof.ProofSerdes;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Makes the platform's proof key injectable (from {@code marina.proof.key-file}), and counts records
 * refused for their proof: {@code marina.proof.refused{topic, outcome=missing|invalid}}.
 */
@ApplicationScoped
public class Proofs {

    @ConfigProperty(name = "marina.proof.key-file")
    String keyFile;

    @Produces
    @Singleton
    PlatformProofKey platformProofKey() {
        return ProofKeyFile.readOrCreate(Path.of(keyFile));
    }

    /** A listener that counts refusals in {@code registry}; label values come from the catalogue and a fixed set. */
    public static ProofSerdes.Listener counting(MeterRegistry registry) {
        return (topic, outcome) -> refused(registry, topic, outcome);
    }

    public static void refused(MeterRegistry registry, String topic, MessageProof.Outcome outcome) {
        Counter.builder("marina.proof.refused")
                .description("records refused because they do not prove their instance, by topic and outcome")
                .tag("topic", MessageProof.TOPICS.contains(topic) ? topic : "other")
                .tag("outcome", outcome.label())
                .register(registry).increment();
    }
}
