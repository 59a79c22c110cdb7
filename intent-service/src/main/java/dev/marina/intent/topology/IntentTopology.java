package dev.marina.intent.topology;

import dev.marina.intent.intake.IntakeDecider;
import dev.marina.intent.reconcile.Planner;
import com.google.protobuf.Message;
import dev.marina.schemas.proof.MessageProof;
import dev.marina.schemas.proof.ProofKeys;
import dev.marina.schemas.proof.ProofSerdes;
import dev.marina.schemas.serde.ProtoJsonSerializer;
import dev.marina.schemas.serde.ProtoStoreSerde;
import dev.marina.schemas.topics.TopicSpec;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.Intent;
import dev.marina.schemas.v1.ReconcilerState;
import dev.marina.service.SinkSerializers;
import java.time.Clock;
import java.time.Duration;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * intent-service's Kafka Streams topology: two sub-topologies joined by the {@code intents} topic.
 *
 * <pre>
 * intent-events ─▶ intake ─▶ intents | intent-rejections | dead-letters        (store: intake;
 *                                                                             global: backups, binlog-archive)
 * intents, provision-events, agent-events, instance-health, dns-events, cert-events, deployment-metrics
 *               ─▶ reconciler ─▶ provision-commands | agent-commands | dns-commands | deployment-status
 *                                | backups | binlog-archive | role-changes | autoscale-decisions | cert-commands
 *                                | intents, dns-commands (tombstones on purge) | dead-letters  (store: reconciler)
 * </pre>
 *
 * Every input topic is keyed by deployment and has the same partition count, so one task sees all
 * facts of a deployment and no repartitioning happens. Exactly-once comes from the shared settings.
 *
 * <p>Commands to agents are proven (each with its instance's key, derived from the platform's proof
 * key) and agents' events must prove their instance: an event that does not reaches the reconciler as
 * a failed decode, which it dead-letters ("proof missing" / "proof invalid") without folding it in.
 */
public final class IntentTopology {
    private IntentTopology() {}

    public static final String INTAKE = "intake";
    public static final String RECONCILER = "reconciler";
    public static final String INTAKE_STORE = "intake-store";
    public static final String RECONCILER_STORE = "reconciler-store";
    /** The backup catalogue, whole on every instance (a global store): intake checks a spec's restore against it. */
    public static final String BACKUPS_STORE = "backups-store";
    /** What each deployment's binary-log archive covers, whole on every instance: intake checks a point-in-time restore against it. */
    public static final String ARCHIVES_STORE = "binlog-archive-store";

    /** What the processors need from outside: the clock and the pure decision makers. */
    public record Deps(Clock clock, IntakeDecider intake, Planner planner, Duration resyncInterval, ReconcilerMeters meters,
            ProofKeys proof, ProofSerdes.Listener unproven) {}

