package dev.marina.agent.metrics;

import dev.marina.schemas.metrics.MetricNames;

import dev.marina.agent.AgentMetrics;
import dev.marina.agent.InstanceIdentity;
import dev.marina.schemas.v1.MetricSample;
import dev.marina.service.Timestamps;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.jboss.logging.Logger;

/**
 * One tick of the metric stream: collect the raw figures (database, host), let
 * {@link MetricsCalculator} turn them into figures, and hand a {@code MetricSample} to the publisher
 * — or skip the tick, saying why. Runs on the sampling thread only; never throws.
 *
 * <p>A skipped tick forgets the previous raw sample, so the first sample after a gap (database
 * down, stopping, restarting) carries counters and no rates. Skips are counted every time and logged
 * only when the reason changes.
 */
public final class MetricsSampler {

    private static final Logger LOG = Logger.getLogger(MetricsSampler.class);

    private final InstanceIdentity identity;
    private final DatabaseFigures database;
    private final HostFigures host;
    private final long agentPid;
    private final SamplingGate gate;
    private final AgentMetrics metrics;
    private final Clock clock;
    private final LongSupplier nanoTime;

    private RawSample previous;
    private long previousAt;
    /** Why the last tick was skipped; null when it sent a sample, and before the first tick. */
    private SkipReason skipping;
    /** The last tick sent a sample. */
    private boolean sending;

    /**
     * @param agentPid the agent's own process, counted with the server's in CPU and memory
     * @param nanoTime a monotonic clock for the time between samples ({@code System::nanoTime})
     */
    public MetricsSampler(InstanceIdentity identity, DatabaseFigures database, HostFigures host, long agentPid,
            SamplingGate gate, AgentMetrics metrics, Clock clock, LongSupplier nanoTime) {
        this.identity = identity;
        this.database = database;
        this.host = host;
        this.agentPid = agentPid;
        this.gate = gate;
        this.metrics = metrics;
        this.clock = clock;
        this.nanoTime = nanoTime;
    }

    /** Takes a sample and hands it to {@code publish}, or skips the tick. */
    public void tick(Consumer<MetricSample> publish) {
        long began = nanoTime.getAsLong();
        if (!gate.tryEnter()) {
            skip(SkipReason.STOPPING, "the database is being stopped");
            return;
        }
        try {
            MetricSample sample = take();
            publish.accept(sample);
            metrics.metricSampleTaken(Duration.ofNanos(nanoTime.getAsLong() - began));
            if (!sending) {
                LOG.infof("metric samples sent deployment=%s instance=%s", identity.deploymentKey(), identity.instanceId());
            }
            sending = true;
            skipping = null;
        } catch (DatabaseFigures.Unavailable e) {
            skip(e.reason(), e.getMessage());
        } catch (IOException | RuntimeException e) {
            skip(SkipReason.FAILED, e.getMessage());
        } finally {
            gate.exit();
        }
    }

    private MetricSample take() throws DatabaseFigures.Unavailable, IOException {
        if (gate.paused()) {
            return pausedSample();
        }
        DatabaseReading reading = database.read();
        long at = nanoTime.getAsLong();
        long serverPid = database.serverPid().orElseThrow(() ->
                new DatabaseFigures.Unavailable(SkipReason.FAILED, "the server answers but its process is not found"));
        RawSample current = new RawSample(reading, host.process(serverPid), host.process(agentPid), host.folderBytes());
        Duration elapsed = previous == null ? Duration.ZERO : Duration.ofNanos(at - previousAt);
        Figures figures = MetricsCalculator.compute(Optional.ofNullable(previous), current, elapsed);
        previous = current;
        previousAt = at;
        return MetricSample.newBuilder()
                .setDeployment(identity.deployment())
                .setInstanceId(identity.instanceId())
                .setSampledAt(Timestamps.of(clock.instant()))
                .putAllGauges(figures.gauges())
                .putAllCounters(figures.counters())
                .build();
    }

    /**
     * A paused server (stopped on purpose; connecting to it would wake it): no server figures and no counters (they
     * start again with the next run), zero clients and zero client queries per second (none can be served: idle stays
     * idle), memory of the agent alone (the server's is freed), the folder's size.
     */
    private MetricSample pausedSample() throws IOException {
        previous = null;
        return MetricSample.newBuilder()
                .setDeployment(identity.deployment())
                .setInstanceId(identity.instanceId())
                .setSampledAt(Timestamps.of(clock.instant()))
                .putGauges(MetricNames.CLIENT_CONNECTIONS, 0)
                .putGauges(MetricNames.CLIENT_QUERIES_PER_SECOND, 0)
                .putGauges(MetricNames.CONNECTIONS, 0)
                .putGauges(MetricNames.MEMORY_BYTES, host.process(agentPid).rssBytes())
                .putGauges(MetricNames.DISK_BYTES, host.folderBytes())
                .build();
    }

    private void skip(SkipReason reason, String detail) {
        previous = null;
        metrics.metricSampleSkipped(reason.tag());
        if (reason != skipping) {
            String message = "metric samples skipped deployment=%s instance=%s reason=%s detail=%s";
            // The database's own states (not deployed, starting, crashed, stopping) are the heartbeats' news; only a failure is a warning.
            if (reason == SkipReason.FAILED) {
                LOG.warnf(message, identity.deploymentKey(), identity.instanceId(), reason.tag(), detail);
            } else {
                LOG.infof(message, identity.deploymentKey(), identity.instanceId(), reason.tag(), detail);
            }
        }
        skipping = reason;
        sending = false;
    }
}
