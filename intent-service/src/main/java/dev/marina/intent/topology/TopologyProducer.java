package dev.marina.intent.topology;

import dev.marina.intent.config.DnsNamesConfig;
import dev.marina.intent.config.PlanSettingsFromConfig;
import dev.marina.intent.config.ReconcilerConfig;
import dev.marina.intent.intake.IntakeDecider;
import dev.marina.intent.reconcile.PlanSettings;
import dev.marina.intent.reconcile.Planner;
import dev.marina.intent.validation.IntentValidator;
import dev.marina.schemas.proof.PlatformProofKey;
import dev.marina.service.Proofs;
import dev.marina.service.SecretBox;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import java.time.Clock;
import org.apache.kafka.streams.Topology;

/** Hands the topology to Quarkus' Kafka Streams extension, with its settings from config. */
@ApplicationScoped
public class TopologyProducer {

    @Inject
    SecretBox secrets;

    @Inject
    PlatformProofKey proof;

    @Inject
    IntentValidator validator;

    @Inject
    io.micrometer.core.instrument.MeterRegistry registry;

    @Inject
    ReconcilerConfig reconciler;

    @Inject
    DnsNamesConfig dns;

    @Inject
    dev.marina.intent.config.AutoscalingConfig autoscaling;

    @Produces
    public Topology topology() {
        IntakeDecider intake = new IntakeDecider(validator, () -> secrets.seal(SecretBox.randomPassword(18)),
                () -> secrets.seal(SecretBox.randomPassword(32)));
        PlanSettings settings = PlanSettingsFromConfig.plan(reconciler, dns, autoscaling);
        return IntentTopology.build(new IntentTopology.Deps(Clock.systemUTC(), intake, new Planner(settings),
                reconciler.resyncInterval(), new ReconcilerMeters(registry), proof, Proofs.counting(registry)));
    }
}
