package dev.marina.intent.views;

import dev.marina.schemas.serde.Decoded;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.topics.TopicSpec;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.DeploymentStatus;
import dev.marina.schemas.v1.Intent;
import dev.marina.schemas.v1.IntentRejection;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.operators.multi.processors.BroadcastProcessor;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * What the API reads: every deployment's current intent and status, kept in memory from the
 * compacted {@code intents} and {@code deployment-status} topics (all partitions, from the start,
 * so every instance of intent-service sees everything), plus the outcome of requests in flight
 * from {@code intents} and {@code intent-rejections}.
 */
@ApplicationScoped
public class DeploymentViews {
    private static final Logger LOG = Logger.getLogger(DeploymentViews.class);

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    private final Map<String, Intent> intents = new ConcurrentHashMap<>();
    private final Map<String, DeploymentStatus> statuses = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<IntakeOutcome>> pending = new ConcurrentHashMap<>();
    private final BroadcastProcessor<DeploymentStatus> statusChanges = BroadcastProcessor.create();
    private volatile boolean caughtUp;
    private volatile String problem = "not started";
    private volatile boolean running = true;
    private volatile KafkaConsumer<String, byte[]> consumer;
    private Thread thread;

    void onStart(@Observes StartupEvent event) {
        thread = new Thread(this::run, "deployment-views");
        thread.setDaemon(true);
        thread.start();
    }

    void onStop(@Observes ShutdownEvent event) {
        running = false;
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
    }

    public boolean caughtUp() {
        return caughtUp;
    }

    public String problem() {
        return problem;
    }

    public Optional<Intent> intent(String key) {
        return Optional.ofNullable(intents.get(key));
    }

    public Optional<DeploymentStatus> status(String key) {
        return Optional.ofNullable(statuses.get(key));
    }

    public Collection<Intent> intents() {
        return intents.values();
    }

    /** Registers interest in a request's outcome; call before publishing the request. */
    public CompletableFuture<IntakeOutcome> expect(String requestId) {
        return pending.computeIfAbsent(requestId, id -> new CompletableFuture<>());
    }

    public void forget(String requestId) {
        pending.remove(requestId);
    }

    /** Every status change from now on. */
    public Multi<DeploymentStatus> statusChanges() {
        return statusChanges;
    }

    private void run() {
        Duration backoff = Duration.ofMillis(500);
        while (running) {
            try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(consumerProps())) {
                consumer = c;
                consume(c);
            } catch (WakeupException e) {
                return;
            } catch (RuntimeException e) {
                problem = e.getMessage();
                caughtUp = false;
                LOG.warnf("views consumer failed, retrying in=%dms reason=%s", backoff.toMillis(), e.getMessage());
                sleep(backoff);
                backoff = backoff.multipliedBy(2).compareTo(Duration.ofSeconds(10)) > 0 ? Duration.ofSeconds(10) : backoff.multipliedBy(2);
            }
        }
    }

    private void consume(KafkaConsumer<String, byte[]> c) {
        List<TopicPartition> compacted = partitions(c, Topics.INTENTS);
        compacted.addAll(partitions(c, Topics.DEPLOYMENT_STATUS));
        List<TopicPartition> rejections = partitions(c, Topics.INTENT_REJECTIONS);
        List<TopicPartition> all = new ArrayList<>(compacted);
        all.addAll(rejections);
        c.assign(all);
        c.seekToBeginning(compacted);
        c.seekToEnd(rejections);
        Map<TopicPartition, Long> catchUpTo = new HashMap<>(c.endOffsets(compacted));
        problem = "catching up";
        while (running) {
            for (ConsumerRecord<String, byte[]> record : c.poll(Duration.ofMillis(200))) {
                handle(record);
            }
            if (!caughtUp) {
                catchUpTo.entrySet().removeIf(e -> c.position(e.getKey()) >= e.getValue());
                if (catchUpTo.isEmpty()) {
                    caughtUp = true;
                    problem = "";
                    LOG.infof("views caught up deployments=%d", intents.size());
                }
            }
        }
    }

    private void handle(ConsumerRecord<String, byte[]> record) {
        String key = record.key();
        if (key == null) {
            return;
        }
        String topic = record.topic();
        if (topic.equals(Topics.INTENTS.name())) {
            if (record.value() == null) {
                intents.remove(key);
                return;
            }
            decode(Topics.INTENTS, record).ifPresent(intent -> {
                intents.put(key, intent);
                complete(intent.getLastRequestId(), new IntakeOutcome.Accepted(intent));
            });
        } else if (topic.equals(Topics.DEPLOYMENT_STATUS.name())) {
            if (record.value() == null) {
                statuses.remove(key);
                return;
            }
            decode(Topics.DEPLOYMENT_STATUS, record).ifPresent(status -> {
                statuses.put(key, status);
                statusChanges.onNext(status);
            });
        } else if (record.value() != null) {
            decode(Topics.INTENT_REJECTIONS, record).ifPresent(
                    (IntentRejection r) -> complete(r.getRequestId(), new IntakeOutcome.Rejected(r)));
        }
    }

    private void complete(String requestId, IntakeOutcome outcome) {
        if (requestId.isEmpty()) {
            return;
        }
        CompletableFuture<IntakeOutcome> waiting = pending.remove(requestId);
        if (waiting != null) {
            waiting.complete(outcome);
        }
    }

    private static <T extends com.google.protobuf.Message> Optional<T> decode(TopicSpec<T> topic, ConsumerRecord<String, byte[]> record) {
        Decoded<T> decoded = ProtoJsonSerde.fromJson(topic.prototype(), record.value());
        if (decoded instanceof Decoded.Failed<T> failed) {
            // Only intent-service writes these topics; a bad record here is a bug worth a loud log, not a crash.
            LOG.errorf("undecodable record topic=%s partition=%d offset=%d reason=%s", record.topic(), record.partition(),
                    record.offset(), failed.reason());
            return Optional.empty();
        }
        return Optional.of(decoded.value());
    }

    private List<TopicPartition> partitions(KafkaConsumer<String, byte[]> c, TopicSpec<?> topic) {
        List<PartitionInfo> infos = c.partitionsFor(topic.name(), Duration.ofSeconds(10));
        if (infos == null || infos.isEmpty()) {
            throw new IllegalStateException("topic " + topic.name() + " does not exist yet");
        }
        List<TopicPartition> partitions = new ArrayList<>();
        infos.forEach(i -> partitions.add(new TopicPartition(i.topic(), i.partition())));
        return partitions;
    }

    private Properties consumerProps() {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // Only committed intents and statuses: the Streams app writes them transactionally.
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "intent-service-views");
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
