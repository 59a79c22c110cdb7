package dev.marina.agent.kafka;

import dev.marina.agent.AgentMetrics;
import dev.marina.agent.InstanceIdentity;
import dev.marina.agent.InstanceLog;
import dev.marina.agent.database.Observation;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.Heartbeat;
import dev.marina.schemas.v1.Role;
import dev.marina.service.Timestamps;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * A heartbeat on {@code heartbeats} every interval from the agent's start, whether or not a database
 * runs ({@code database_reachable} says). Sends are fire-and-forget with short timeouts: during a
 * broker outage heartbeats are lost, never queued up or blocking the timer.
 */
public final class HeartbeatLoop implements AutoCloseable {

    private final InstanceIdentity identity;
    private final Duration interval;
    private final Supplier<Observation> database;
    private final LongSupplier epoch;
    private final Clock clock;
    private final BestEffortPublisher publisher;
    private final AtomicLong sequence = new AtomicLong();

    public HeartbeatLoop(InstanceIdentity identity, String bootstrapServers, Duration interval, Supplier<Observation> database,
            LongSupplier epoch, AgentMetrics metrics, Clock clock) {
        this.identity = identity;
        this.interval = interval;
        this.database = database;
        this.epoch = epoch;
        this.clock = clock;
        this.publisher = new BestEffortPublisher(identity, Topics.HEARTBEATS.name(), "heartbeats",
                new KafkaProducer<>(ClientSettings.heartbeatProducer(bootstrapServers, "agent-heartbeats-" + identity.instanceId())),
                metrics::heartbeat);
    }

    public void start() {
        publisher.every(Duration.ZERO, interval, this::beat);
    }

    /** A heartbeat now, besides the regular ones: health learns of a change without waiting a period. */
    public void beatNow() {
        publisher.now(this::beat);
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
        publisher.publish(() -> heartbeat(identity, database.get(), sequence.incrementAndGet(), epoch.getAsLong(), clock));
    }

    @Override
    public void close() {
        publisher.close();
    }
}
