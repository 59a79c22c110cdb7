package dev.marina.healthmonitor.dashboard;

import com.google.protobuf.Message;
import dev.marina.schemas.serde.Decoded;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.topics.TopicSpec;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.DeploymentStatus;
import dev.marina.schemas.v1.InstanceHealth;
import dev.marina.schemas.v1.MetricSample;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.operators.multi.processors.BroadcastProcessor;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Feeds the {@link FleetView} from the topics with one plain consumer (all partitions assigned, no
 * group, {@code read_committed}): {@code deployment-status} from the beginning, {@code instance-health}
 * from {@code transitions-look-back} ago, {@code metrics} from {@code metrics-look-back} ago. After a
 * failure it resumes where it was. Every change goes out to the page's server-sent events.
 *
 * <p>It runs beside the health topology and never touches it: a broken dashboard feed is logged and
 * shown on the page, and does not make the service unready.
 */
@ApplicationScoped
public class FleetFeed {
    private static final Logger LOG = Logger.getLogger(FleetFeed.class);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(10);

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Inject
    DashboardConfig config;

    private final Clock clock = Clock.systemUTC();
    private final BroadcastProcessor<Views.Event> events = BroadcastProcessor.create();
    /** Where to go on after a failure: the next offset of every partition read so far. */
    private final Map<TopicPartition, Long> next = new HashMap<>();
    private DashboardSettings settings;
    private FleetView view;
    private volatile boolean caughtUp;
    private volatile String problem = "not started";
    private volatile long undecodable;
    private volatile boolean running = true;
    private volatile KafkaConsumer<String, byte[]> consumer;

    void onStart(@Observes StartupEvent event) {
        settings = DashboardSettings.of(config);
        view = new FleetView(settings);
        LOG.infof("dashboard feed starting chart_window=%s metrics_look_back=%s transitions_look_back=%s max_deployments=%d",
                settings.chartWindow(), settings.metricsLookBack(), settings.transitionsLookBack(), settings.maxDeployments());
        Thread thread = new Thread(this::run, "dashboard-feed");
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

    public FleetView view() {
        return view;
    }

    public DashboardSettings settings() {
        return settings;
    }

    public Instant now() {
        return clock.instant();
    }

    public Views.Feed state() {
        return new Views.Feed(caughtUp, problem, undecodable, view.evicted());
    }

    /** Every change from now on. */
    public Multi<Views.Event> events() {
        return events;
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
                caughtUp = false;
                problem = String.valueOf(e.getMessage());
                LOG.warnf("dashboard feed failed, retrying in=%dms reason=%s", backoff.toMillis(), e.getMessage());
                sleep(backoff);
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
    }

    private void consume(KafkaConsumer<String, byte[]> c) {
        List<TopicPartition> status = partitions(c, Topics.DEPLOYMENT_STATUS);
        List<TopicPartition> health = partitions(c, Topics.INSTANCE_HEALTH);
        List<TopicPartition> metrics = partitions(c, Topics.METRICS);
        List<TopicPartition> all = new ArrayList<>(status);
        all.addAll(health);
        all.addAll(metrics);
        c.assign(all);
        Instant now = clock.instant();
        startAt(c, status, null);
        startAt(c, health, now.minus(settings.transitionsLookBack()));
        startAt(c, metrics, now.minus(settings.metricsLookBack()));
        Map<TopicPartition, Long> catchUpTo = new HashMap<>(c.endOffsets(status));
        problem = "catching up";
        Instant nextTick = now.plus(settings.alertCheckInterval());
        while (running) {
            for (ConsumerRecord<String, byte[]> record : c.poll(Duration.ofMillis(200))) {
                publish(fold(record));
                next.put(new TopicPartition(record.topic(), record.partition()), record.offset() + 1);
            }
            if (!caughtUp) {
                catchUpTo.entrySet().removeIf(e -> c.position(e.getKey()) >= e.getValue());
                if (catchUpTo.isEmpty()) {
                    caughtUp = true;
                    problem = "";
                    LOG.infof("dashboard feed caught up deployments=%d series=%d", view.tracked(), view.series());
                }
            }
            Instant t = clock.instant();
            if (!t.isBefore(nextTick)) {
                publish(view.tick(t));
                nextTick = t.plus(settings.alertCheckInterval());
            }
        }
    }

    /** Resumes where this feed was, else seeks to {@code from} (null: the beginning; no record since: the end). */
    private void startAt(KafkaConsumer<String, byte[]> c, List<TopicPartition> partitions, Instant from) {
        Map<TopicPartition, Long> byTime = new HashMap<>();
        for (TopicPartition p : partitions) {
            Long resume = next.get(p);
            if (resume != null) {
                c.seek(p, resume);
            } else if (from == null) {
                c.seekToBeginning(List.of(p));
            } else {
                byTime.put(p, from.toEpochMilli());
            }
        }
        if (byTime.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetAndTimestamp> found = c.offsetsForTimes(byTime, Duration.ofSeconds(10));
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

    private List<Views.Event> fold(ConsumerRecord<String, byte[]> record) {
        String key = record.key();
        if (key == null) {
            return List.of();
        }
        Instant now = clock.instant();
        String topic = record.topic();
        if (topic.equals(Topics.DEPLOYMENT_STATUS.name())) {
            if (record.value() == null) {
                return view.status(key, null, now);
            }
            return decode(Topics.DEPLOYMENT_STATUS, record).map((DeploymentStatus s) -> view.status(key, s, now))
                    .orElse(List.of());
        }
        if (record.value() == null) {
            return List.of();
        }
        if (topic.equals(Topics.INSTANCE_HEALTH.name())) {
            return decode(Topics.INSTANCE_HEALTH, record).map((InstanceHealth h) -> view.health(key, h, now))
                    .orElse(List.of());
        }
        return decode(Topics.METRICS, record)
                .map((MetricSample m) -> view.metric(key, m, Instant.ofEpochMilli(record.timestamp()), now))
                .orElse(List.of());
    }

    private void publish(List<Views.Event> changes) {
        for (Views.Event e : changes) {
            events.onNext(e);
        }
    }

    private <T extends Message> Optional<T> decode(TopicSpec<T> topic, ConsumerRecord<String, byte[]> record) {
        Decoded<T> decoded = ProtoJsonSerde.fromJson(topic.prototype(), record.value());
        if (decoded instanceof Decoded.Failed<T> failed) {
            // The writers of these topics dead-letter for themselves; the dashboard only skips and counts.
            undecodable++;
            LOG.warnf("dashboard skipped an undecodable record topic=%s partition=%d offset=%d deployment=%s reason=%s",
                    record.topic(), record.partition(), record.offset(), record.key(), failed.reason());
            return Optional.empty();
        }
        return Optional.of(decoded.value());
    }

    private static List<TopicPartition> partitions(KafkaConsumer<String, byte[]> c, TopicSpec<?> topic) {
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
        // deployment-status and instance-health are written in exactly-once transactions.
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "health-monitor-dashboard");
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
