package dev.marina.agent.kafka;

import dev.marina.agent.AgentMetrics;
import dev.marina.agent.InstanceIdentity;
import dev.marina.agent.InstanceLog;
import dev.marina.agent.database.Observation;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.Heartbeat;
import dev.marina.schemas.v1.Role;
import dev.marina.service.Timestamps;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.jboss.logging.Logger;

/**
 * A heartbeat on {@code heartbeats} every interval from the agent's start, whether or not a database
 * runs ({@code database_reachable} says). Sends are fire-and-forget with short timeouts: during a
 * broker outage heartbeats are lost, never queued up or blocking the timer.
 */
public final class HeartbeatLoop implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(HeartbeatLoop.class);

    private final InstanceIdentity identity;
    private final Duration interval;
    private final Supplier<Observation> database;
    private final LongSupplier epoch;
    private final AgentMetrics metrics;
    private final Clock clock;
    private final KafkaProducer<byte[], byte[]> producer;
    private final ScheduledExecutorService timer;
    private final AtomicLong sequence = new AtomicLong();
    private volatile boolean failing;

    public HeartbeatLoop(InstanceIdentity identity, String bootstrapServers, Duration interval, Supplier<Observation> database,
            LongSupplier epoch, AgentMetrics metrics, Clock clock) {
        this.identity = identity;
        this.interval = interval;
        this.database = database;
        this.epoch = epoch;
        this.metrics = metrics;
        this.clock = clock;
        this.producer = new KafkaProducer<>(ClientSettings.heartbeatProducer(bootstrapServers, "agent-heartbeats-" + identity.instanceId()));
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "agent-heartbeats");
            t.setDaemon(true);
            return t;
        });
    }

    public void start() {
        timer.scheduleAtFixedRate(this::beat, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** A heartbeat now, besides the regular ones: health learns of a change without waiting a period. */
    public void beatNow() {
        if (!timer.isShutdown()) {
            timer.execute(this::beat);
        }
    }

    /** The heartbeat for one observation; public for tests. */
    public static Heartbeat heartbeat(InstanceIdentity identity, Observation observation, long sequence, long epoch, Clock clock) {
        return Heartbeat.newBuilder()
                .setDeployment(identity.deployment())
                .setInstanceId(identity.instanceId())
                .setRole(Role.ROLE_PRIMARY)
                .setDatabaseReachable(observation.reachable())
                .setGtidPosition(observation.gtidPosition())
                .setReadOnly(observation.readOnly())
                .setDatabaseError(observation.error())
                .setEndpoint(identity.endpoint())
                .setEpoch(epoch)
                .setSentAt(Timestamps.of(clock.instant()))
                .setSequence(sequence)
                .build();
    }

    private void beat() {
        InstanceLog.tag(identity);
        try {
            Heartbeat heartbeat = heartbeat(identity, database.get(), sequence.incrementAndGet(), epoch.getAsLong(), clock);
            byte[] value = ProtoJsonSerde.toJson(heartbeat).getBytes(StandardCharsets.UTF_8);
            producer.send(new ProducerRecord<>(Topics.HEARTBEATS.name(),
                    identity.deploymentKey().getBytes(StandardCharsets.UTF_8), value), (metadata, error) -> sent(error));
        } catch (RuntimeException e) {
            // max.block.ms ran out (no broker metadata) or the producer is closing: this beat is lost.
            sent(e);
        }
    }

    /** Counts every outcome; logs only the changes between working and failing, not every lost beat. */
    private void sent(Exception error) {
        metrics.heartbeat(error == null);
        if (error != null && !failing) {
            failing = true;
            LOG.warnf("heartbeats failing deployment=%s instance=%s reason=%s", identity.deploymentKey(),
                    identity.instanceId(), error.getMessage());
        } else if (error == null && failing) {
            failing = false;
            LOG.infof("heartbeats sent again deployment=%s instance=%s", identity.deploymentKey(), identity.instanceId());
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
