package dev.marina.healthmonitor;

import dev.marina.healthmonitor.metrics.FleetGauges;
import dev.marina.healthmonitor.metrics.MetricsSettings;
import dev.marina.healthmonitor.metrics.MetricsTopology;
import dev.marina.schemas.proof.ProofKeys;
import dev.marina.schemas.proof.ProofSerdes;
import dev.marina.schemas.topics.Topics;
import java.time.InstantSource;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * heartbeats → instance-health: one processor with the per-instance state store, one sink for
 * transitions and one for dead letters. Built with the Processor API because one processor writes
 * two topics of different types and schedules the wall-clock check.
 *
 * <p>The service runs a second, independent sub-topology beside it, metrics → deployment-metrics
 * ({@link MetricsTopology}); {@link #build(HealthSettings, MetricsSettings, HealthMetrics, FleetGauges, InstantSource, ProofKeys, ProofSerdes.Listener, HeartbeatEnds)}
 * builds both.
 */
public final class HealthTopology {
    private HealthTopology() {}

    public static final String HEARTBEATS = Topics.HEARTBEATS.name();
    public static final String INSTANCE_HEALTH = Topics.INSTANCE_HEALTH.name();
    public static final String DEAD_LETTERS = Topics.DEAD_LETTERS.name();
    /** Per instance state, keyed by {@code "<tenant>/<name>/<instance id>"}; changelogged, so it survives restarts. */
    public static final String STATE_STORE = "instance-state";
    /** The name this service signs its dead letters with. */
    public static final String CONSUMER = "health-monitor";

    static final String SOURCE = "heartbeats-source";
    static final String PROCESSOR = "health-rules";
    static final String HEALTH_SINK = "instance-health-sink";
    static final String DEAD_LETTER_SINK = "dead-letters-sink";

    /**
     * The whole service: heartbeats → instance-health, and metrics → deployment-metrics. Heartbeats and
     * samples must prove their instance ({@code proof}: the platform's proof key); those that do not reach
     * the processors as failed decodes ("proof missing" / "proof invalid"), are dead-lettered and never judged.
     */
    public static Topology build(HealthSettings settings, MetricsSettings metricsSettings, HealthMetrics metrics,
            FleetGauges fleet, InstantSource clock, ProofKeys proof, ProofSerdes.Listener unproven, HeartbeatEnds ends) {
        return MetricsTopology.addTo(build(settings, metrics, proof, unproven, ends), metricsSettings, metrics, fleet, clock, proof,
                unproven);
    }

    /**
     * heartbeats → instance-health alone. {@code ends}: the heartbeats partitions' end offsets, by which a task knows
     * whether it has read to the end ({@link ReadHorizon}).
     */
    public static Topology build(HealthSettings settings, HealthMetrics metrics, ProofKeys proof, ProofSerdes.Listener unproven,
            HeartbeatEnds ends) {
        HealthRules rules = new HealthRules(settings);
        Topology topology = new Topology();
        topology.addSource(SOURCE, ProofSerdes.keyReader(),
                ProofSerdes.checking(Topics.HEARTBEATS.prototype(), proof, unproven), HEARTBEATS);
        topology.addProcessor(PROCESSOR, () -> new HeartbeatProcessor(rules, settings.checkInterval(), metrics, ends), SOURCE);
        topology.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(STATE_STORE), Serdes.String(), new InstanceStateSerde()), PROCESSOR);
        topology.addSink(HEALTH_SINK, INSTANCE_HEALTH, dev.marina.service.SinkSerializers.key(Topics.INSTANCE_HEALTH),
                dev.marina.service.SinkSerializers.value(Topics.INSTANCE_HEALTH, Topics.INSTANCE_HEALTH.valueSerde().serializer()), PROCESSOR);
        topology.addSink(DEAD_LETTER_SINK, DEAD_LETTERS, dev.marina.service.SinkSerializers.key(Topics.DEAD_LETTERS),
                dev.marina.service.SinkSerializers.value(Topics.DEAD_LETTERS, Topics.DEAD_LETTERS.valueSerde().serializer()), PROCESSOR);
        return topology;
    }
}
