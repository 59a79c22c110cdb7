package dev.marina.provisioner.commands;

import dev.marina.provisioner.EventPublisher;
import dev.marina.provisioner.ProvisionEvents;
import dev.marina.provisioner.driver.CreateRequest;
import dev.marina.provisioner.driver.DriverException;
import dev.marina.provisioner.driver.Instance;
import dev.marina.provisioner.driver.InstanceDriver;
import dev.marina.schemas.serde.Decoded;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.v1.DeadLetter;
import dev.marina.schemas.v1.ProvisionCommand;
import dev.marina.schemas.v1.ProvisionEvent;
import dev.marina.schemas.v1.ProvisionOp;
import dev.marina.service.DeadLetters;
import dev.marina.service.Publishing;
import dev.marina.service.Timestamps;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Carries out {@code provision-commands}, one at a time in offset order. A command's message is
 * acknowledged (and so, with the throttled commit strategy, its offset committed) only after the
 * effect is done and its answer on {@code provision-events} — or its dead letter — was acknowledged
 * by the broker. A crash in between replays the command, which the idempotent driver makes harmless.
 */
@ApplicationScoped
public class ProvisionCommandConsumer {

    private static final Logger LOG = Logger.getLogger(ProvisionCommandConsumer.class);
    static final String CONSUMER = "provisioner";

    @Inject
    InstanceDriver driver;

    @Inject
    EventPublisher events;

    @Inject
    DeadLetterPublisher deadLetters;

    @Inject
    Clock clock;

    @Incoming("provision-commands")
    @Blocking
    public CompletionStage<Void> onCommand(Message<Decoded<ProvisionCommand>> message) {
        @SuppressWarnings("unchecked")
        IncomingKafkaRecordMetadata<byte[], ?> record = message.getMetadata(IncomingKafkaRecordMetadata.class)
                .orElseThrow(() -> new IllegalStateException("not a Kafka record"));
        Decoded<ProvisionCommand> decoded = message.getPayload();
        if (decoded == null) {
            deadLetter(record, null, "a tombstone: provision-commands carries no deletes");
        } else if (decoded instanceof Decoded.Failed<ProvisionCommand> failed) {
            deadLetter(record, failed.raw(), failed.reason());
        } else {
            ProvisionCommand command = decoded.value();
            Optional<String> problem = CommandCheck.problem(command);
            if (problem.isPresent()) {
                deadLetter(record, ProtoJsonSerde.toJson(command).getBytes(StandardCharsets.UTF_8), problem.get());
            } else {
                ProvisionEvent answer = ProvisionEvents.answering(command, carryOut(command));
                Publishing.untilAcknowledged("event", () -> events.send(answer));
            }
        }
        return message.ack();
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
                                : java.util.Optional.empty()));
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

    private void deadLetter(IncomingKafkaRecordMetadata<byte[], ?> record, byte[] value, String reason) {
        LOG.warnf("record unusable, sent to dead-letters topic=%s partition=%d offset=%d reason=%s", record.getTopic(),
                record.getPartition(), record.getOffset(), reason);
        DeadLetter deadLetter = DeadLetters.of(CONSUMER, record.getTopic(), record.getPartition(), record.getOffset(),
                record.getKey(), value, reason, clock.instant());
        Publishing.untilAcknowledged("dead letter", () -> deadLetters.send(record.getKey(), deadLetter));
    }
}
