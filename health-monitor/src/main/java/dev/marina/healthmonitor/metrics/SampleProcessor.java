package dev.marina.healthmonitor.metrics;

import com.google.protobuf.Message;
import dev.marina.healthmonitor.HealthMetrics;
import dev.marina.schemas.serde.Decoded;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.v1.DeploymentMetrics;
import dev.marina.schemas.v1.DeploymentRef;
import dev.marina.schemas.v1.MetricSample;
import dev.marina.service.Timestamps;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;

/**
 * Gathers the inputs (the roster, the window stores, stream time) and carries out the decisions of
 * {@link SampleCheck}, {@link Window} and {@link Aggregation}: dead-letter, drop as unlisted or late, or fold the
 * sample into its 10 s and 1 min windows and emit the instance's and the deployment's record of each.
 *
 * <p>Emits on every update: the last record of a window (per deployment, instance and size) is its
 * final value. Readers that want only final values take the last record per window once the window's
 * end plus the grace period has passed.
 */
final class SampleProcessor implements Processor<String, Decoded<MetricSample>, String, Message> {

    private final MetricsSettings settings;
    private final HealthMetrics metrics;
    private final FleetGauges fleet;
    private ProcessorContext<String, Message> context;
    private KeyValueStore<String, Roster> rosters;
    private final Map<WindowSize, WindowStore<String, WindowAggregate>> windows = new EnumMap<>(WindowSize.class);
    private DeadLetterSender deadLetters;

    SampleProcessor(MetricsSettings settings, HealthMetrics metrics, FleetGauges fleet) {
        this.settings = settings;
        this.metrics = metrics;
        this.fleet = fleet;
    }

    @Override
    public void init(ProcessorContext<String, Message> context) {
        this.context = context;
        this.rosters = context.getStateStore(MetricsTopology.ROSTER_STORE);
        for (WindowSize size : WindowSize.values()) {
            windows.put(size, context.getStateStore(size.storeName()));
        }
        this.deadLetters = new DeadLetterSender(context, metrics, MetricsTopology.METRICS);
        context.schedule(settings.sweepInterval(), PunctuationType.WALL_CLOCK_TIME,
                timestamp -> fleet.expire(Instant.ofEpochMilli(timestamp)));
    }

    @Override
    public void process(Record<String, Decoded<MetricSample>> record) {
        Instant now = Instant.ofEpochMilli(context.currentSystemTimeMs());
        String key = record.key();
        Decoded<MetricSample> decoded = record.value();
        if (decoded == null) {
            deadLetters.send(key, new byte[0], SampleCheck.Reason.TOMBSTONE, "no value: a sample is never a tombstone", now);
            return;
        }
        if (decoded instanceof Decoded.Failed<MetricSample> failed) {
            deadLetters.send(key, failed.raw(), failed.reason().startsWith("proof ") ? SampleCheck.Reason.UNPROVEN
                    : SampleCheck.Reason.UNDECODABLE, failed.reason(), now);
            return;
        }
        MetricSample sample = decoded.value();
        Optional<SampleCheck.Rejection> rejection = SampleCheck.key(key);
        Roster roster = rejection.isPresent() ? null : rosters.get(key);
        rejection = rejection.or(() -> SampleCheck.check(key, sample, record.timestamp(), roster));
        if (rejection.isPresent() && SampleCheck.unlisted(rejection.get().reason())) {
            // Proven by its instance's key, so the platform made that instance: its status is not read yet (the
            // status partition fetched later than the sample's under load) or no longer lists it. Not a bad
            // record for an operator to look at: counted and dropped.
            metrics.unlistedSample(rejection.get().reason().label());
            return;
        }
        if (rejection.isPresent()) {
            // The value decoded, so its JSON carries what the agent said (unknown fields aside).
            deadLetters.send(key, ProtoJsonSerde.toJson(sample).getBytes(StandardCharsets.UTF_8),
                    rejection.get().reason(), rejection.get().detail(), now);
            return;
        }

        Instant sampledAt = Timestamps.toInstant(sample.getSampledAt());
        long streamTime = Math.max(context.currentStreamTimeMs(), record.timestamp());
        DeploymentRef deployment = DeploymentKey.parse(key);
        boolean aggregated = false;
        for (WindowSize size : WindowSize.values()) {
            Window window = Window.containing(sampledAt, size);
            if (window.closedAt(streamTime, settings.grace())) {
                metrics.lateSample(size.label());
                continue;
            }
            WindowStore<String, WindowAggregate> store = windows.get(size);
            WindowAggregate current = store.fetch(key, window.startMs());
            current = Aggregation.fold(current == null ? WindowAggregate.EMPTY : current, sample);
            store.put(key, current, window.startMs());
            WindowAggregate previous = store.fetch(key, window.previous().startMs());

            emit(key, Aggregation.forInstance(deployment, window, sample.getInstanceId(), current, previous), record);
            DeploymentMetrics whole = Aggregation.forDeployment(deployment, window, current, previous);
            emit(key, whole, record);
            if (size == WindowSize.TEN_SECONDS) {
                fleet.window(key, roster, window.start(), whole, now);
            }
            aggregated = true;
        }
        if (aggregated) {
            metrics.sampleAggregated(Duration.between(sampledAt, now));
        }
    }

    private void emit(String key, DeploymentMetrics aggregate, Record<String, Decoded<MetricSample>> cause) {
        context.forward(new Record<String, Message>(key, aggregate, cause.timestamp()), MetricsTopology.METRICS_SINK);
    }
}
