package dev.marina.dns.commands;

import dev.marina.service.KafkaClients;
import dev.marina.dns.DnsConfig;
import dev.marina.schemas.serde.Decoded;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.serde.ProtoJsonSerializer;
import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.topics.DnsWishKey;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.DeadLetter;
import dev.marina.schemas.v1.DnsCommand;
import dev.marina.schemas.v1.DnsEvent;
import dev.marina.schemas.v1.DnsOutcome;
import dev.marina.service.CommandWorker;
import dev.marina.service.DeadLetters;
import dev.marina.service.Publishing;
import dev.marina.service.TopicReader;
import dev.marina.service.leader.Leadership;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
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
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

/**
 * dns-service's control loop, on one thread. It reads two compacted topics of wishes, keyed by wish
 * ({@link DnsWishKey}): {@code dns-commands}, the reconciler's wish for each deployment's names, and
 * {@code dns-challenges}, cert-service's ACME challenge records (a purpose in the key and the command).
 * The latest record per key is that wish; the loop reads both topics whole (every partition, from the
 * beginning) and keeps the wishes in memory. {@code dns-commands} still accepts a purposed wish under
 * its wish key (records written there before {@code dns-challenges} existed stay readable).
 *
 * <p>It does not use service-kit's {@code CommandWorker}: a compacted topic re-read from the beginning
 * at every start (the wishes are the state the drift check needs), batches superseding older
 * commands of a deployment, and the drift check make a loop of its own. It shares the parts that are
 * the same: {@link TopicReader#awaitPartitions}, {@link Publishing#allUntilAcknowledged},
 * {@link DeadLetters}.
 *
 * <ul>
 *   <li>New commands (at or after the committed position) are carried out in batches — one zone read,
 *       few updates — and answered on {@code dns-events}. Older commands of a deployment in the same
 *       batch are superseded by its newest; only the newest is answered.</li>
 *   <li>Positions are committed only after the answers (and dead letters) were acknowledged by the
 *       broker. A crash in between replays the commands; the idempotent planner makes that harmless.</li>
 *   <li>Once caught up after a start, and every {@code marina.dns.drift-interval}, the zone is compared
 *       with every wish: records changed from outside are restored, names of deployments that no longer
 *       have a wish (their command tombstoned) are removed. Owned records exist only through commands
 *       this loop read, so a wish missing after catching up means the deployment is gone.</li>
 * </ul>
 * One active instance per zone: a second one would do the same work (the updates' conditions keep
 * the zone consistent even then).
 */
@ApplicationScoped
public class DnsController {

    private static final Logger LOG = Logger.getLogger(DnsController.class);
    static final String CONSUMER = "dns-service";
    /** The topics dns-service reads (its hostile-record test covers each). */
    public static final List<dev.marina.schemas.topics.TopicSpec<?>> INPUTS = List.of(Topics.DNS_COMMANDS, Topics.DNS_CHALLENGES);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration PAUSE_AFTER_ERROR = Duration.ofSeconds(1);
    /** Empty (a deployment's names) or a lower-case word such as "acme-challenge". */
    private static final java.util.regex.Pattern PURPOSE = java.util.regex.Pattern.compile("|[a-z0-9][a-z0-9-]{0,30}");

    @Inject
    DnsCommandHandler handler;

    @Inject
    DnsConfig config;

    @Inject
    Clock clock;

    @Inject
    MeterRegistry metrics;

    @Inject
    KafkaClients kafka;

    private volatile boolean running;
    private volatile boolean caughtUp;
    private volatile KafkaConsumer<byte[], Decoded<DnsCommand>> consumer;
    private Thread thread;

    /** Latest wish per wish key (DnsWishKey: the deployment, with the purpose when there is one). Touched by the loop thread only. */
    private final Map<String, DnsCommand> latest = new HashMap<>();
    /** Commands read but not yet carried out, newest per deployment, in arrival order. */
    private final Map<String, DnsCommand> pending = new LinkedHashMap<>();

    @Inject
    Leadership leadership;

    /**
     * One copy carries the zone at a time (docs/copies.md): the drift check compares the whole zone with
     * every wish, so the wishes cannot be split between copies. The others stand by, ready to take over.
     */
    void start(@Observes StartupEvent ignored) {
        leadership.elect(generation -> {
            begin();
            return this::end;
        });
    }

    /** Reads every wish from the beginning again (a copy elected later starts as a restarted one would). */
    synchronized void begin() {
        latest.clear();
        pending.clear();
        caughtUp = false;
        running = true;
        thread = new Thread(this::run, "dns-controller");
        thread.start();
    }

    synchronized void end() throws InterruptedException {
        running = false;
        KafkaConsumer<?, ?> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        if (thread != null) {
            thread.join(10_000);
        }
        caughtUp = false;
    }

    /** True on a copy that stands by while another leads: it is ready to take over. */
    public boolean standingBy() {
        return leadership.member() && !leadership.leading() && !running;
    }

    /** True once every command that existed at start has been read: the wishes are complete. */
    public boolean caughtUp() {
        return caughtUp;
    }

