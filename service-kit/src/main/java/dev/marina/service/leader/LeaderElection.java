package dev.marina.service.leader;

import com.google.protobuf.Timestamp;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.LeaderClaim;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.jboss.logging.Logger;

/**
 * Elects one copy of a service for the work only one actor may do (docs/copies.md), with kafka-clients
 * alone: every copy joins the group {@code <service>-leader} on the one-partition topic
 * {@code leaders}; the copy the group assigns that partition leads. It begins its {@link Work} once a
 * commit of the partition's offset confirms its membership, renews that confirmation every
 * {@code renewEvery}, and ends the work — before anything else — when the partition is revoked or lost,
 * when it closes, and when its lease ({@link LeaderLease}) runs out without a renewal (a copy stalled
 * past the session timeout finds its lease over before it can act: {@link #leading()} is false).
 *
 * <p>The assignor is cooperative-sticky: a copy joining or leaving does not move leadership away from a
 * leader that stays. Work that acts repeatedly should ask {@link #leading()} before each effect.
 */
public final class LeaderElection implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(LeaderElection.class);
    private static final TopicPartition PARTITION = new TopicPartition(Topics.LEADERS.name(), 0);

    /** The single-actor work: begun when this copy is elected, closed when it stops leading. */
    @FunctionalInterface
    public interface Work {
        AutoCloseable begin(int generation) throws Exception;
    }

    private final String service;
    private final String copy;
    private final String group;
    private final Work work;
    private final Duration renewEvery;
    private final Clock clock;
    private final Properties props;
    private final LeaderLease lease;

    private volatile boolean running;
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private volatile boolean member;
    private volatile long stallNanos;
    private AutoCloseable current;
    private Instant since = Instant.EPOCH;
    private Thread thread;

    private LeaderElection(Builder b) {
        this.service = b.service;
        this.copy = b.copy;
        this.group = b.group;
        this.work = b.work;
        this.clock = b.clock;
        long session = b.sessionTimeout.toMillis();
        long heartbeat = Math.max(100, session / 6);
        this.renewEvery = Duration.ofMillis(heartbeat);
        // The lease ends two heartbeat intervals before the coordinator could expel a silent member
        // (docs/copies.md, "Fencing"): one interval for the heartbeat that may have been due when the
        // confirming commit went out, one of margin.
        this.lease = new LeaderLease(Duration.ofMillis(session - 2 * heartbeat).toNanos());
        props = new Properties();
        props.putAll(b.client);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, group + "-" + copy);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, Long.toString(session));
        props.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, Long.toString(heartbeat));
        props.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, Long.toString(b.maxPollInterval.toMillis()));
        props.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    }

    /** An election for {@code service}'s copies; {@code copy} names this one in logs and in its claim. */
    public static Builder builder(String service, String copy, Properties client) {
        return new Builder(service, copy, client);
    }

    /** The group of a service's election, {@code <service>-leader} (covered by the service's prefixed ACLs). */
    public static String group(String service) {
        return service + "-leader";
    }

    public synchronized LeaderElection start() {
        running = true;
        thread = new Thread(this::run, group + "-election");
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    /** True when this copy may act now: elected, its work begun, its lease running. */
    public boolean leading() {
        synchronized (lease) {
            return lease.leading(System.nanoTime());
        }
    }

    /** True while this copy is a member of the election's group (leading or standing by). */
    public boolean member() {
        return member;
    }

    /** The group generation this copy was last elected in; -1 before. */
    public int generation() {
        synchronized (lease) {
            return lease.generation();
        }
    }

    /** Ends the work (if this copy leads), then leaves the group so another copy takes over at once. */
    @Override
    public void close() {
        running = false;
        KafkaConsumer<?, ?> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null) {
            try {
                t.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Tests: the election's thread does nothing for {@code d}, as a copy stalled by a pause or a long GC. */
    void stallFor(Duration d) {
        stallNanos = d.toNanos();
    }

    private void run() {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(props)) {
            consumer = c;
            c.subscribe(List.of(Topics.LEADERS.name()), new Listener(c));
            LOG.infof("leader election joined service=%s copy=%s group=%s", service, copy, group);
            while (running) {
                stallIfAsked();
                try {
                    c.poll(renewEvery);
                    renew(c);
                } catch (WakeupException | InterruptException e) {
                    break;
                } catch (KafkaException e) {
                    LOG.warnf("leader election poll failed service=%s copy=%s reason=%s", service, copy, e.toString());
                }
                step(tickNow());
            }
            step(revokedNow()); // the work ends before the group hears that this copy leaves
        } catch (RuntimeException e) {
            LOG.errorf(e, "leader election stopped service=%s copy=%s", service, copy);
            step(revokedNow());
        } finally {
            consumer = null;
            member = false;
            LOG.infof("leader election left service=%s copy=%s group=%s", service, copy, group);
        }
    }

    private void stallIfAsked() {
        long stall = stallNanos;
        if (stall > 0) {
            stallNanos = 0;
            try {
                Thread.sleep(Duration.ofNanos(stall).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** While the group gives this copy the partition, a commit confirms it is still a member. */
    private void renew(KafkaConsumer<byte[], byte[]> c) {
        boolean assigned;
        synchronized (lease) {
            assigned = lease.assigned();
        }
        if (!assigned) {
            return;
        }
        long sentAt = System.nanoTime();
        try {
            c.commitSync(Map.of(PARTITION, new OffsetAndMetadata(0, claim())), renewEvery.multipliedBy(2));
        } catch (WakeupException | InterruptException e) {
            throw e;
        } catch (KafkaException e) {
            // Not a confirmation: the lease runs out unless a later commit succeeds (a rebalance in progress,
            // a fenced generation, an unreachable coordinator all end here).
            LOG.warnf("leader lease not renewed service=%s copy=%s generation=%d reason=%s", service, copy,
                    generation(), e.toString());
            return;
        }
        LeaderLease.Step s;
        synchronized (lease) {
            s = lease.confirmed(sentAt);
        }
        step(s);
    }

    private LeaderLease.Step tickNow() {
        synchronized (lease) {
            return lease.tick(System.nanoTime());
        }
    }

    private LeaderLease.Step revokedNow() {
        synchronized (lease) {
            return lease.revoked();
        }
    }

    private void step(LeaderLease.Step s) {
        switch (s) {
            case BEGIN -> begin();
            case END -> end();
            default -> { }
        }
    }

    private void begin() {
        int generation = generation();
        since = clock.instant();
        LOG.infof("leader elected service=%s copy=%s generation=%d", service, copy, generation);
        try {
            current = work.begin(generation);
        } catch (Exception e) {
            LOG.errorf(e, "leader work did not begin service=%s copy=%s generation=%d", service, copy, generation);
            synchronized (lease) {
                lease.beginFailed();
            }
        }
    }

    private void end() {
        LOG.infof("leader steps down service=%s copy=%s generation=%d", service, copy, generation());
        AutoCloseable w = current;
        current = null;
        if (w != null) {
            try {
                w.close();
            } catch (Exception e) {
                LOG.errorf(e, "leader work did not end cleanly service=%s copy=%s", service, copy);
            }
        }
    }

    private String claim() {
        Instant s = since;
        return ProtoJsonSerde.toJson(LeaderClaim.newBuilder()
                .setService(service).setCopy(copy).setGeneration(generation())
                .setSince(Timestamp.newBuilder().setSeconds(s.getEpochSecond()).setNanos(s.getNano()))
                .build());
    }

    private final class Listener implements ConsumerRebalanceListener {
        private final KafkaConsumer<byte[], byte[]> c;

        Listener(KafkaConsumer<byte[], byte[]> c) {
            this.c = c;
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            member = true;
            if (partitions.contains(PARTITION)) {
                int generation = c.groupMetadata().generationId();
                synchronized (lease) {
                    lease.assigned(generation);
                }
                LOG.infof("leader partition assigned service=%s copy=%s generation=%d", service, copy, generation);
            }
        }

        // Both run on the election thread before the group may give the partition to another copy
        // (revoked), or once it already has (lost: this copy's lease has run out by then, see docs/copies.md).
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (partitions.contains(PARTITION)) {
                step(revokedNow());
            }
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            member = false;
            if (partitions.contains(PARTITION)) {
                LOG.warnf("leader partition lost service=%s copy=%s generation=%d", service, copy, generation());
                step(revokedNow());
            }
        }
    }

    public static final class Builder {
        private final String service;
        private final String copy;
        private final Properties client;
        private String group;
        private Work work = generation -> () -> { };
        private Duration sessionTimeout = Duration.ofSeconds(6);
        private Duration maxPollInterval = Duration.ofMinutes(5);
        private Clock clock = Clock.systemUTC();

        private Builder(String service, String copy, Properties client) {
            this.service = service;
            this.copy = copy;
            this.client = client;
            this.group = LeaderElection.group(service);
        }

        /** Another group than {@code <service>-leader} (tests: one election per test). */
        public Builder group(String group) {
            this.group = group;
            return this;
        }

        public Builder work(Work work) {
            this.work = work;
            return this;
        }

        /** The group's session timeout (at least the broker's minimum, 6 s by default); the lease is shorter. */
        public Builder sessionTimeout(Duration d) {
            this.sessionTimeout = d;
            return this;
        }

        /** How long the election's thread may stall before its consumer leaves the group. */
        public Builder maxPollInterval(Duration d) {
            this.maxPollInterval = d;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        public LeaderElection build() {
            return new LeaderElection(this);
        }
    }
}
