package dev.marina.agent.kafka;

import java.util.Properties;
import dev.marina.agent.AgentMetrics;
import dev.marina.agent.InstanceIdentity;
import dev.marina.agent.InstanceLog;
import dev.marina.agent.metrics.MetricsSampler;
import dev.marina.schemas.proof.ProofKeys;
import dev.marina.schemas.topics.Topics;
import java.time.Duration;
import org.apache.kafka.clients.producer.KafkaProducer;
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
    private final BestEffortPublisher publisher;

    public MetricsLoop(InstanceIdentity identity, ProofKeys proof, Properties kafka, Duration interval, MetricsSampler sampler,
            AgentMetrics metrics) {
        this.identity = identity;
        this.interval = interval;
        this.sampler = sampler;
        this.publisher = new BestEffortPublisher(identity, proof, Topics.METRICS.name(), "metric samples",
                new KafkaProducer<>(ClientSettings.metricsProducer(kafka, "agent-metrics-" + identity.instanceId())),
                metrics::metricSample);
    }

    /** The first sample one interval after the start: it has nothing to compare with, so no rates yet. */
    public void start() {
        publisher.every(interval, interval, this::tick);
    }

    private void tick() {
        InstanceLog.tag(identity);
        try {
            sampler.tick(publisher::publish);
        } catch (RuntimeException e) {
            // The sampler never throws; should it, the timer must go on (a thrown exception cancels it).
            LOG.errorf(e, "metric sampling failed deployment=%s instance=%s", identity.deploymentKey(), identity.instanceId());
        }
    }

    @Override
    public void close() {
        publisher.close();
    }
}