    private void run() {
        try (KafkaConsumer<byte[], Decoded<DnsCommand>> c = new KafkaConsumer<>(consumerProps());
                KafkaProducer<String, com.google.protobuf.Message> producer = new KafkaProducer<>(producerProps())) {
            consumer = c;
            // consumer lag and fetch rates on /q/metrics, like the services whose clients Quarkus binds
            io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics clientMetrics =
                    new io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics(c);
            clientMetrics.bindTo(metrics);
            List<TopicPartition> partitions = awaitPartitions(c);
            Map<TopicPartition, Long> answeredUpTo = committed(c, partitions);
            c.assign(partitions);
            c.seekToBeginning(partitions);
            Map<TopicPartition, Long> endAtStart = c.endOffsets(partitions);
            LOG.infof("dns controller reading %s and %s from the beginning partitions=%d answered-up-to=%s end=%s",
                    Topics.DNS_COMMANDS.name(), Topics.DNS_CHALLENGES.name(), partitions.size(), answeredUpTo, endAtStart);
            handler.forgetZone(); // another copy may have carried the zone since this one last did
            Instant nextDriftCheck = Instant.MAX;
            boolean uncommitted = false;
            while (running) {
                try {
                    for (ConsumerRecord<byte[], Decoded<DnsCommand>> record : c.poll(POLL)) {
                        boolean answered = record.offset() < answeredUpTo.getOrDefault(
                                new TopicPartition(record.topic(), record.partition()), 0L);
                        read(record, answered, producer);
                        uncommitted |= !answered;
                    }
                    if (!caughtUp && positionsReached(c, endAtStart)) {
                        caughtUp = true;
                        nextDriftCheck = clock.instant(); // a start repairs whatever happened while we were away
                        LOG.infof("dns controller caught up deployments=%d new-commands=%d", latest.size(), pending.size());
                    }
                    if (!caughtUp) {
                        continue;
                    }
                    // Commands first: the drift check compares the zone with every wish read, so a wish read but not
                    // carried out yet would count as drift (a burst of new deployments logged hundreds of false repairs).
                    if (!pending.isEmpty()) {
                        carryOutPending(producer);
                        uncommitted = true;
                    }
                    if (!clock.instant().isBefore(nextDriftCheck)) {
                        driftCheck();
                        nextDriftCheck = clock.instant().plus(config.driftInterval());
                    }
                    if (uncommitted) {
                        c.commitSync(positions(c, partitions));
                        uncommitted = false;
                    }
                } catch (WakeupException e) {
                    if (running) {
                        throw e;
                    }
                } catch (RuntimeException e) {
                    // never let the loop die: log, pause, go on (pending commands stay pending)
                    LOG.errorf(e, "dns controller step failed, going on in %d ms", PAUSE_AFTER_ERROR.toMillis());
                    pause();
                }
            }
        } catch (WakeupException e) {
            // shutting down
        } catch (RuntimeException e) {
            LOG.errorf(e, "dns controller stopped");
        } finally {
            consumer = null;
        }
    }

    private void read(ConsumerRecord<byte[], Decoded<DnsCommand>> record, boolean answered,
            KafkaProducer<String, com.google.protobuf.Message> producer) {
        String key = record.key() == null ? "" : new String(record.key(), StandardCharsets.UTF_8);
        Decoded<DnsCommand> value = record.value();
        if (value == null) {
            // the deployment is gone; its names, if any are left, go at the next drift check
            latest.remove(key);
            pending.remove(key);
            return;
        }
        if (value instanceof Decoded.Failed<DnsCommand> failed) {
            deadLetter(record, failed.raw(), failed.reason(), answered, producer);
            return;
        }
        DnsCommand command = value.value();
        if (command.getDeployment().getTenant().isEmpty() || command.getDeployment().getName().isEmpty()) {
            deadLetter(record, ProtoJsonSerde.toJson(command).getBytes(StandardCharsets.UTF_8),
                    "command names no deployment (tenant and name)", answered, producer);
            return;
        }
        if (!PURPOSE.matcher(command.getPurpose()).matches()) {
            deadLetter(record, ProtoJsonSerde.toJson(command).getBytes(StandardCharsets.UTF_8),
                    "purpose \"" + command.getPurpose() + "\" is not a lower-case word (letters, digits, -)", answered, producer);
            return;
        }
        if (record.topic().equals(Topics.DNS_CHALLENGES.name()) && command.getPurpose().isEmpty()) {
            deadLetter(record, ProtoJsonSerde.toJson(command).getBytes(StandardCharsets.UTF_8),
                    "a wish on " + Topics.DNS_CHALLENGES.name() + " needs a purpose (the deployment's own names are the reconciler's, on "
                            + Topics.DNS_COMMANDS.name() + ")", answered, producer);
            return;
        }
        if (!DnsWishKey.of(command).equals(key)) {
            deadLetter(record, ProtoJsonSerde.toJson(command).getBytes(StandardCharsets.UTF_8),
                    "key \"" + key + "\" is not the command's wish " + DnsWishKey.of(command),
                    answered, producer);
            return;
        }
        latest.put(key, command);
        if (!answered) {
            pending.remove(key); // keep arrival order of the newest
            pending.put(key, command);
        }
    }

