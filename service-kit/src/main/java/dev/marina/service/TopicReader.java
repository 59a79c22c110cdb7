package dev.marina.service;

import com.google.protobuf.Message;
import dev.marina.schemas.serde.Decoded;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.topics.TopicSpec;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.jboss.logging.Logger;

/**
 * Reads whole topics into memory, on a thread of its own: every partition assigned (no consumer
 * group, nothing committed — every instance of a service sees everything), {@code read_committed}
 * (the Streams applications write in transactions), each value decoded with its topic's contract
 * and handed to that topic's handler.
 *
 * <p>Each topic starts {@linkplain Start#BEGINNING at the beginning} (a compacted topic: the latest
 * state per key), {@linkplain Start#END at the end} (only what is written from now on) or
 * {@linkplain Start#ago some time back}. The reader is <em>caught up</em> once it has read every
 * topic read from the beginning up to the end offsets it found when it started: a view built from
 * them is then complete. Positions are fixed before anything is read, so a topic started at the end
 * misses nothing written after {@link #caughtUp()} became true.
 *
 * <p>A missing topic, an unreachable broker or a handler that throws never ends the reader: it logs,
 * waits (0.5 s doubling to 10 s) and starts again — from the configured starts, after running the
 * {@code onStart} hook (so a view can forget what it held), or, with {@link Builder#resumeAfterFailure()},
 * from the next record of every partition it had read.
 */
