package dev.marina.cert.commands;

import dev.marina.cert.CertConfig;
import dev.marina.schemas.serde.Decoded;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.CertCommand;
import dev.marina.schemas.v1.CertEvent;
import dev.marina.schemas.v1.DeadLetter;
import dev.marina.service.DeadLetters;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * cert-service's intake, on one thread: reads {@code cert-commands} (every partition, from the
 * positions committed under the group {@code cert-service}) and hands each command to its
 * deployment's lane ({@link DeploymentLanes}); the lane answers on {@code cert-events}.
 *
 * <ul>
 *   <li>A position is committed only once the answers to every command before it were acknowledged
 *       by the broker ({@link CommitTracker}). A crash replays the unanswered commands; the journal
 *       turns a replay into the same answer or the resumption of the same order.</li>
 *   <li>An unusable record (undecodable, no command id, key not its deployment) goes to
 *       {@code dead-letters} with the reason; the loop goes on.</li>
 *   <li>When too many commands are in flight the partitions are paused (the consumer keeps polling, so
 *       it never leaves the group), and resumed as answers go out.</li>
 * </ul>
 */
@ApplicationScoped
public class CertController {

    private static final Logger LOG = Logger.getLogger(CertController.class);
    static final String CONSUMER = "cert-service";
    private static final Duration POLL = Duration.ofMillis(50);
    private static final Duration PAUSE_AFTER_ERROR = Duration.ofSeconds(1);

    @Inject
    CertCommandHandler handler;

    @Inject
    CertProducer producer;

    @Inject
    CertConfig config;

    @Inject
    Clock clock;

    @Inject
    MeterRegistry metrics;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    private final AtomicInteger inProgress = new AtomicInteger();
    private final CommitTracker tracker = new CommitTracker();
    private volatile boolean running;
    private volatile boolean assigned;
    private volatile KafkaConsumer<byte[], Decoded<CertCommand>> consumer;
    private DeploymentLanes lanes;
    private Thread thread;

    void start(@Observes StartupEvent ignored) {
        metrics.gauge("marina.cert.orders.in.progress", inProgress);
        lanes = new DeploymentLanes(Math.max(1, config.acme().parallelOrders()));
        running = true;
        thread = new Thread(this::run, "cert-controller");
        thread.start();
    }

    void stop(@Observes ShutdownEvent ignored) throws InterruptedException {
        running = false;
        KafkaConsumer<?, ?> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        if (thread != null) {
            thread.join(10_000);
        }
        lanes.close();
    }

    /** True once the consumer has its partitions. */
    public boolean assigned() {
        return assigned;
    }

    private void run() {
        int maxInFlight = Math.max(1, config.acme().parallelOrders()) * 8;
        try (KafkaConsumer<byte[], Decoded<CertCommand>> c = new KafkaConsumer<>(consumerProps())) {
            consumer = c;
            new KafkaClientMetrics(c).bindTo(metrics);
            List<TopicPartition> partitions = awaitPartitions(c);
            c.assign(partitions);
            assigned = true;
            LOG.infof("cert controller reading %s partitions=%d group=%s", Topics.CERT_COMMANDS.name(), partitions.size(), CONSUMER);
            boolean paused = false;
            while (running) {
                try {
                    for (ConsumerRecord<byte[], Decoded<CertCommand>> record : c.poll(POLL)) {
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
                    LOG.errorf(e, "cert controller step failed, going on in %d ms", PAUSE_AFTER_ERROR.toMillis());
                    sleep(PAUSE_AFTER_ERROR);
                }
            }
        } catch (WakeupException e) {
            // shutting down
        } catch (RuntimeException e) {
            LOG.errorf(e, "cert controller stopped");
        } finally {
            consumer = null;
            assigned = false;
        }
    }

    private void read(ConsumerRecord<byte[], Decoded<CertCommand>> record) {
        TopicPartition tp = new TopicPartition(record.topic(), record.partition());
        long offset = record.offset();
        tracker.started(tp, offset);
        String key = record.key() == null ? "" : new String(record.key(), StandardCharsets.UTF_8);
        Decoded<CertCommand> value = record.value();
        if (value == null) {
            tracker.done(tp, offset); // a tombstone: nothing to do
            return;
        }
        if (value instanceof Decoded.Failed<CertCommand> failed) {
            deadLetter(record, failed.raw(), failed.reason());
            tracker.done(tp, offset);
            return;
        }
        CertCommand command = value.value();
        String problem = command.getCommandId().isBlank() ? "command has no command_id"
                : command.getDeployment().getTenant().isEmpty() || command.getDeployment().getName().isEmpty()
                        ? "command names no deployment (tenant and name)"
                        : !DeploymentKey.of(command.getDeployment()).equals(key)
                                ? "key \"" + key + "\" is not the command's deployment " + DeploymentKey.of(command.getDeployment())
                                : null;
        if (problem != null) {
            deadLetter(record, ProtoJsonSerde.toJson(command).getBytes(StandardCharsets.UTF_8), problem);
            tracker.done(tp, offset);
            return;
        }
        lanes.submit(key, () -> {
            inProgress.incrementAndGet();
            try {
                CertEvent event = handler.handle(command);
                producer.publish("cert event", Topics.CERT_EVENTS, key, event);
            } finally {
                inProgress.decrementAndGet();
                tracker.done(tp, offset);
            }
        });
    }

    private void deadLetter(ConsumerRecord<byte[], ?> record, byte[] value, String reason) {
        LOG.warnf("record unusable, sent to dead-letters topic=%s partition=%d offset=%d reason=%s", record.topic(),
                record.partition(), record.offset(), reason);
        DeadLetter letter = DeadLetters.of(CONSUMER, record.topic(), record.partition(), record.offset(), record.key(),
                value, reason, clock.instant());
        String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
        producer.publish("dead letter", Topics.DEAD_LETTERS, key, letter);
        metrics.counter("marina.cert.dead.letters").increment();
    }

    private List<TopicPartition> awaitPartitions(KafkaConsumer<?, ?> c) {
        Duration pause = Duration.ofMillis(200);
        while (true) {
            try {
                List<PartitionInfo> infos = c.partitionsFor(Topics.CERT_COMMANDS.name(), Duration.ofSeconds(5));
                if (infos != null && !infos.isEmpty()) {
                    return infos.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
                }
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                // broker not there yet
            }
            LOG.infof("waiting for topic %s to exist", Topics.CERT_COMMANDS.name());
            sleep(pause);
            pause = pause.multipliedBy(2).compareTo(Duration.ofSeconds(5)) > 0 ? Duration.ofSeconds(5) : pause.multipliedBy(2);
        }
    }

    private Properties consumerProps() {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        // the group only keeps the committed positions (partitions are assigned, not balanced)
        props.put(ConsumerConfig.GROUP_ID_CONFIG, CONSUMER);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // the reconciler writes in transactions: read only what it committed
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "500");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, CertCommandDecoder.class.getName());
        return props;
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
