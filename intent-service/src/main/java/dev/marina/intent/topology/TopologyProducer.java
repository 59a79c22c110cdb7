package dev.marina.intent.topology;

import dev.marina.intent.intake.IntakeDecider;
import dev.marina.intent.reconcile.PlanSettings;
import dev.marina.intent.reconcile.Planner;
import dev.marina.intent.validation.IntentValidator;
import dev.marina.service.SecretBox;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import org.apache.kafka.streams.Topology;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Hands the topology to Quarkus' Kafka Streams extension, with its settings from config. */
@ApplicationScoped
public class TopologyProducer {

    @Inject
    SecretBox secrets;

    @Inject
    IntentValidator validator;

    @Inject
    io.micrometer.core.instrument.MeterRegistry registry;

    @ConfigProperty(name = "marina.reconciler.resync-interval", defaultValue = "1s")
    Duration resyncInterval;

    @ConfigProperty(name = "marina.reconciler.provision-timeout", defaultValue = "30s")
    Duration provisionTimeout;

    @ConfigProperty(name = "marina.reconciler.deploy-timeout", defaultValue = "60s")
    Duration deployTimeout;

    @ConfigProperty(name = "marina.reconciler.destroy-timeout", defaultValue = "20s")
    Duration destroyTimeout;

    @ConfigProperty(name = "marina.reconciler.max-backoff", defaultValue = "5m")
    Duration maxBackoff;

    /** The platform's zone; empty: deployments get no DNS names (and Ready does not wait for them). */
    @ConfigProperty(name = "marina.dns.zone", defaultValue = "")
    java.util.Optional<String> dnsZone;

    @ConfigProperty(name = "marina.dns.ttl", defaultValue = "5s")
    Duration dnsTtl;

    @ConfigProperty(name = "marina.reconciler.dns-timeout", defaultValue = "10s")
    Duration dnsTimeout;

    @ConfigProperty(name = "marina.reconciler.cert-agent-timeout", defaultValue = "15s")
    Duration certAgentTimeout;

    @ConfigProperty(name = "marina.reconciler.cert-issue-timeout", defaultValue = "60s")
    Duration certIssueTimeout;

    @ConfigProperty(name = "marina.reconciler.cert-failure-retry", defaultValue = "5s")
    Duration certFailureRetry;

    /** The share of a certificate's lifetime after which it is renewed (cert-manager's default: 2/3). */
    @ConfigProperty(name = "marina.reconciler.cert-renew-at", defaultValue = "0.6667")
    double certRenewAt;

    @ConfigProperty(name = "marina.reconciler.cert-renew-jitter", defaultValue = "0.05")
    double certRenewJitter;

    @ConfigProperty(name = "marina.reconciler.ha-agent-timeout", defaultValue = "10s")
    Duration haAgentTimeout;

    /** A Down primary is failed over only once its last heartbeat is this old: longer than the agents' lease. */
    @ConfigProperty(name = "marina.reconciler.failover-min-silence", defaultValue = "1200ms")
    Duration haMinSilence;

    @ConfigProperty(name = "marina.reconciler.replace-down-replica-after", defaultValue = "60s")
    Duration haReplaceAfter;

    @Produces
    public Topology topology() {
        IntakeDecider intake = new IntakeDecider(validator, () -> secrets.seal(SecretBox.randomPassword(18)));
        PlanSettings settings = new PlanSettings(provisionTimeout, deployTimeout, destroyTimeout, maxBackoff,
                PlanSettings.defaults().agentDestroyTries(), PlanSettings.defaults().failedAfterAttempts(),
                new PlanSettings.DnsSettings(dnsZone.orElse(""), dnsTtl, dnsTimeout),
                new PlanSettings.TlsSettings(certAgentTimeout, certIssueTimeout, certFailureRetry, certRenewAt, certRenewJitter,
                        PlanSettings.TlsSettings.DEFAULTS.revokeTries()),
                new PlanSettings.HaSettings(haAgentTimeout, haMinSilence, haReplaceAfter));
        return IntentTopology.build(new IntentTopology.Deps(Clock.systemUTC(), intake, new Planner(settings), resyncInterval,
                new ReconcilerMeters(registry)));
    }
}
