package dev.marina.dns.commands;

import dev.marina.schemas.serde.Decoded;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.v1.DeadLetter;
import dev.marina.schemas.v1.DnsCommand;
import dev.marina.schemas.v1.DnsEvent;
import dev.marina.service.DeadLetters;
import dev.marina.service.Publishing;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Carries out {@code dns-commands}, one at a time in offset order. A command's message is
 * acknowledged (and so its offset committed) only after the zone was changed and the answer on
 * {@code dns-events} — or its dead letter — was acknowledged by the broker. A crash in between replays
 * the command, which the idempotent planner makes harmless.
 */
@ApplicationScoped
public class DnsCommandConsumer {

    private static final Logger LOG = Logger.getLogger(DnsCommandConsumer.class);
    static final String CONSUMER = "dns-service";

    @Inject
    DnsCommandHandler handler;

    @Inject
    DnsEventPublisher events;

    @Inject
    DeadLetterPublisher deadLetters;

    @Inject
    Clock clock;

    @Incoming("dns-commands")
    @Blocking
    public CompletionStage<Void> onCommand(Message<Decoded<DnsCommand>> message) {
        @SuppressWarnings("unchecked")
        IncomingKafkaRecordMetadata<byte[], ?> record = message.getMetadata(IncomingKafkaRecordMetadata.class)
                .orElseThrow(() -> new IllegalStateException("not a Kafka record"));
        Decoded<DnsCommand> decoded = message.getPayload();
        if (decoded == null) {
            deadLetter(record, null, "a tombstone: dns-commands carries no deletes");
        } else if (decoded instanceof Decoded.Failed<DnsCommand> failed) {
            deadLetter(record, failed.raw(), failed.reason());
        } else if (!hasDeployment(decoded.value())) {
            // Without a deployment the answer could not be keyed, nor the reconciler find it.
            deadLetter(record, ProtoJsonSerde.toJson(decoded.value()).getBytes(StandardCharsets.UTF_8),
                    "command names no deployment (tenant and name)");
        } else {
            DnsEvent answer = handler.carryOut(decoded.value());
            Publishing.untilAcknowledged("event", () -> events.send(answer));
        }
        return message.ack();
    }

    private static boolean hasDeployment(DnsCommand command) {
        return !command.getDeployment().getTenant().isEmpty() && !command.getDeployment().getName().isEmpty();
    }

    private void deadLetter(IncomingKafkaRecordMetadata<byte[], ?> record, byte[] value, String reason) {
        LOG.warnf("record unusable, sent to dead-letters topic=%s partition=%d offset=%d reason=%s", record.getTopic(),
                record.getPartition(), record.getOffset(), reason);
        DeadLetter deadLetter = DeadLetters.of(CONSUMER, record.getTopic(), record.getPartition(), record.getOffset(),
                record.getKey(), value, reason, clock.instant());
        Publishing.untilAcknowledged("dead letter", () -> deadLetters.send(record.getKey(), deadLetter));
    }
}
