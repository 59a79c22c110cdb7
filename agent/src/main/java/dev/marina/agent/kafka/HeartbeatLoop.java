package dev.marina.agent.kafka;

import java.util.Properties;
import dev.marina.agent.AgentMetrics;
import dev.marina.agent.InstanceIdentity;
import dev.marina.agent.InstanceLog;
import dev.marina.agent.RoleFacts;
import dev.marina.agent.database.Observation;
import dev.marina.agent.database.SemiSync;
import dev.marina.schemas.proof.ProofKeys;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.Heartbeat;
import dev.marina.schemas.v1.Role;
import dev.marina.service.Timestamps;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;

/**
 * A heartbeat on {@code heartbeats} every interval from the agent's start, whether or not a database
 * runs ({@code database_reachable} says). Sends are fire-and-forget with short timeouts: during a
 * broker outage heartbeats are lost, never queued up or blocking the timer.
 *
 * <p>Heartbeats also keep a primary's lease: every acknowledgement goes to the {@link LeaseWatch} with
 * the time its heartbeat was sent, and every tick first asks it whether the lease still holds.
 */
public final class HeartbeatLoop implements AutoCloseable {

    /** The primary's lease, as the heartbeat loop feeds it. */
    public interface LeaseWatch {
        /** The broker acknowledged a heartbeat handed to the producer at {@code sentAtNanos}. */
        void acknowledged(long sentAtNanos);

        /** A tick, before its heartbeat is built: fence now if the lease ran out. Must not block. */
        void check(long nowNanos);

        LeaseWatch NONE = new LeaseWatch() {
            @Override
            public void acknowledged(long sentAtNanos) {}

            @Override
            public void check(long nowNanos) {}
        };
    }

    private final InstanceIdentity identity;
    private final Duration interval;
    private final Supplier<Observation> database;
    private final Supplier<RoleFacts> role;
    private final LeaseWatch lease;
    private final Clock clock;
    private final BestEffortPublisher publisher;
    private final AtomicLong sequence = new AtomicLong();

    public HeartbeatLoop(InstanceIdentity identity, ProofKeys proof, Properties kafka, Duration interval,
            Supplier<Observation> database, Supplier<RoleFacts> role, LeaseWatch lease, AgentMetrics metrics, Clock clock) {
        this(identity, proof, new KafkaProducer<>(ClientSettings.heartbeatProducer(kafka, "agent-heartbeats-" + identity.instanceId())),
                interval, database, role, lease, metrics, clock);
    }

    /** With a producer of the caller's (tests: one whose sends never complete, to cut the lease). */
    public HeartbeatLoop(InstanceIdentity identity, ProofKeys proof, Producer<byte[], byte[]> producer, Duration interval,
            Supplier<Observation> database, Supplier<RoleFacts> role, LeaseWatch lease, AgentMetrics metrics, Clock clock) {
        this.identity = identity;
        this.interval = interval;
        this.database = database;
        this.role = role;
        this.lease = lease;
        this.clock = clock;
        this.publisher = new BestEffortPublisher(identity, proof, Topics.HEARTBEATS.name(), "heartbeats", producer, (delivered, sentAt) -> {
            metrics.heartbeat(delivered);
            if (delivered) {
                lease.acknowledged(sentAt);
            }
        });
    }

    private volatile String agentBuild = "";

    public void start() {
        publisher.every(Duration.ZERO, interval, this::beat);
    }

    /** A heartbeat now, besides the regular ones: health learns of a change without waiting a period. */
    public void beatNow() {
        publisher.now(this::beat);
    }

    /**
     * The heartbeat for one observation; public for tests. A primary reports what it wrote
     * ({@code gtid_binlog_pos}), a replica what it holds ({@code gtid_current_pos}).
     */
    public static Heartbeat heartbeat(InstanceIdentity identity, Observation observation, RoleFacts facts, long sequence, Clock clock) {
        boolean primary = facts.role() == Role.ROLE_PRIMARY;
        Heartbeat.Builder beat = Heartbeat.newBuilder()
                .setDeployment(identity.deployment())
                .setInstanceId(identity.instanceId())
                .setRole(facts.role())
                .setDatabaseReachable(observation.reachable())
                .setGtidPosition(primary ? observation.binlogPosition() : observation.gtidPosition())
                .setReadOnly(observation.readOnly())
                .setFenced(facts.fenced())
                .setDatabaseError(observation.error())
                .setEndpoint(identity.endpoint())
                .setEpoch(facts.epoch())
                .setSentAt(Timestamps.of(clock.instant()))
                .setSequence(sequence)
                .setPrimaryLastSeenMs(-1)
                .setPaused(facts.paused())
                .setWakeOnConnect(facts.paused() && facts.wakeOnConnect());
        if (facts.role() == Role.ROLE_REPLICA) {
            beat.setReplicationSource(facts.replicationSource()).setReplicationLagMs(-1);
        }
        Observation.Replica replica = observation.replica();
        if (replica != null) {
            beat.setReplicationConnected(replica.connected())
                    .setReplicationLagMs(replica.lagMs())
                    .setReplicationError(replica.error().text())
                    .setReplicationFault(replica.error().fault())
                    .setPrimaryLastSeenMs(replica.primaryLastSeenMs());
        }
        if (observation.reachable() && observation.running() != null) {
            beat.setRunning(observation.running()).setServerUptimeS(observation.uptimeS());
        }
        SemiSync.Reading semiSync = observation.semiSync();
        if (primary && semiSync != null) {
            beat.setSemiSyncReplicasConnected(semiSync.replicasConnected())
                    .setCommitsWaiting(semiSync.commitsWaiting())
                    .setSemiSyncWait(SemiSync.waitOf(semiSync));
        }
        return beat.build();
    }

    private void beat() {
        InstanceLog.tag(identity);
        lease.check(System.nanoTime());
        publisher.publish(() -> heartbeat(identity, database.get(), role.get(), sequence.incrementAndGet(), clock).toBuilder()
                .setAgentBuild(agentBuild).build());
    }

    /** The agent's own build, sent in every heartbeat (empty: unknown). */
    public HeartbeatLoop withAgentBuild(String build) {
        this.agentBuild = build == null ? "" : build;
        return this;
    }

    @Override
    public void close() {
        publisher.close();
    }
}