public final class TopicReader implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(TopicReader.class);
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(500);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(10);
    private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(10);

    /** Where a topic is read from at (re)start. */
    public record Start(Kind kind, Duration lookBack) {
        public enum Kind { BEGINNING, END, AGO }

        public static final Start BEGINNING = new Start(Kind.BEGINNING, Duration.ZERO);
        public static final Start END = new Start(Kind.END, Duration.ZERO);

        /** From the first record written {@code lookBack} before the (re)start; the end when there is none since. */
        public static Start ago(Duration lookBack) {
            return new Start(Kind.AGO, lookBack);
        }
    }

    /**
     * One record as read: its key as text (null when it has none), its value decoded (null for a
     * tombstone; {@link Decoded.Failed} with the reason and the bytes when it does not decode).
     */
    public record Read<V extends Message>(String topic, int partition, long offset, long timestamp, byte[] rawKey,
            String key, Decoded<V> value) {
        public boolean tombstone() {
            return value == null;
        }
    }

    /** What a topic's records are handed to, on the reader's thread. */
    @FunctionalInterface
    public interface Handler<V extends Message> {
        void on(Read<V> read);
    }

    private record Subscription<V extends Message>(TopicSpec<V> topic, Start start, Handler<V> handler) {
        void deliver(ConsumerRecord<byte[], byte[]> record) {
            byte[] rawKey = record.key();
            Decoded<V> value = record.value() == null ? null : ProtoJsonSerde.fromJson(topic.prototype(), record.value());
            handler.on(new Read<>(record.topic(), record.partition(), record.offset(), record.timestamp(), rawKey,
                    rawKey == null ? null : new String(rawKey, StandardCharsets.UTF_8), value));
        }
    }

    private final String name;
    private final Properties props;
    private final Map<String, Subscription<?>> subscriptions;
    private final Runnable onStart;
    private final Runnable onCaughtUp;
    private final Runnable afterPoll;
    private final boolean resume;
    private final Duration poll;
    private final Clock clock;
    private final Thread thread;
    /** The next offset of every partition read so far (used when resuming after a failure). */
    private final Map<TopicPartition, Long> next = new HashMap<>();

    private volatile boolean running = true;
    private volatile boolean caughtUp;
    private volatile String problem = "not started";
    private volatile KafkaConsumer<byte[], byte[]> consumer;

    private TopicReader(Builder b) {
        this.name = b.name;
        this.subscriptions = new LinkedHashMap<>(b.subscriptions);
        this.onStart = b.onStart;
        this.onCaughtUp = b.onCaughtUp;
        this.afterPoll = b.afterPoll;
        this.resume = b.resume;
        this.poll = b.poll;
        this.clock = b.clock;
        this.props = new Properties();
        props.putAll(b.client);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, b.name);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.putAll(b.extra);
        this.thread = new Thread(this::run, b.name);
        thread.setDaemon(true);
    }

    /**
     * A reader named {@code name} (its thread and client id, e.g. {@code "intent-service-views"}).
     */
    public static Builder builder(String name, Properties client) {
        return new Builder(name, client);
    }

    /** Starts the reader's thread. */
    public TopicReader start() {
        thread.start();
        return this;
    }

    /** True once every topic read from the beginning was read to the end it had at the (latest) start. */
    public boolean caughtUp() {
        return caughtUp;
    }

    /** Empty when caught up; else why not ("not started", "catching up", the last failure). */
    public String problem() {
        return problem;
    }

    /** Stops reading; waits up to 5 s for the thread. */
    @Override
    public void close() {
        running = false;
        KafkaConsumer<?, ?> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        Duration backoff = FIRST_BACKOFF;
        while (running) {
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(props)) {
                consumer = c;
                if (!running) {
                    return;
                }
                onStart.run();
                read(c);
            } catch (WakeupException | InterruptException e) {
                return;
            } catch (RuntimeException e) {
                caughtUp = false;
                problem = String.valueOf(e.getMessage());
                if (!running) {
                    return;
                }
                LOG.warnf("%s: reading failed, starting again in=%dms reason=%s", name, backoff.toMillis(), e.getMessage());
                sleep(backoff);
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            } finally {
                consumer = null;
            }
        }
    }

    private void read(KafkaConsumer<byte[], byte[]> c) {
        Map<String, List<TopicPartition>> partitions = new LinkedHashMap<>();
        List<TopicPartition> all = new ArrayList<>();
        for (String topic : subscriptions.keySet()) {
            List<TopicPartition> ps = partitionsOf(c, topic, METADATA_TIMEOUT);
            partitions.put(topic, ps);
            all.addAll(ps);
        }
        c.assign(all);
        Instant now = clock.instant();
        List<TopicPartition> fromBeginning = new ArrayList<>();
        for (Map.Entry<String, List<TopicPartition>> e : partitions.entrySet()) {
            Start start = subscriptions.get(e.getKey()).start();
            position(c, e.getValue(), start, now);
            if (start.kind() == Start.Kind.BEGINNING) {
                fromBeginning.addAll(e.getValue());
            }
        }
        all.forEach(c::position); // fixes every position now: nothing written from here on is missed
        Map<TopicPartition, Long> catchUpTo = new HashMap<>(c.endOffsets(fromBeginning));
        problem = "catching up";
        LOG.infof("%s: reading topics=%s partitions=%d", name, subscriptions.keySet(), all.size());
        checkCaughtUp(c, catchUpTo);
        while (running) {
            for (ConsumerRecord<byte[], byte[]> record : c.poll(poll)) {
                subscriptions.get(record.topic()).deliver(record);
                next.put(new TopicPartition(record.topic(), record.partition()), record.offset() + 1);
            }
            checkCaughtUp(c, catchUpTo);
            afterPoll.run();
        }
    }

    private void checkCaughtUp(KafkaConsumer<byte[], byte[]> c, Map<TopicPartition, Long> catchUpTo) {
        if (caughtUp) {
            return;
        }
        catchUpTo.entrySet().removeIf(e -> c.position(e.getKey()) >= e.getValue());
        if (catchUpTo.isEmpty()) {
            caughtUp = true;
            problem = "";
            LOG.infof("%s: caught up topics=%s", name, subscriptions.keySet());
            onCaughtUp.run();
        }
    }

    /** Resumes where this reader was (when asked to), else seeks to the topic's start. */
    private void position(KafkaConsumer<byte[], byte[]> c, List<TopicPartition> partitions, Start start, Instant now) {
        Map<TopicPartition, Long> byTime = new HashMap<>();
        for (TopicPartition p : partitions) {
            Long resumeAt = resume ? next.get(p) : null;
            if (resumeAt != null) {
                c.seek(p, resumeAt);
            } else if (start.kind() == Start.Kind.BEGINNING) {
                c.seekToBeginning(List.of(p));
            } else if (start.kind() == Start.Kind.END) {
                c.seekToEnd(List.of(p));
            } else {
                byTime.put(p, now.minus(start.lookBack()).toEpochMilli());
            }
        }
        if (byTime.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetAndTimestamp> found = c.offsetsForTimes(byTime, METADATA_TIMEOUT);
        List<TopicPartition> toEnd = new ArrayList<>();
        byTime.keySet().forEach(p -> {
            OffsetAndTimestamp at = found.get(p);
            if (at == null) {
                toEnd.add(p);
            } else {
                c.seek(p, at.offset());
            }
        });
        c.seekToEnd(toEnd);
    }

    /**
     * Every partition of a topic. Throws when the topic does not exist (yet): the topic bootstrap may
     * still be creating it, and the caller tries again later.
     */
    public static List<TopicPartition> partitionsOf(KafkaConsumer<?, ?> c, String topic, Duration timeout) {
        List<PartitionInfo> infos;
        try {
            infos = c.partitionsFor(topic, timeout);
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            throw new IllegalStateException("topic " + topic + " cannot be looked up (broker unreachable?): " + e.getMessage(), e);
        }
        if (infos == null || infos.isEmpty()) {
            throw new IllegalStateException("topic " + topic + " does not exist yet");
        }
        List<TopicPartition> partitions = new ArrayList<>();
        infos.forEach(i -> partitions.add(new TopicPartition(i.topic(), i.partition())));
        return partitions;
    }

    /**
     * Every partition of a topic, waiting (0.2 s doubling to 5 s, with a log line each time) until it
     * exists; empty when {@code stillWanted} turns false while waiting.
     */
    public static List<TopicPartition> awaitPartitions(KafkaConsumer<?, ?> c, String topic,
            java.util.function.BooleanSupplier stillWanted) {
        Duration pause = Duration.ofMillis(200);
        while (stillWanted.getAsBoolean()) {
            try {
                return partitionsOf(c, topic, Duration.ofSeconds(5));
            } catch (IllegalStateException e) {
                LOG.infof("waiting for topic %s to exist", topic);
            }
            sleep(pause);
            pause = pause.multipliedBy(2).compareTo(Duration.ofSeconds(5)) > 0 ? Duration.ofSeconds(5) : pause.multipliedBy(2);
        }
        return List.of();
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public static final class Builder {
        private final String name;
        private final Properties client;
        private final Map<String, Subscription<?>> subscriptions = new LinkedHashMap<>();
        private final Map<String, Object> extra = new HashMap<>();
        private Runnable onStart = () -> {};
        private Runnable onCaughtUp = () -> {};
        private Runnable afterPoll = () -> {};
        private boolean resume;
        private Duration poll = Duration.ofMillis(200);
        private Clock clock = Clock.systemUTC();

        private Builder(String name, Properties client) {
            this.name = name;
            this.client = client;
        }

        /** Reads {@code topic} from {@code start}, handing each record to {@code handler}. */
        public <V extends Message> Builder topic(TopicSpec<V> topic, Start start, Handler<V> handler) {
            if (subscriptions.putIfAbsent(topic.name(), new Subscription<>(topic, start, handler)) != null) {
                throw new IllegalArgumentException("topic " + topic.name() + " is read once");
            }
            return this;
        }

        /** Runs on the reader's thread before every (re)start, before any record is read. */
        public Builder onStart(Runnable hook) {
            this.onStart = hook;
            return this;
        }

        /** Runs on the reader's thread each time it becomes caught up. */
        public Builder onCaughtUp(Runnable hook) {
            this.onCaughtUp = hook;
            return this;
        }

        /** Runs on the reader's thread after every poll (e.g. to look at the time). */
        public Builder afterPoll(Runnable hook) {
            this.afterPoll = hook;
            return this;
        }

        /** After a failure, go on from the next record of every partition already read instead of the starts. */
        public Builder resumeAfterFailure() {
            this.resume = true;
            return this;
        }

        public Builder pollTimeout(Duration poll) {
            this.poll = poll;
            return this;
        }

        /** The clock {@link Start#ago} counts back from. */
        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /** A consumer setting beyond the reader's own (e.g. shorter request timeouts). */
        public Builder config(String key, Object value) {
            extra.put(key, value);
            return this;
        }

        public TopicReader build() {
            if (subscriptions.isEmpty()) {
                throw new IllegalStateException(name + ": a reader reads at least one topic");
            }
            return new TopicReader(this);
        }
    }
}
