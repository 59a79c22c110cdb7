package dev.marina.cert.commands;

import dev.marina.service.KafkaClients;
import dev.marina.service.leader.Leadership;
import dev.marina.cert.CertConfig;
import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.CertCommand;
import dev.marina.schemas.v1.CertEvent;
import dev.marina.service.CommandWorker;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Clock;
import java.util.Optional;

/**
 * cert-service's intake: service-kit's {@link CommandWorker} over {@code cert-commands} (every
 * partition, positions committed under the group {@code cert-service}), each command on its
 * deployment's lane — a deployment's commands one after the other (its orders share the
 * {@code _acme-challenge} names), different deployments in parallel ({@code marina.cert.acme.parallel-orders}).
 * The answer goes to {@code cert-events}.
 *
 * <ul>
 *   <li>A position is committed only once the answers to every command before it were acknowledged
 *       by the broker. A crash replays the unanswered commands; the journal turns a replay into the
 *       same answer or the resumption of the same order.</li>
 *   <li>An unusable record (undecodable, no command id, key not its deployment) goes to
 *       {@code dead-letters} with the reason; the loop goes on.</li>
 *   <li>When too many commands are in flight the partitions are paused (the consumer keeps polling, so
 *       it never leaves the group), and resumed as answers go out.</li>
 * </ul>
 */
@ApplicationScoped
public class CertController {

    static final String CONSUMER = "cert-service";
    /**
     * The topics cert-service reads (its hostile-record test covers each): its commands, and the answers
     * to its challenge wishes on {@code dns-events} ({@link KafkaChallengeDns}).
     */
    public static final java.util.List<dev.marina.schemas.topics.TopicSpec<?>> INPUTS =
            java.util.List.of(Topics.CERT_COMMANDS, Topics.DNS_EVENTS);

    @Inject
    CertCommandHandler handler;

    @Inject
    CertProducer producer;

    @Inject
    CertConfig config;

    @Inject
    Clock clock;

    @Inject
    MeterRegistry metrics;

    @Inject
    KafkaClients kafka;

    private CommandWorker<CertCommand> worker;

    @Inject
    Leadership leadership;

    /**
     * One copy handles the commands at a time (docs/copies.md): the worker reads every partition, and the
     * journal of orders lives in this host's state folder. The others stand by, ready to take over.
     */
    void start(@Observes StartupEvent ignored) {
        leadership.elect(generation -> {
            begin();
            return this::end;
        });
    }

    synchronized void begin() {
        int parallel = Math.max(1, config.acme().parallelOrders());
        worker = CommandWorker.builder(CONSUMER, Topics.CERT_COMMANDS, kafka.base())
                .check(CertController::problem)
                .deadLetterTombstones("a tombstone: cert-commands carries no deletes")
                .handler((key, command) -> {
                    CertEvent event = handler.handle(command);
                    return Optional.of(new CommandWorker.Answer(Topics.CERT_EVENTS, key, event));
                })
                .sender(producer::send)
                .clock(clock)
                .parallel(parallel)
                .maxInFlight(parallel * 8)
                .onDeadLetter(() -> metrics.counter("marina.cert.dead.letters").increment())
                .onConsumer(c -> new KafkaClientMetrics(c).bindTo(metrics))
                .build();
        metrics.gauge("marina.cert.orders.in.progress", worker.inProgress());
        worker.start();
    }

    synchronized void end() {
        if (worker != null) {
            worker.close();
            worker = null;
        }
    }

    /** True on a copy that stands by while another leads: it is ready to take over. */
    public boolean standingBy() {
        return leadership.member() && !leadership.leading() && worker == null;
    }

    /** True once the consumer has its partitions. */
    public boolean assigned() {
        return worker != null && worker.assigned();
    }

    static Optional<String> problem(String key, CertCommand command) {
        if (command.getCommandId().isBlank()) {
            return Optional.of("command has no command_id");
        }
        if (command.getDeployment().getTenant().isEmpty() || command.getDeployment().getName().isEmpty()) {
            return Optional.of("command names no deployment (tenant and name)");
        }
        if (!DeploymentKey.of(command.getDeployment()).equals(key)) {
            return Optional.of("key \"" + key + "\" is not the command's deployment " + DeploymentKey.of(command.getDeployment()));
        }
        return Optional.empty();
    }
}
