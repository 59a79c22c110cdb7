package dev.marina.agent.kafka;

import dev.marina.agent.AgentMetrics;
import dev.marina.agent.InstanceIdentity;
import dev.marina.agent.InstanceLog;
import dev.marina.agent.metrics.MetricsSampler;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.MetricSample;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.jboss.logging.Logger;

/**
 * A metric sample on {@code metrics} every interval, keyed by the deployment, on a thread and a
 * producer of its own: sampling (queries, /proc, the folder walk) never delays a heartbeat or a
 * command. Sends are fire-and-forget with the heartbeats' short timeouts: a late sample is worth
 * little, and during a broker outage samples are lost, never queued up.
 */
public final class MetricsLoop implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(MetricsLoop.class);

    private final InstanceIdentity identity;
    private final Duration interval;
    private final MetricsSampler sampler;
    private final AgentMetrics metrics;
    private final KafkaProducer<byte[], byte[]> producer;
    private final ScheduledExecutorService timer;
    private volatile boolean failing;

    public MetricsLoop(InstanceIdentity identity, String bootstrapServers, Duration interval, MetricsSampler sampler,
            AgentMetrics metrics) {
        this.identity = identity;
        this.interval = interval;
        this.sampler = sampler;
        this.metrics = metrics;
        this.producer = new KafkaProducer<>(ClientSettings.metricsProducer(bootstrapServers, "agent-metrics-" + identity.instanceId()));
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "agent-metrics");
            t.setDaemon(true);
            return t;
        });
    }

    /** The first sample one interval after the start: it has nothing to compare with, so no rates yet. */
    public void start() {
        timer.scheduleAtFixedRate(this::tick, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void tick() {
        InstanceLog.tag(identity);
        try {
            sampler.tick(this::publish);
        } catch (RuntimeException e) {
            // The sampler never throws; should it, the timer must go on (a thrown exception cancels it).
            LOG.errorf(e, "metric sampling failed deployment=%s instance=%s", identity.deploymentKey(), identity.instanceId());
        }
    }

    private void publish(MetricSample sample) {
        try {
            byte[] value = ProtoJsonSerde.toJson(sample).getBytes(StandardCharsets.UTF_8);
            producer.send(new ProducerRecord<>(Topics.METRICS.name(), identity.deploymentKey().getBytes(StandardCharsets.UTF_8),
                    value), (metadata, error) -> sent(error));
        } catch (RuntimeException e) {
            // max.block.ms ran out (no broker metadata) or the producer is closing: this sample is lost.
            sent(e);
        }
    }

    /** Counts every outcome; logs only the changes between working and failing. */
    private void sent(Exception error) {
        metrics.metricSample(error == null);
        if (error != null && !failing) {
            failing = true;
            LOG.warnf("metric samples not delivered deployment=%s instance=%s reason=%s", identity.deploymentKey(),
                    identity.instanceId(), error.getMessage());
        } else if (error == null && failing) {
            failing = false;
            LOG.infof("metric samples delivered again deployment=%s instance=%s", identity.deploymentKey(), identity.instanceId());
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(2));
    }
}
