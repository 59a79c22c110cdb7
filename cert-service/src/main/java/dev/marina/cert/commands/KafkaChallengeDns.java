package dev.marina.cert.commands;

import dev.marina.service.KafkaClients;
import dev.marina.cert.CertConfig;
import dev.marina.cert.CertFailure;
import dev.marina.cert.acme.ChallengeDns;
import dev.marina.schemas.serde.Decoded;
import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.topics.DnsWishKey;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.DeploymentRef;
import dev.marina.schemas.v1.DnsCommand;
import dev.marina.schemas.v1.DnsEvent;
import dev.marina.schemas.v1.DnsRecordSet;
import dev.marina.service.Timestamps;
import dev.marina.service.TopicReader;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jboss.logging.Logger;

/**
 * DNS-01 records through dns-service: a wish on cert-service's own compacted {@code dns-challenges}
 * topic, keyed {@code "<tenant>/<name>#acme-challenge"} (so it never touches the deployment's own names,
 * which the reconciler alone writes on {@code dns-commands}), answered on {@code dns-events} with the
 * purpose echoed. The answers are read by a {@link TopicReader} (every partition, no group) positioned
 * at the end when the service starts, before any wish is published, so no answer can be missed.
 */
@ApplicationScoped
public class KafkaChallengeDns implements ChallengeDns {

    private static final Logger LOG = Logger.getLogger(KafkaChallengeDns.class);

    @Inject
    CertProducer producer;

    @Inject
    CertConfig config;

    @Inject
    Clock clock;

    @Inject
    KafkaClients kafka;

    private final Map<String, CompletableFuture<DnsEvent>> waiting = new ConcurrentHashMap<>();
    /** Counted down once the answers on dns-events are read from fixed positions (kept afterwards: a restart of the reader resumes at the end, and a wish waits at most its timeout). */
    private final CountDownLatch positioned = new CountDownLatch(1);
    private volatile TopicReader answers;

    void start(@Observes StartupEvent ignored) {
        answers = TopicReader.builder("cert-service-dns-answers", kafka.base())
                .topic(Topics.DNS_EVENTS, TopicReader.Start.END, this::answer)
                .onCaughtUp(positioned::countDown)
                .pollTimeout(Duration.ofMillis(100))
                .build()
                .start();
    }

    void stop(@Observes ShutdownEvent ignored) {
        if (answers != null) {
            answers.close();
        }
    }

    /** True once the answer reader has its positions: challenge wishes may be published. */
    public boolean ready() {
        return positioned.getCount() == 0;
    }

    @Override
    public void present(DeploymentRef deployment, String commandId, Map<String, List<String>> txt) throws CertFailure {
        Duration timeout = config.acme().dnsTimeout();
        awaitPositioned(timeout);
        DnsCommand.Builder command = base(deployment, commandId);
        int ttl = (int) Math.max(1, config.acme().challengeTtl().toSeconds());
        txt.forEach((name, values) -> command.addRecords(DnsRecordSet.newBuilder()
                .setName(name).setType("TXT").addAllValues(values).setTtlSeconds(ttl)));
        DnsCommand wish = command.build();
        CompletableFuture<DnsEvent> answer = new CompletableFuture<>();
        waiting.put(commandId, answer);
        try {
            producer.publish("challenge records", Topics.DNS_CHALLENGES, DnsWishKey.of(wish), wish);
            DnsEvent event = answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            switch (event.getOutcome()) {
                case DNS_OUTCOME_APPLIED -> LOG.debugf("acme challenge records applied deployment=%s dns-command=%s names=%s",
                        DeploymentKey.of(deployment), commandId, txt.keySet());
                case DNS_OUTCOME_CLASH -> throw CertFailure.retryable(CertFailure.DNS_NOT_APPLIED,
                        "dns-service refused the challenge records " + txt.keySet() + " (clash): " + event.getReason());
                default -> throw CertFailure.retryable(CertFailure.DNS_NOT_APPLIED,
                        "dns-service could not apply the challenge records " + txt.keySet() + ": " + event.getReason());
            }
        } catch (TimeoutException e) {
            throw CertFailure.retryable(CertFailure.DNS_NOT_APPLIED, "dns-service did not answer the challenge records "
                    + txt.keySet() + " within " + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            throw CertFailure.retryable(CertFailure.INTERNAL, "waiting for dns-service failed: " + e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw CertFailure.retryable(CertFailure.INTERNAL, "interrupted while waiting for dns-service");
        } finally {
            waiting.remove(commandId);
        }
    }

    @Override
    public void cleanUp(DeploymentRef deployment, String commandId) {
        DnsCommand wish = base(deployment, commandId).setRemoveAll(true).build();
        producer.publish("challenge clean-up", Topics.DNS_CHALLENGES, DnsWishKey.of(wish), wish);
    }

    private DnsCommand.Builder base(DeploymentRef deployment, String commandId) {
        return DnsCommand.newBuilder()
                .setCommandId(commandId)
                .setDeployment(deployment)
                .setZone(config.zone())
                .setPurpose(DnsWishKey.ACME_CHALLENGE)
                .setIssuedAt(Timestamps.of(clock.instant()));
    }

    private void awaitPositioned(Duration timeout) throws CertFailure {
        try {
            if (!positioned.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw CertFailure.retryable(CertFailure.DNS_NOT_APPLIED, "the answers on " + Topics.DNS_EVENTS.name()
                        + " cannot be read yet (broker or topic missing)");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw CertFailure.retryable(CertFailure.INTERNAL, "interrupted");
        }
    }

    private void answer(TopicReader.Read<DnsEvent> record) {
        Decoded<DnsEvent> value = record.value();
        if (value == null || !value.isOk() || !DnsWishKey.ACME_CHALLENGE.equals(value.value().getPurpose())) {
            return; // not an answer to us; not ours to dead-letter either
        }
        CompletableFuture<DnsEvent> waiter = waiting.get(value.value().getCommandId());
        if (waiter != null) {
            waiter.complete(value.value());
        }
    }
}
