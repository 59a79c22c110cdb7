package dev.marina.agent.kafka;

import java.util.Properties;
import com.google.protobuf.Message;
import dev.marina.schemas.proof.MessageProof;
import dev.marina.schemas.proof.ProofKeys;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.AgentEvent;
import dev.marina.schemas.v1.DeadLetter;
import dev.marina.service.DeadLetters;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Writes the agent's answers to {@code agent-events} and unusable commands to {@code dead-letters},
 * waiting for the broker's acknowledgement: the command position moves only after that.
 */
public final class EventPublisher implements AutoCloseable {

    private static final long ACK_TIMEOUT_MS = 35_000;

    private final KafkaProducer<byte[], byte[]> producer;
    private final ProofKeys proof;

    private volatile java.util.function.Consumer<AgentEvent> afterAnswer = event -> { };

    /** @param proof the instance's key: every answer proves the instance it comes from (dead letters do not) */
    public EventPublisher(Properties kafka, String clientId, ProofKeys proof) {
        this.producer = new KafkaProducer<>(ClientSettings.eventProducer(kafka, clientId));
        this.proof = proof;
    }

    public void answer(String deploymentKey, AgentEvent event) {
        send(Topics.AGENT_EVENTS.name(), deploymentKey.getBytes(StandardCharsets.UTF_8), event, true);
        afterAnswer.accept(event);
    }

    /** Runs after each answer the broker took (e.g. an immediate heartbeat once the database is ready). */
    public void afterAnswer(java.util.function.Consumer<AgentEvent> action) {
        this.afterAnswer = action;
    }

    /** Keyed by the original record's key (its first bytes when it is long: DeadLetters.recordKey). */
    public void deadLetter(byte[] originalKey, DeadLetter letter) {
        send(Topics.DEAD_LETTERS.name(), DeadLetters.recordKey(originalKey), letter, false);
    }

    private void send(String topic, byte[] key, Message value, boolean proven) {
        byte[] json = ProtoJsonSerde.toJson(value).getBytes(StandardCharsets.UTF_8);
        try {
            ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, key, json);
            if (proven) {
                MessageProof.sign(proof, topic, record.headers(), key, json, MessageProof.instanceOf(value));
            }
            producer.send(record).get(ACK_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new PublishException(topic, e.getCause());
        } catch (TimeoutException | RuntimeException e) {
            throw new PublishException(topic, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PublishException(topic, e);
        }
    }

    @Override
    public void close() {
        producer.close(java.time.Duration.ofSeconds(5));
    }

    /** The broker did not take a record; the command will be handled again. */
    public static final class PublishException extends RuntimeException {
        PublishException(String topic, Throwable cause) {
            super("could not write to " + topic + ": " + cause.getMessage(), cause);
        }
    }
}
