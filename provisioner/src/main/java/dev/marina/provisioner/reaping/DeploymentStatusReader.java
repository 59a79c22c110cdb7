package dev.marina.provisioner.reaping;

import java.util.Properties;
import dev.marina.schemas.serde.Decoded;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.DeploymentStatus;
import dev.marina.schemas.v1.InstanceStatus;
import dev.marina.service.TopicReader;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.jboss.logging.Logger;

/**
 * Reads the compacted {@code deployment-status} topic into a {@link DeploymentStatusView} with
 * service-kit's {@link TopicReader}: every partition, from the beginning, without a consumer group
 * (it needs the whole state on every start, and no offsets to keep). The view counts as read to the
 * end once the reader caught up with the end offsets taken when it started; after an error it starts
 * over (the view forgets everything) and proves nothing until caught up again.
 */
public final class DeploymentStatusReader implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(DeploymentStatusReader.class);

    private final DeploymentStatusView view;
    private final TopicReader reader;

    public DeploymentStatusReader(Properties client, DeploymentStatusView view) {
        this.view = view;
        this.reader = TopicReader.builder("provisioner-status-reader", client)
                .topic(Topics.DEPLOYMENT_STATUS, TopicReader.Start.BEGINNING, this::apply)
                .onStart(view::restart)
                .onCaughtUp(view::markReadToEnd)
                .pollTimeout(java.time.Duration.ofMillis(500))
                .config(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000)
                .config(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000)
                .config(ConsumerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 2_000)
                .build();
    }

    public void start() {
        reader.start();
    }

    @Override
    public void close() {
        reader.close();
    }

    private void apply(TopicReader.Read<DeploymentStatus> record) {
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
}
