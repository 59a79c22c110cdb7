package dev.marina.service;

import dev.marina.schemas.topics.TopicBootstrap;
import dev.marina.schemas.topics.Topics;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Creates or verifies the catalogue's topics when the service starts, in the background and with
 * backoff, so a service started before the broker does not crash-loop: it stays not-ready and
 * becomes ready once the broker appears. The outcome feeds {@link KafkaReadiness}.
 */
@ApplicationScoped
public class TopicBootstrapper {

    private static final Logger LOG = Logger.getLogger(TopicBootstrapper.class);
    private static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(15);

    /** Where the bootstrap stands: pending (with the last failure), done, or disabled. */
    public record State(boolean done, String detail) {}

    @Inject
    KafkaClients kafka;

    @ConfigProperty(name = "marina.topics.bootstrap", defaultValue = "true")
    boolean enabled;

    @ConfigProperty(name = "marina.topics.replication-factor", defaultValue = "1")
    short replicationFactor;

    private final AtomicReference<State> state = new AtomicReference<>(new State(false, "not started"));
    private volatile Thread worker;

    void onStart(@Observes StartupEvent event) {
        if (!enabled) {
            state.set(new State(true, "disabled (marina.topics.bootstrap=false)"));
            return;
        }
        worker = new Thread(this::runUntilDone, "topic-bootstrap");
        worker.setDaemon(true);
        worker.start();
    }

    void onStop(@Observes ShutdownEvent event) {
        Thread w = worker;
        if (w != null) {
            w.interrupt();
        }
    }

    public State state() {
        return state.get();
    }

    private void runUntilDone() {
        Duration backoff = Duration.ofMillis(500);
        String bootstrapServers = kafka.bootstrapServers();
        TopicBootstrap bootstrap = new TopicBootstrap(kafka.base(), replicationFactor, ATTEMPT_TIMEOUT);
        while (!Thread.currentThread().isInterrupted()) {
            try {
                TopicBootstrap.Result result = bootstrap.ensure(Topics.ALL);
                state.set(new State(true, result.created().size() + " created, " + result.verified().size() + " verified"));
                LOG.infof("topics ready bootstrap=%s created=%d verified=%d altered=%s", bootstrapServers,
                        result.created().size(), result.verified().size(), result.altered());
                return;
            } catch (RuntimeException e) {
                state.set(new State(false, e.getMessage()));
                LOG.warnf("topics not ready, retrying bootstrap=%s in=%dms reason=%s", bootstrapServers,
                        backoff.toMillis(), e.getMessage());
            }
            try {
                Thread.sleep(backoff.toMillis());
            } catch (InterruptedException e) {
                return;
            }
            backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
        }
    }
}
