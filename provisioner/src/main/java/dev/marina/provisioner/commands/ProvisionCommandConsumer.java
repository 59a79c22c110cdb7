package dev.marina.provisioner.commands;

import dev.marina.service.KafkaClients;
import dev.marina.provisioner.EventPublisher;
import dev.marina.provisioner.ProvisionEvents;
import dev.marina.provisioner.ProvisionerConfig;
import dev.marina.provisioner.driver.CreateRequest;
import dev.marina.provisioner.driver.DriverException;
import dev.marina.provisioner.driver.Instance;
import dev.marina.provisioner.driver.InstanceDriver;
import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.v1.DeadLetter;
import dev.marina.schemas.v1.ProvisionCommand;
import dev.marina.schemas.v1.ProvisionEvent;
import dev.marina.schemas.v1.ProvisionOp;
import dev.marina.schemas.topics.TopicSpec;
import dev.marina.schemas.topics.Topics;
import dev.marina.service.CommandWorker;
import dev.marina.service.Timestamps;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.jboss.logging.Logger;

/**
 * Carries out {@code provision-commands} with service-kit's {@link CommandWorker}: up to
 * {@code marina.provisioner.command-lanes} commands at once, a deployment's commands one at a time in offset
 * order (the record key is the deployment, and a key keeps its lane). The driver is thread-safe and serializes
 * what it must (see {@link InstanceDriver}).
 * A command's offset is committed only after the effect is done and its answer on
 * {@code provision-events} — or its dead letter — was acknowledged by the broker. A crash in between
 * replays the command, which the idempotent driver makes harmless. A tombstone (commands are never
 * deleted), a command under a key that is not its deployment, and a command that fails
 * {@link CommandCheck} go to {@code dead-letters} with the reason.
 */
@ApplicationScoped
public class ProvisionCommandConsumer {

    private static final Logger LOG = Logger.getLogger(ProvisionCommandConsumer.class);
    static final String CONSUMER = "provisioner";
    /** The topics the provisioner reads (its hostile-record test covers each). */
    public static final java.util.List<TopicSpec<?>> INPUTS = java.util.List.of(Topics.PROVISION_COMMANDS);

    @Inject
    InstanceDriver driver;

    @Inject
    EventPublisher events;

    @Inject
    DeadLetterPublisher deadLetters;

    @Inject
    Clock clock;

    @Inject
    KafkaClients kafka;

    @Inject
    ProvisionerConfig config;

    private CommandWorker<ProvisionCommand> worker;

    /** Begins reading commands for the elected copy's term (ProvisionerLeadership). */
    public synchronized void begin() {
        worker = CommandWorker.builder(CONSUMER, Topics.PROVISION_COMMANDS, kafka.base())
                .parallel(config.commandLanes())
                .check(CommandCheck::problem)
                .deadLetterTombstones("a tombstone: provision-commands carries no deletes")
                .handler((key, command) -> Optional.of(new CommandWorker.Answer(Topics.PROVISION_EVENTS,
                        DeploymentKey.of(command.getDeployment()), ProvisionEvents.answering(command, carryOut(command)))))
                .sender(this::send)
                .clock(clock)
                .build()
                .start();
    }

    /** True while the command loop has its partitions (false before, and if the loop ever stopped). */
    public boolean assigned() {
        return worker != null && worker.assigned();
    }

    /** Ends the term: commands in progress finish (or are interrupted after 10 s) before another copy begins. */
    public synchronized void end() {
        if (worker != null) {
            worker.close();
            worker = null;
        }
    }

    private CompletionStage<Void> send(TopicSpec<?> topic, String key, com.google.protobuf.Message value) {
        if (value instanceof ProvisionEvent event) {
            return events.send(event);
        }
        return deadLetters.send(key == null ? null : key.getBytes(StandardCharsets.UTF_8), (DeadLetter) value);
    }

    private ProvisionEvent carryOut(ProvisionCommand command) {
        String deployment = DeploymentKey.of(command.getDeployment());
        String instanceId = command.getInstanceId();
        LOG.infof("command received deployment=%s instance=%s op=%s command=%s", deployment, instanceId,
                command.getOp(), command.getCommandId());
        try {
            if (command.getOp() == ProvisionOp.PROVISION_OP_CREATE) {
                Instance instance = driver.create(new CreateRequest(instanceId, deployment, command.getSize(),
                        commandsSince(command), command.hasFirstCommand()
                                ? java.util.Optional.of(dev.marina.schemas.serde.ProtoJsonSerde.toJson(command.getFirstCommand()))
                                : java.util.Optional.empty(),
                        command.hasFirstCommand() && !command.getFirstCommand().getVersion().isEmpty()
                                ? java.util.Optional.of(command.getFirstCommand().getVersion())
                                : java.util.Optional.empty(),
                        command.getCommandId()));
                return ProvisionEvents.running(command.getCommandId(), instance, clock.instant());
            }
            driver.destroy(instanceId);
            return ProvisionEvents.destroyed(command.getCommandId(), command.getDeployment(), instanceId, clock.instant());
        } catch (DriverException e) {
            // The driver says why it cannot: a reason for the reconciler, not a bug (no stack trace).
            LOG.warnf("command failed deployment=%s instance=%s op=%s command=%s reason=%s", deployment, instanceId,
                    command.getOp(), command.getCommandId(), e.getMessage());
            return ProvisionEvents.failed(command.getCommandId(), command.getDeployment(), instanceId, e.getMessage(),
                    clock.instant());
        } catch (RuntimeException e) {
            String reason = e.getMessage() == null ? e.toString() : e.getMessage();
            LOG.errorf(e, "command failed unexpectedly deployment=%s instance=%s op=%s command=%s reason=%s", deployment,
                    instanceId, command.getOp(), command.getCommandId(), reason);
            return ProvisionEvents.failed(command.getCommandId(), command.getDeployment(), instanceId, reason, clock.instant());
        }
    }

    /**
     * The agent reads its commands from when the CREATE was issued: the reconciler sends the agent's
     * first command only after this CREATE, and an older namesake's commands stay unread.
     */
    private Instant commandsSince(ProvisionCommand command) {
        return command.hasIssuedAt() ? Timestamps.toInstant(command.getIssuedAt()) : clock.instant();
    }

}
