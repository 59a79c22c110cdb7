package dev.marina.cert.commands;

import jakarta.inject.Inject;
import dev.marina.service.KafkaClients;
import com.google.protobuf.Message;
import dev.marina.schemas.serde.ProtoJsonSerializer;
import dev.marina.schemas.topics.TopicSpec;
import dev.marina.service.Publishing;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/** cert-service's one producer (thread-safe, shared by every order): events, challenge wishes, dead letters. */
@ApplicationScoped
public class CertProducer {

    @Inject
    KafkaClients kafka;

    private KafkaProducer<String, Message> producer;

    private synchronized KafkaProducer<String, Message> producer() {
        if (producer == null) {
            Properties props = new Properties();
            props.putAll(kafka.base());
            props.put(ProducerConfig.ACKS_CONFIG, "all");
            props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
            props.put(ProducerConfig.LINGER_MS_CONFIG, "1");
            props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ProtoJsonSerializer.class.getName());
            producer = new KafkaProducer<>(props);
        }
        return producer;
    }

    /** Sends and blocks until the broker acknowledged it, retrying while it cannot (see {@link Publishing}). */
    public void publish(String what, TopicSpec<?> topic, String key, Message value) {
        Publishing.untilAcknowledged(what, () -> send(topic, key, value));
    }

    /** Sends once; the stage completes when the broker acknowledged the record. */
    public CompletableFuture<Void> send(TopicSpec<?> topic, String key, Message value) {
        CompletableFuture<Void> acked = new CompletableFuture<>();
        try {
            producer().send(new ProducerRecord<>(topic.name(), key, value), (metadata, error) -> {
                if (error == null) {
                    acked.complete(null);
                } else {
                    acked.completeExceptionally(error);
                }
            });
        } catch (RuntimeException e) {
            acked.completeExceptionally(e);
        }
        return acked;
    }

    @PreDestroy
    synchronized void close() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
    }
}
