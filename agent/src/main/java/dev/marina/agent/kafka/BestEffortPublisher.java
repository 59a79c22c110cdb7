package dev.marina.agent.kafka;

import com.google.protobuf.Message;
import dev.marina.agent.InstanceIdentity;
import dev.marina.schemas.proof.MessageProof;
import dev.marina.schemas.proof.ProofKeys;
import dev.marina.schemas.serde.ProtoJsonSerde;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.jboss.logging.Logger;

/**
 * What the agent's periodic streams (heartbeats, metric samples) share: a timer thread and a producer
 * of their own, sends that are fire-and-forget with short timeouts (during a broker outage records
 * are lost, never queued up or blocking the timer), every outcome counted, and only the changes
 * between working and failing logged.
 */
final class BestEffortPublisher implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(BestEffortPublisher.class);

    private final InstanceIdentity identity;
    private final ProofKeys proof;
    private final String topic;
    private final String what;
    private final Outcome outcome;
    private final Producer<byte[], byte[]> producer;
    private final ScheduledExecutorService timer;
    private volatile boolean failing;

    /** Told of every send: whether the broker took it, and when it was handed to the producer (monotonic ns). */
    @FunctionalInterface
    interface Outcome {
        void sent(boolean delivered, long sentAtNanos);
    }

    /**
     * @param what    the records, for the log and the timer thread ("heartbeats", "metric samples")
     * @param outcome told of every send: true when the broker took it
     */
    BestEffortPublisher(InstanceIdentity identity, ProofKeys proof, String topic, String what, Producer<byte[], byte[]> producer,
            Consumer<Boolean> outcome) {
        this(identity, proof, topic, what, producer, (delivered, sentAt) -> outcome.accept(delivered));
    }

    /** @param proof the instance's key: every record proves the instance it comes from */
    BestEffortPublisher(InstanceIdentity identity, ProofKeys proof, String topic, String what, Producer<byte[], byte[]> producer,
            Outcome outcome) {
        this.identity = identity;
        this.proof = proof;
        this.topic = topic;
        this.what = what;
        this.outcome = outcome;
        this.producer = producer;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "agent-" + what.replace(' ', '-'));
            t.setDaemon(true);
            return t;
        });
    }

    /** Runs {@code task} every interval after {@code initialDelay}, on the timer thread. */
    void every(Duration initialDelay, Duration interval, Runnable task) {
        timer.scheduleAtFixedRate(task, initialDelay.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Runs {@code task} once, now, on the timer thread (nothing after close). */
    void now(Runnable task) {
        if (!timer.isShutdown()) {
            timer.execute(task);
        }
    }

    /** Sends one record keyed by the deployment. */
    void publish(Message record) {
        publish(() -> record);
    }

    /** Builds and sends one record; a record that cannot be built counts as lost, like a failed send. */
    void publish(java.util.function.Supplier<? extends Message> build) {
        long sentAt = System.nanoTime();
        try {
            Message message = build.get();
            byte[] key = identity.deploymentKey().getBytes(StandardCharsets.UTF_8);
            byte[] value = ProtoJsonSerde.toJson(message).getBytes(StandardCharsets.UTF_8);
            ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, key, value);
            MessageProof.sign(proof, topic, record.headers(), key, value, MessageProof.instanceOf(message));
            sentAt = System.nanoTime();
            long handedOver = sentAt;
            producer.send(record, (metadata, error) -> sent(error, handedOver));
        } catch (RuntimeException e) {
            // max.block.ms ran out (no broker metadata), the producer is closing, or the record could
            // not be built: this record is lost.
            sent(e, sentAt);
        }
    }

    private void sent(Exception error, long sentAt) {
        outcome.sent(error == null, sentAt);
        if (error != null && !failing) {
            failing = true;
            LOG.warnf("%s not delivered deployment=%s instance=%s reason=%s", what, identity.deploymentKey(),
                    identity.instanceId(), error.getMessage());
        } else if (error == null && failing) {
            failing = false;
            LOG.infof("%s delivered again deployment=%s instance=%s", what, identity.deploymentKey(), identity.instanceId());
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(2));
    }
}
