package dev.marina.dns.commands;

import dev.marina.schemas.v1.DeadLetter;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

/** Writes {@code dead-letters}, keyed by the unusable record's own key, byte for byte. */
@ApplicationScoped
public class DeadLetterPublisher {

    @Inject
    @Channel("dead-letters")
    MutinyEmitter<DeadLetter> deadLetters;

    /** Sends the dead letter; the stage completes when the broker has acknowledged it. */
    public CompletionStage<Void> send(byte[] originalKey, DeadLetter deadLetter) {
        OutgoingKafkaRecordMetadata<byte[]> key = OutgoingKafkaRecordMetadata.<byte[]>builder().withKey(originalKey).build();
        return deadLetters.sendMessage(Message.of(deadLetter).addMetadata(key)).subscribeAsCompletionStage();
    }
}
