package dev.marina.dns.commands;

import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.v1.DnsEvent;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

/** Writes {@code dns-events}, keyed by deployment so each deployment's events stay in order. */
@ApplicationScoped
public class DnsEventPublisher {

    @Inject
    @Channel("dns-events")
    MutinyEmitter<DnsEvent> events;

    /** Sends the event; the stage completes when the broker has acknowledged it. */
    public CompletionStage<Void> send(DnsEvent event) {
        OutgoingKafkaRecordMetadata<String> key = OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(DeploymentKey.of(event.getDeployment()))
                .build();
        return events.sendMessage(Message.of(event).addMetadata(key)).subscribeAsCompletionStage();
    }
}
