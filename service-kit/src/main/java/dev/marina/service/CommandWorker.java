package dev.marina.service;

import com.google.protobuf.Message;
import dev.marina.schemas.serde.Decoded;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.topics.TopicSpec;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.DeadLetter;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.jboss.logging.Logger;

/**
 * A worker's command loop: reads a command topic (every partition assigned, positions kept under a
 * consumer group named after the worker, {@code read_committed}), and for each record
 * <ol>
 *   <li>decodes it with the topic's contract;</li>
 *   <li>checks it (the worker's own rules, e.g. "names a deployment", "the key is its deployment");</li>
 *   <li>hands it to the handler, on the record key's lane ({@link KeyedLanes}: one key's commands in
 *       order, different keys in parallel up to {@link Builder#parallel});</li>
 *   <li>publishes the handler's answer and waits until the broker acknowledged it
 *       ({@link Publishing#untilAcknowledged});</li>
 *   <li>commits the position once the answers to this and every earlier record are acknowledged
 *       ({@link CommitTracker}).</li>
 * </ol>
 * A record that does not decode or fails the check goes to {@code dead-letters} with the reason (byte
 * for byte), and the loop goes on. A handler that throws is tried again a bounded number of times
 * ({@link Builder#attempts}, with doubling pauses); a command that still fails is recorded on
 * {@code dead-letters} with the last reason and skipped, never retried for ever. An answer the broker
 * refuses for its content (too large, not serialisable: {@link Publishing.Refused}) is not sent again:
 * the command goes to {@code dead-letters} saying so, and is skipped. A crash between effect and commit
 * replays the command: handlers must be idempotent.
 *
 * <p>The consumer thread never waits on one command: handlers run on the lanes; when too many records
 * are in flight the partitions are paused while the consumer keeps polling (so it never leaves the
 * group), and resumed as answers go out. A publish that the broker does not acknowledge is retried
 * (doubling pauses) until it is, or until the worker is closed — the offset is then not committed and
 * the command is replayed at the next start.
 */
