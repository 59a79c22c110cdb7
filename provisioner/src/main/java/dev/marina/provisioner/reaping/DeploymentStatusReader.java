package dev.marina.provisioner.reaping;

import dev.marina.schemas.serde.Decoded;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.DeploymentStatus;
import dev.marina.schemas.v1.InstanceStatus;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

/**
 * Reads the compacted {@code deployment-status} topic into a {@link DeploymentStatusView}: every
 * partition, from the beginning, without a consumer group (it needs the whole state on every start,
 * and no offsets to keep). The view counts as read to the end once the reader's position reached
 * the end offsets taken when it started; after an error it starts over and proves nothing until
 * caught up again.
 */
public final class DeploymentStatusReader implements Runnable {

    private static final Logger LOG = Logger.getLogger(DeploymentStatusReader.class);
    private static final String TOPIC = Topics.DEPLOYMENT_STATUS.name();
    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration RETRY = Duration.ofSeconds(2);

    private final String bootstrapServers;
    private final DeploymentStatusView view;
    private volatile boolean running = true;
    private volatile KafkaConsumer<String, Decoded<DeploymentStatus>> consumer;

    public DeploymentStatusReader(String bootstrapServers, DeploymentStatusView view) {
        this.bootstrapServers = bootstrapServers;
        this.view = view;
    }

    @Override
    public void run() {
        while (running) {
            view.restart();
            try (KafkaConsumer<String, Decoded<DeploymentStatus>> c = new KafkaConsumer<>(properties())) {
                consumer = c;
                readForever(c);
            } catch (WakeupException e) {
                return;
            } catch (RuntimeException e) {
                LOG.warnf("deployment-status reading failed, starting over in=%ds reason=%s", RETRY.toSeconds(), e.getMessage());
                sleep(RETRY);
            } finally {
                consumer = null;
            }
        }
    }

    public void stop() {
        running = false;
        KafkaConsumer<String, Decoded<DeploymentStatus>> c = consumer;
        if (c != null) {
            c.wakeup();
        }
    }

    private void readForever(KafkaConsumer<String, Decoded<DeploymentStatus>> c) {
        List<TopicPartition> partitions = awaitPartitions(c);
        if (partitions.isEmpty()) {
            return;
        }
        c.assign(partitions);
        c.seekToBeginning(partitions);
        Map<TopicPartition, Long> end = c.endOffsets(partitions);
        boolean caughtUp = false;
        while (running) {
            for (ConsumerRecord<String, Decoded<DeploymentStatus>> record : c.poll(POLL)) {
                apply(record);
            }
            if (!caughtUp && end.entrySet().stream().allMatch(e -> c.position(e.getKey()) >= e.getValue())) {
                caughtUp = true;
                view.markReadToEnd();
                LOG.infof("deployment-status read to its end partitions=%d", partitions.size());
            }
        }
    }

    private void apply(ConsumerRecord<String, Decoded<DeploymentStatus>> record) {
        String deployment = record.key();
        if (deployment == null) {
            return;
        }
        Decoded<DeploymentStatus> value = record.value();
        if (value == null) {
            view.put(deployment, StatusFact.tombstoned());
        } else if (value instanceof Decoded.Failed<DeploymentStatus> failed) {
            LOG.warnf("unreadable deployment status, its instances are left alone deployment=%s offset=%d reason=%s",
                    deployment, record.offset(), failed.reason());
            view.forget(deployment);
        } else {
            Set<String> ids = value.value().getInstancesList().stream()
                    .map(InstanceStatus::getInstanceId)
                    .collect(Collectors.toSet());
            view.put(deployment, StatusFact.listed(ids));
        }
    }

    /** The topic's partitions; the topic bootstrap may still be creating it. */
    private List<TopicPartition> awaitPartitions(KafkaConsumer<String, Decoded<DeploymentStatus>> c) {
        while (running) {
            List<org.apache.kafka.common.PartitionInfo> infos = null;
            try {
                infos = c.partitionsFor(TOPIC);
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                LOG.debugf("deployment-status not reachable yet reason=%s", e.getMessage());
            }
            if (infos != null && !infos.isEmpty()) {
                return infos.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            }
            sleep(RETRY);
        }
        return List.of();
    }

    private Properties properties() {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "provisioner-status-reader");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, DeploymentStatusDecoder.class.getName());
        props.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
        props.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        props.put(ConsumerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 2_000);
        return props;
    }

    private void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }
}
