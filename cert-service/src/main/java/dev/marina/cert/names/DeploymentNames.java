package dev.marina.cert.names;

import dev.marina.service.KafkaClients;
import dev.marina.cert.CertConfig;
import dev.marina.cert.CertFailure;
import dev.marina.cert.pki.CsrCheck;
import dev.marina.schemas.serde.Decoded;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.DnsCommand;
import dev.marina.schemas.v1.DnsRecordSet;
import dev.marina.service.TopicReader;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Every deployment's names as the control plane declared them to the zone: the record-set names of
 * each deployment's latest command on {@code dns-commands} (compacted, so read from the beginning,
 * every partition, no group). A delete's {@code remove_all} or a tombstone forgets the deployment.
 * Answers {@link #check} for {@link NameOwnership}.
 *
 * <p>Invariant: {@code ownersOf} is exactly the inverse of {@code declared}; both change together
 * under this object's lock, and readers see a consistent pair.
 */
@ApplicationScoped
public class DeploymentNames {

    private static final Logger LOG = Logger.getLogger(DeploymentNames.class);
    private static final Duration POLL = Duration.ofMillis(50);

    @Inject
    KafkaClients kafka;

    @Inject
    CertConfig config;

    @Inject
    MeterRegistry metrics;

    private final Map<String, Set<String>> declared = new HashMap<>();
    private final Map<String, Set<String>> ownersOf = new HashMap<>();
    private volatile boolean caughtUp;
    private volatile TopicReader reader;

    void start(@Observes StartupEvent ignored) {
        reader = TopicReader.builder("cert-service-deployment-names", kafka.base())
                .topic(Topics.DNS_COMMANDS, TopicReader.Start.BEGINNING, this::on)
                .onStart(this::forgetAll)
                .onCaughtUp(() -> caughtUp = true)
                .pollTimeout(Duration.ofMillis(100))
                .build()
                .start();
    }

    void stop(@Observes ShutdownEvent ignored) {
        if (reader != null) {
            reader.close();
        }
    }

    /** True once every declaration written before the start was read. */
    public boolean caughtUp() {
        return caughtUp;
    }

    /**
     * Passes when {@code deployment} owns every name; waits up to {@code marina.cert.names-wait} for
     * names not declared yet (the reconciler declares them in the same pass it asks for the
     * certificate, and this reader may be a moment behind).
     */
    public void check(String deployment, List<String> names) throws CertFailure {
        long deadline = System.nanoTime() + config.namesWait().toNanos();
        while (true) {
            NameOwnership.Verdict verdict;
            synchronized (this) {
                verdict = caughtUp ? NameOwnership.decide(deployment, names, declared, ownersOf)
                        : new NameOwnership.Verdict.NotDeclared(names);
            }
            if (verdict instanceof NameOwnership.Verdict.Owned) {
                return;
            }
            if (verdict instanceof NameOwnership.Verdict.OwnedElsewhere elsewhere) {
                metrics.counter("marina.cert.names.refused", "reason", "owned-elsewhere").increment();
                throw CertFailure.permanent(CertFailure.NAME_NOT_OWNED, "the name " + elsewhere.name()
                        + " belongs to " + String.join(", ", elsewhere.owners()) + ", not to " + deployment);
            }
            NameOwnership.Verdict.NotDeclared missing = (NameOwnership.Verdict.NotDeclared) verdict;
            if (System.nanoTime() > deadline) {
                metrics.counter("marina.cert.names.refused", "reason", "not-declared").increment();
                throw CertFailure.retryable(CertFailure.NAME_NOT_DECLARED, "the names " + missing.names()
                        + " are not among the names the platform declared for " + deployment + " in the zone"
                        + (caughtUp ? "" : " (the declarations on " + Topics.DNS_COMMANDS.name() + " are still being read)"));
            }
            sleep();
        }
    }

    private synchronized void on(TopicReader.Read<DnsCommand> record) {
        String key = record.key();
        if (key == null) {
            return; // not a deployment's declaration; dns-service dead-letters what it cannot use
        }
        Decoded<DnsCommand> value = record.value();
        if (value == null) {
            replace(key, Set.of());
            return;
        }
        if (!value.isOk()) {
            return; // dns-service, the topic's consumer, dead-letters it; no declaration changes
        }
        DnsCommand command = value.value();
        Set<String> names = new HashSet<>();
        if (!command.getRemoveAll()) {
            for (DnsRecordSet set : command.getRecordsList()) {
                names.add(CsrCheck.normalize(set.getName()));
            }
        }
        replace(key, names);
    }

    private void replace(String deployment, Set<String> names) {
        Set<String> before = declared.getOrDefault(deployment, Set.of());
        for (String name : before) {
            Set<String> owners = ownersOf.get(name);
            if (owners != null) {
                owners.remove(deployment);
                if (owners.isEmpty()) {
                    ownersOf.remove(name);
                }
            }
        }
        if (names.isEmpty()) {
            declared.remove(deployment);
        } else {
            declared.put(deployment, Set.copyOf(names));
            for (String name : names) {
                ownersOf.computeIfAbsent(name, n -> new HashSet<>()).add(deployment);
            }
        }
        LOG.debugf("declared names deployment=%s names=%d", deployment, names.size());
    }

    private synchronized void forgetAll() {
        declared.clear();
        ownersOf.clear();
        caughtUp = false;
    }

    private static void sleep() throws CertFailure {
        try {
            Thread.sleep(POLL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw CertFailure.retryable(CertFailure.INTERNAL, "interrupted while waiting for the deployment's names");
        }
    }
}