public final class CommandWorker<C extends Message> implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(CommandWorker.class);
    private static final Duration PAUSE_AFTER_ERROR = Duration.ofSeconds(1);
    private static final Duration FIRST_RETRY_PAUSE = Duration.ofMillis(200);

    /** One record to publish: an answer on the worker's event topic. */
    public record Answer(TopicSpec<?> topic, String key, Message value) {}

    /** Sends one record; the stage completes when the broker acknowledged it. */
    @FunctionalInterface
    public interface Sender {
        CompletionStage<Void> send(TopicSpec<?> topic, String key, Message value);
    }

    /** Carries a command out and returns its answer (empty: nothing to answer). Must be idempotent. */
    @FunctionalInterface
    public interface Handler<C> {
        Optional<Answer> handle(String key, C command) throws Exception;
    }

    /** Why a decoded command cannot be carried out (empty: it can). */
    @FunctionalInterface
    public interface Check<C> {
        Optional<String> problem(String key, C command);
    }

    private final String name;
    private final TopicSpec<C> topic;
    private final Properties props;
    private final Check<C> check;
    private final Handler<C> handler;
    private final Sender sender;
    private final Clock clock;
    private final int parallel;
    private final int attempts;
    private final int maxInFlight;
    private final Duration poll;
    private final Optional<String> tombstoneReason;
    private final Runnable onDeadLetter;
    private final Consumer<KafkaConsumer<?, ?>> onConsumer;
    private final AtomicInteger inProgress = new AtomicInteger();
    private final CommitTracker tracker = new CommitTracker();

    private volatile boolean running;
    private volatile boolean assigned;
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private KeyedLanes lanes;
    private Thread thread;

    private CommandWorker(Builder<C> b) {
        this.name = b.name;
        this.topic = b.topic;
        this.check = b.check;
        this.handler = b.handler;
        this.sender = b.sender;
        this.clock = b.clock;
        this.parallel = b.parallel;
        this.attempts = b.attempts;
        this.maxInFlight = b.maxInFlight > 0 ? b.maxInFlight : b.parallel * 8;
        this.poll = b.poll;
        this.tombstoneReason = b.tombstoneReason;
        this.onDeadLetter = b.onDeadLetter;
        this.onConsumer = b.onConsumer;
        this.props = commandConsumer(b.client, b.name, 500);
        props.putAll(b.extra);
    }

    /**
     * The settings of a consumer of a command topic: positions kept under {@code group} and committed by
     * hand, from the beginning, only what the reconciler committed, raw bytes (the caller decodes).
     */
    public static Properties commandConsumer(Properties client, String group, int maxPollRecords) {
        Properties props = new Properties();
        props.putAll(client);
        // the group only keeps the committed positions (partitions are assigned, not balanced)
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // the reconciler writes in transactions: read only what it committed
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(maxPollRecords));
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return props;
    }

    /**
     * A worker named {@code name} — its consumer group, the {@code consumer} of its dead letters and
     * its threads' names (e.g. "cert-service") — reading {@code topic}.
     */
    public static <C extends Message> Builder<C> builder(String name, TopicSpec<C> topic, Properties client) {
        return new Builder<>(name, topic, client);
    }

    public synchronized CommandWorker<C> start() {
        lanes = new KeyedLanes(name + "-work", parallel);
        running = true;
        thread = new Thread(this::run, name + "-commands");
        thread.start();
        return this;
    }

    /** True once the consumer has its partitions. */
    public boolean assigned() {
        return assigned;
    }

    /** Commands being handled right now. */
    public AtomicInteger inProgress() {
        return inProgress;
    }

    /** Stops reading and waits up to 10 s for the loop; work in progress is interrupted after that. */
    @Override
    public synchronized void close() {
        running = false;
        KafkaConsumer<?, ?> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        try {
            if (thread != null) {
                thread.join(10_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (lanes != null) {
            lanes.close();
        }
    }

    private void run() {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(props)) {
            consumer = c;
            onConsumer.accept(c);
            List<TopicPartition> partitions = TopicReader.awaitPartitions(c, topic.name(), () -> running);
            if (partitions.isEmpty()) {
                return;
            }
            c.assign(partitions);
            assigned = true;
            LOG.infof("%s: reading commands topic=%s partitions=%d group=%s", name, topic.name(), partitions.size(), name);
            boolean paused = false;
            while (running) {
                try {
                    for (ConsumerRecord<byte[], byte[]> record : c.poll(poll)) {
                        read(record);
                    }
                    boolean full = tracker.inFlight() >= maxInFlight;
                    if (full != paused) {
                        if (full) {
                            c.pause(partitions);
                        } else {
                            c.resume(partitions);
                        }
                        paused = full;
                    }
                    Map<TopicPartition, OffsetAndMetadata> positions = tracker.committable();
                    if (!positions.isEmpty()) {
                        c.commitSync(positions);
                        tracker.committed(positions);
                    }
                } catch (WakeupException e) {
                    if (running) {
                        throw e;
                    }
                } catch (RuntimeException e) {
                    LOG.errorf(e, "%s: command loop step failed, going on in %d ms", name, PAUSE_AFTER_ERROR.toMillis());
                    sleep(PAUSE_AFTER_ERROR);
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            LOG.errorf(e, "%s: command loop stopped", name);
        } finally {
            consumer = null;
            assigned = false;
        }
    }

    private void read(ConsumerRecord<byte[], byte[]> record) {
        TopicPartition tp = new TopicPartition(record.topic(), record.partition());
        long offset = record.offset();
        tracker.started(tp, offset);
        String key = record.key() == null ? "" : new String(record.key(), StandardCharsets.UTF_8);
        if (record.value() == null) {
            tombstoneReason.ifPresent(reason -> deadLetter(record, null, reason));
            tracker.done(tp, offset);
            return;
        }
        Decoded<C> decoded = ProtoJsonSerde.fromJson(topic.prototype(), record.value());
        if (decoded instanceof Decoded.Failed<C> failed) {
            deadLetter(record, failed.raw(), failed.reason());
            tracker.done(tp, offset);
            return;
        }
        C command = decoded.value();
        Optional<String> problem = check.problem(key, command);
        if (problem.isPresent()) {
            deadLetter(record, json(command), problem.get());
            tracker.done(tp, offset);
            return;
        }
        lanes.submit(key, () -> {
            inProgress.incrementAndGet();
            try {
                Optional<Answer> answer = handle(record, key, command);
                if (answer.isPresent()) {
                    Answer a = answer.get();
                    try {
                        Publishing.untilAcknowledged(describe(a), () -> sender.send(a.topic(), a.key(), a.value()), () -> running);
                    } catch (Publishing.Refused refused) {
                        // sending it again cannot help: record why, and go on with the next command
                        LOG.errorf("%s: answer refused for its content, command skipped deployment=%s offset=%d reason=%s", name,
                                key, offset, refused.getMessage());
                        deadLetter(record, json(command), "the command's " + describe(a) + " was refused: " + refused.getMessage());
                    }
                }
                tracker.done(tp, offset);
            } catch (RuntimeException e) {
                // only a publish given up because the worker closes: leave the offset uncommitted (replayed at the next start)
                LOG.warnf("%s: answer not published, the command will be replayed offset=%d reason=%s", name, offset, e.getMessage());
            } finally {
                inProgress.decrementAndGet();
            }
        });
    }

    /** The handler's answer; after {@code attempts} failures the command is dead-lettered and skipped (empty). */
    private Optional<Answer> handle(ConsumerRecord<byte[], byte[]> record, String key, C command) {
        Duration pause = FIRST_RETRY_PAUSE;
        for (int attempt = 1; ; attempt++) {
            try {
                return handler.handle(key, command);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while handling the command", e);
            } catch (Exception e) {
                String why = e.getMessage() == null ? e.toString() : e.getMessage();
                if (!running) {
                    // closing: leave it uncommitted, the next start tries it again
                    throw new IllegalStateException("handler failed while closing: " + why, e);
                }
                if (attempt >= attempts) {
                    LOG.errorf(e, "%s: command handler failed, command skipped deployment=%s offset=%d attempts=%d", name, key,
                            record.offset(), attempt);
                    deadLetter(record, json(command), attempts == 1 ? "handling failed: " + why
                            : "handling failed after " + attempt + " attempts: " + why);
                    return Optional.empty();
                }
                LOG.warnf("%s: command handler failed, trying again deployment=%s offset=%d attempt=%d in=%dms reason=%s", name,
                        key, record.offset(), attempt, pause.toMillis(), why);
                sleep(pause);
                pause = pause.multipliedBy(2);
            }
        }
    }

    private void deadLetter(ConsumerRecord<byte[], byte[]> record, byte[] value, String reason) {
        DeadLetter letter = DeadLetters.of(name, record.topic(), record.partition(), record.offset(), record.key(), value,
                reason, clock.instant());
        LOG.warnf("record unusable, sent to dead-letters topic=%s partition=%d offset=%d size=%d reason=%s", record.topic(),
                record.partition(), record.offset(), letter.getValueSize(), letter.getReason());
        String key = record.key() == null ? null : DeadLetters.recordKey(new String(record.key(), StandardCharsets.UTF_8));
        try {
            Publishing.untilAcknowledged("dead letter", () -> sender.send(Topics.DEAD_LETTERS, key, letter), () -> running);
        } catch (Publishing.Refused refused) {
            // a letter is bounded and always fits; should the broker refuse it all the same, the record is skipped
            LOG.errorf("dead letter refused, record skipped topic=%s partition=%d offset=%d reason=%s", record.topic(),
                    record.partition(), record.offset(), refused.getMessage());
            return;
        }
        onDeadLetter.run();
    }

    private static String describe(Answer answer) {
        return "answer on " + answer.topic().name();
    }

    private static byte[] json(Message command) {
        return ProtoJsonSerde.toJson(command).getBytes(StandardCharsets.UTF_8);
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public static final class Builder<C extends Message> {
        private final String name;
        private final TopicSpec<C> topic;
        private final Properties client;
        private final Map<String, Object> extra = new HashMap<>();
        private Check<C> check = (key, command) -> Optional.empty();
        private Handler<C> handler;
        private Sender sender;
        private Clock clock = Clock.systemUTC();
        private int parallel = 1;
        private int attempts = 3;
        private int maxInFlight;
        private Duration poll = Duration.ofMillis(50);
        private Optional<String> tombstoneReason = Optional.empty();
        private Runnable onDeadLetter = () -> {};
        private Consumer<KafkaConsumer<?, ?>> onConsumer = c -> {};

        private Builder(String name, TopicSpec<C> topic, Properties client) {
            this.name = name;
            this.topic = topic;
            this.client = client;
        }

        public Builder<C> check(Check<C> check) {
            this.check = check;
            return this;
        }

        public Builder<C> handler(Handler<C> handler) {
            this.handler = handler;
            return this;
        }

        public Builder<C> sender(Sender sender) {
            this.sender = sender;
            return this;
        }

        /** The clock dead letters are stamped with. */
        public Builder<C> clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /** How many keys' commands run at once (default 1: one command at a time). */
        public Builder<C> parallel(int parallel) {
            this.parallel = Math.max(1, parallel);
            return this;
        }

        /**
         * How often a command whose handler throws is tried (default 3, with pauses of 0.2 s, 0.4 s, …)
         * before it is dead-lettered and skipped.
         */
        public Builder<C> attempts(int attempts) {
            this.attempts = Math.max(1, attempts);
            return this;
        }

        /** Records read but not yet answered before the partitions are paused (default 8 per parallel lane). */
        public Builder<C> maxInFlight(int maxInFlight) {
            this.maxInFlight = maxInFlight;
            return this;
        }

        public Builder<C> pollTimeout(Duration poll) {
            this.poll = poll;
            return this;
        }

        /** Tombstones are dead-lettered with this reason (by default they are skipped: nothing to do). */
        public Builder<C> deadLetterTombstones(String reason) {
            this.tombstoneReason = Optional.of(reason);
            return this;
        }

        /** Runs after each dead letter was acknowledged (e.g. to count it). */
        public Builder<C> onDeadLetter(Runnable hook) {
            this.onDeadLetter = hook;
            return this;
        }

        /** Runs once with the consumer before it reads (e.g. to bind its metrics). */
        public Builder<C> onConsumer(Consumer<KafkaConsumer<?, ?>> hook) {
            this.onConsumer = hook;
            return this;
        }

        /** A consumer setting beyond the worker's own. */
        public Builder<C> config(String key, Object value) {
            extra.put(key, value);
            return this;
        }

        public CommandWorker<C> build() {
            if (handler == null || sender == null) {
                throw new IllegalStateException(name + ": a command worker needs a handler and a sender");
            }
            return new CommandWorker<>(this);
        }
    }
}