    public static Topology build(Deps deps) {
        Topology topology = new Topology();

        topology.addSource(sourceName(Topics.INTENT_EVENTS), Serdes.String().deserializer(), IntakeInput.deserializer(),
                Topics.INTENT_EVENTS.name());
        topology.addGlobalStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(BACKUPS_STORE), Serdes.String(),
                        Topics.BACKUPS.valueSerde()).withLoggingDisabled(),
                "backups-global-source", Serdes.String().deserializer(), Topics.BACKUPS.decodingSerde().deserializer(),
                Topics.BACKUPS.name(), "backups-catalogue", () -> new CatalogueProcessor<>(BACKUPS_STORE));
        topology.addGlobalStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(ARCHIVES_STORE), Serdes.String(),
                        Topics.BINLOG_ARCHIVE.valueSerde()).withLoggingDisabled(),
                "binlog-archive-global-source", Serdes.String().deserializer(), Topics.BINLOG_ARCHIVE.decodingSerde().deserializer(),
                Topics.BINLOG_ARCHIVE.name(), "binlog-archive-coverage", () -> new CatalogueProcessor<>(ARCHIVES_STORE));
        topology.addProcessor(INTAKE, () -> new IntakeProcessor(deps.intake(), deps.clock(), deps.meters()), sourceName(Topics.INTENT_EVENTS));
        // stores hold protobuf bytes, not the topics' JSON: read on every event, scanned by every resync (ProtoStoreSerde)
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(INTAKE_STORE),
                Serdes.String(), ProtoStoreSerde.of(Intent.getDefaultInstance())), INTAKE);

        for (TopicSpec<?> input : new TopicSpec<?>[] {Topics.INTENTS, Topics.PROVISION_EVENTS, Topics.AGENT_EVENTS,
                Topics.INSTANCE_HEALTH, Topics.DNS_EVENTS, Topics.CERT_EVENTS, Topics.DEPLOYMENT_METRICS}) {
            source(topology, input, deps);
        }
        topology.addProcessor(RECONCILER, () -> new ReconcilerProcessor(deps.planner(), deps.clock(), deps.resyncInterval(), deps.meters()),
                sourceName(Topics.INTENTS), sourceName(Topics.PROVISION_EVENTS), sourceName(Topics.AGENT_EVENTS),
                sourceName(Topics.INSTANCE_HEALTH), sourceName(Topics.DNS_EVENTS), sourceName(Topics.CERT_EVENTS),
                sourceName(Topics.DEPLOYMENT_METRICS));
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(RECONCILER_STORE),
                Serdes.String(), ProtoStoreSerde.of(ReconcilerState.getDefaultInstance())), RECONCILER);

        sink(topology, Topics.INTENTS, deps, INTAKE, RECONCILER);
        sink(topology, Topics.INTENT_REJECTIONS, deps, INTAKE);
        sink(topology, Topics.DEAD_LETTERS, deps, INTAKE, RECONCILER);
        sink(topology, Topics.PROVISION_COMMANDS, deps, RECONCILER);
        sink(topology, Topics.AGENT_COMMANDS, deps, RECONCILER);
        sink(topology, Topics.DNS_COMMANDS, deps, RECONCILER);
        sink(topology, Topics.CERT_COMMANDS, deps, RECONCILER);
        sink(topology, Topics.ROLE_CHANGES, deps, RECONCILER);
        sink(topology, Topics.AUTOSCALE_DECISIONS, deps, RECONCILER);
        sink(topology, Topics.BACKUPS, deps, RECONCILER);
        sink(topology, Topics.BINLOG_ARCHIVE, deps, RECONCILER);
        sink(topology, Topics.DEPLOYMENT_STATUS, deps, RECONCILER);
        return topology;
    }

    /** The sink node that writes to a topic; processors forward to it by this name. */
    public static String sinkName(TopicSpec<?> topic) {
        return topic.name() + "-sink";
    }

    /** How both processors send a record that did not decode to {@code dead-letters}. */
    static final dev.marina.service.StreamsDeadLetters DEAD_LETTER_FORWARD =
            new dev.marina.service.StreamsDeadLetters("intent-service", sinkName(Topics.DEAD_LETTERS), "");

    static String sourceName(TopicSpec<?> topic) {
        return topic.name() + "-source";
    }

    private static void source(Topology topology, TopicSpec<?> topic, Deps deps) {
        if (MessageProof.TOPICS.contains(topic.name())) {
            topology.addSource(sourceName(topic), ProofSerdes.keyReader(),
                    ProofSerdes.checking(topic.prototype(), deps.proof(), deps.unproven()), topic.name());
        } else {
            topology.addSource(sourceName(topic), Serdes.String().deserializer(), topic.decodingSerde().deserializer(), topic.name());
        }
    }

    private static void sink(Topology topology, TopicSpec<?> topic, Deps deps, String... parents) {
        // sized to the topic: a record it would refuse is skipped before it reaches the transaction (SinkSerializers)
        if (MessageProof.TOPICS.contains(topic.name())) {
            topology.addSink(sinkName(topic), topic.name(), SinkSerializers.key(topic, ProofSerdes.keys()),
                    SinkSerializers.value(topic, ProofSerdes.<Message>signing(deps.proof())), parents);
        } else {
            topology.addSink(sinkName(topic), topic.name(), SinkSerializers.key(topic),
                    SinkSerializers.value(topic, new ProtoJsonSerializer()), parents);
        }
    }
}
