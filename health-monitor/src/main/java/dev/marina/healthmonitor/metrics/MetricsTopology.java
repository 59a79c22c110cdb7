package dev.marina.healthmonitor.metrics;

import dev.marina.healthmonitor.HealthMetrics;
import dev.marina.schemas.proof.ProofKeys;
import dev.marina.schemas.proof.ProofSerdes;
import dev.marina.schemas.topics.Topics;
import java.time.InstantSource;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.AutoOffsetReset;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * The metrics sub-topology: {@code metrics} and {@code deployment-status} → {@code deployment-metrics}
 * (and {@code dead-letters}). Both inputs are keyed by deployment with the same partition count, so one
 * task sees a deployment's status and its samples, and the roster store needs no repartitioning.
 *
 * <pre>
 * deployment-status ─▶ deployment-rosters ──(store deployment-rosters)──┐
 * metrics ──────────▶ metric-windows ◀─────────────────────────────────┘
 *                       (stores metric-windows-10s, metric-windows-1m) ─▶ deployment-metrics | dead-letters
 * </pre>
 *
 * Built with the Processor API: one processor reads two stores and writes two topics of different
 * types, and the decisions stay in pure classes ({@link SampleCheck}, {@link Window}, {@link Aggregation}).
 */
public final class MetricsTopology {
    private MetricsTopology() {}

    public static final String METRICS = Topics.METRICS.name();
    public static final String DEPLOYMENT_STATUS = Topics.DEPLOYMENT_STATUS.name();
    public static final String DEPLOYMENT_METRICS = Topics.DEPLOYMENT_METRICS.name();
    public static final String DEAD_LETTERS = Topics.DEAD_LETTERS.name();
    /** Per deployment key, the instances its latest status lists; changelogged. */
    public static final String ROSTER_STORE = "deployment-rosters";

    static final String METRICS_SOURCE = "metrics-source";
    static final String STATUS_SOURCE = "deployment-status-source";
    static final String ROSTER_PROCESSOR = "deployment-rosters";
    static final String WINDOW_PROCESSOR = "metric-windows";
    static final String METRICS_SINK = "deployment-metrics-sink";
    /** Its own sink: sharing the heartbeats' sink node would join the two sub-topologies into one. */
    static final String DEAD_LETTER_SINK = "metrics-dead-letters-sink";

    /**
     * Adds the sub-topology.
     *
     * @param clock the monitor's clock, for capping sample times (see {@link SampleTime})
     */
    public static Topology addTo(Topology topology, MetricsSettings settings, HealthMetrics metrics, FleetGauges fleet,
            InstantSource clock, ProofKeys proof, ProofSerdes.Listener unproven) {
        // A null offset reset keeps the application's setting.
        topology.addSource((AutoOffsetReset) null, METRICS_SOURCE,
                new SampleTime(clock, settings.grace()), ProofSerdes.keyReader(),
                ProofSerdes.checking(Topics.METRICS.prototype(), proof, unproven), METRICS);
        topology.addSource(STATUS_SOURCE, Topics.DEPLOYMENT_STATUS.keySerde().deserializer(),
                Topics.DEPLOYMENT_STATUS.decodingSerde().deserializer(), DEPLOYMENT_STATUS);

        topology.addProcessor(ROSTER_PROCESSOR, () -> new RosterProcessor(metrics, fleet), STATUS_SOURCE);
        topology.addProcessor(WINDOW_PROCESSOR, () -> new SampleProcessor(settings, metrics, fleet), METRICS_SOURCE);

        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(ROSTER_STORE),
                Serdes.String(), new RosterSerde()), ROSTER_PROCESSOR, WINDOW_PROCESSOR);
        for (WindowSize size : WindowSize.values()) {
            topology.addStateStore(Stores.windowStoreBuilder(
                    Stores.persistentWindowStore(size.storeName(), size.retention(settings.grace()), size.size(), false),
                    Serdes.String(), new WindowAggregateSerde()), WINDOW_PROCESSOR);
        }

        topology.addSink(METRICS_SINK, DEPLOYMENT_METRICS, dev.marina.service.SinkSerializers.key(Topics.DEPLOYMENT_METRICS),
                dev.marina.service.SinkSerializers.value(Topics.DEPLOYMENT_METRICS, Topics.DEPLOYMENT_METRICS.valueSerde().serializer()), WINDOW_PROCESSOR);
        topology.addSink(DEAD_LETTER_SINK, DEAD_LETTERS, dev.marina.service.SinkSerializers.key(Topics.DEAD_LETTERS),
                dev.marina.service.SinkSerializers.value(Topics.DEAD_LETTERS, Topics.DEAD_LETTERS.valueSerde().serializer()), WINDOW_PROCESSOR, ROSTER_PROCESSOR);
        return topology;
    }
}
