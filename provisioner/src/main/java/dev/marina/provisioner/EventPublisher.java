package dev.marina.provisioner;

import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.v1.ProvisionEvent;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/** Writes {@code provision-events}, keyed by deployment so each deployment's events stay in order. */
@ApplicationScoped
public class EventPublisher implements EventSink {

    private static final Logger LOG = Logger.getLogger(EventPublisher.class);

    @Inject
    @Channel("provision-events")
    MutinyEmitter<ProvisionEvent> events;

    /** Sends the event; the stage completes when the broker has acknowledged it. */
    public CompletionStage<Void> send(ProvisionEvent event) {
        OutgoingKafkaRecordMetadata<String> key = OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(DeploymentKey.of(event.getDeployment()))
                .build();
        return events.sendMessage(Message.of(event).addMetadata(key)).subscribeAsCompletionStage();
    }

    @Override
    public void emit(ProvisionEvent event) {
        send(event).whenComplete((ok, failure) -> {
            if (failure != null) {
                LOG.warnf("event not published deployment=%s instance=%s state=%s reason=%s",
                        DeploymentKey.of(event.getDeployment()), event.getInstanceId(), event.getState(), failure.getMessage());
            }
        });
    }
}