    private void carryOutPending(KafkaProducer<String, com.google.protobuf.Message> producer) {
        List<DnsCommand> batch = List.copyOf(pending.values());
        long started = System.nanoTime();
        List<DnsEvent> answers = handler.carryOut(batch);
        metrics.timer("marina.dns.batch.duration").record(Duration.ofNanos(System.nanoTime() - started));
        List<ProducerRecord<String, com.google.protobuf.Message>> records = new ArrayList<>();
        for (DnsEvent answer : answers) {
            records.add(new ProducerRecord<>(Topics.DNS_EVENTS.name(), DeploymentKey.of(answer.getDeployment()), answer));
            metrics.counter("marina.dns.commands", "outcome", outcomeTag(answer.getOutcome())).increment();
        }
        // an answer refused for its content is never sent again: it goes to dead-letters saying so
        for (Publishing.RefusedRecord<String, com.google.protobuf.Message> refused : Publishing.allUntilAcknowledged(producer, records)) {
            ProducerRecord<String, com.google.protobuf.Message> answer = refused.record();
            DeadLetter letter = DeadLetters.of(CONSUMER, answer.topic(), -1, -1,
                    answer.key() == null ? null : answer.key().getBytes(StandardCharsets.UTF_8),
                    ProtoJsonSerde.toJson(answer.value()).getBytes(StandardCharsets.UTF_8),
                    "an answer was refused by the broker (not written; no source offset): " + refused.reason(), clock.instant());
            Publishing.allUntilAcknowledged(producer, List.of(new ProducerRecord<>(Topics.DEAD_LETTERS.name(),
                    DeadLetters.recordKey(answer.key()), letter)));
            metrics.counter("marina.dns.dead.letters").increment();
        }
        batch.forEach(command -> pending.remove(DnsWishKey.of(command), command));
    }

    private void driftCheck() {
        try {
            List<String> repaired = handler.repairDrift(latest);
            metrics.counter("marina.dns.drift.repairs").increment(repaired.size());
        } catch (RuntimeException e) {
            LOG.warnf("dns drift check not done, trying again in %s reason=%s", config.driftInterval(), e.getMessage());
        }
    }

    private void deadLetter(ConsumerRecord<byte[], ?> record, byte[] value, String reason, boolean answered,
            KafkaProducer<String, com.google.protobuf.Message> producer) {
        if (answered) {
            return; // an earlier run already sent it to dead-letters
        }
        DeadLetter letter = DeadLetters.of(CONSUMER, record.topic(), record.partition(), record.offset(), record.key(),
                value, reason, clock.instant());
        LOG.warnf("record unusable, sent to dead-letters topic=%s partition=%d offset=%d size=%d reason=%s", record.topic(),
                record.partition(), record.offset(), letter.getValueSize(), letter.getReason());
        String key = record.key() == null ? null : DeadLetters.recordKey(new String(record.key(), StandardCharsets.UTF_8));
        Publishing.allUntilAcknowledged(producer, List.of(new ProducerRecord<>(Topics.DEAD_LETTERS.name(), key, letter)));
        metrics.counter("marina.dns.dead.letters").increment();
    }

    private List<TopicPartition> awaitPartitions(KafkaConsumer<?, ?> c) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (dev.marina.schemas.topics.TopicSpec<?> topic : INPUTS) {
            partitions.addAll(TopicReader.awaitPartitions(c, topic.name(), () -> running));
        }
        return partitions;
    }

    private static Map<TopicPartition, Long> committed(KafkaConsumer<?, ?> c, List<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> committed = c.committed(new java.util.HashSet<>(partitions), Duration.ofSeconds(30));
        Map<TopicPartition, Long> offsets = new HashMap<>();
        committed.forEach((tp, om) -> offsets.put(tp, om == null ? 0L : om.offset()));
        return offsets;
    }

    private static boolean positionsReached(KafkaConsumer<?, ?> c, Map<TopicPartition, Long> end) {
        return end.entrySet().stream().allMatch(e -> c.position(e.getKey()) >= e.getValue());
    }

    private static Map<TopicPartition, OffsetAndMetadata> positions(KafkaConsumer<?, ?> c, List<TopicPartition> partitions) {
        return partitions.stream().collect(Collectors.toMap(tp -> tp, tp -> new OffsetAndMetadata(c.position(tp))));
    }

    private Properties consumerProps() {
        Properties props = CommandWorker.commandConsumer(kafka.base(), CONSUMER, 2000);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, DnsCommandDecoder.class.getName());
        return props;
    }

    private Properties producerProps() {
        Properties props = new Properties();
        props.putAll(kafka.base());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "2");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ProtoJsonSerializer.class.getName());
        return props;
    }

    private static String outcomeTag(DnsOutcome outcome) {
        return switch (outcome) {
            case DNS_OUTCOME_APPLIED -> "applied";
            case DNS_OUTCOME_CLASH -> "clash";
            case DNS_OUTCOME_FAILED -> "failed";
            default -> "unknown";
        };
    }

    private void pause() {
        sleep(PAUSE_AFTER_ERROR);
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
