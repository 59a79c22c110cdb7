package dev.marina.healthmonitor.metrics;

import com.google.protobuf.Message;
import dev.marina.healthmonitor.HealthMetrics;
import dev.marina.schemas.serde.Decoded;
import dev.marina.schemas.v1.DeploymentStatus;
import java.time.Instant;
import java.util.Optional;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jboss.logging.Logger;

/**
 * Keeps the {@code deployment-rosters} store as the compacted {@code deployment-status} says: which
 * instances each deployment of this task owns. A tombstone or a DELETED status removes the entry; a
 * status that does not decode is dead-lettered and the roster stays as it was. Also shows each roster
 * in the fleet gauges, and gives the task's deployments back when the task leaves.
 */
final class RosterProcessor implements Processor<String, Decoded<DeploymentStatus>, String, Message> {

    private static final Logger LOG = Logger.getLogger(RosterProcessor.class);

    private final HealthMetrics metrics;
    private final FleetGauges fleet;
    private ProcessorContext<String, Message> context;
    private KeyValueStore<String, Roster> rosters;
    private DeadLetterSender deadLetters;

    RosterProcessor(HealthMetrics metrics, FleetGauges fleet) {
        this.metrics = metrics;
        this.fleet = fleet;
    }

    @Override
    public void init(ProcessorContext<String, Message> context) {
        this.context = context;
        this.rosters = context.getStateStore(MetricsTopology.ROSTER_STORE);
        this.deadLetters = new DeadLetterSender(context, metrics, MetricsTopology.DEPLOYMENT_STATUS);
        // The store is restored by now: show what the task knows, before any new record.
        try (KeyValueIterator<String, Roster> all = rosters.all()) {
            all.forEachRemaining(entry -> fleet.roster(entry.key, entry.value));
        }
    }

    @Override
    public void process(Record<String, Decoded<DeploymentStatus>> record) {
        Instant now = Instant.ofEpochMilli(context.currentSystemTimeMs());
        String key = record.key();
        Optional<SampleCheck.Rejection> badKey = SampleCheck.key(key);
        if (badKey.isPresent()) {
            byte[] raw = record.value() instanceof Decoded.Failed<DeploymentStatus> failed ? failed.raw() : new byte[0];
            deadLetters.send(key, raw, badKey.get().reason(), "status: " + badKey.get().detail(), now);
            return;
        }
        Decoded<DeploymentStatus> decoded = record.value();
        if (decoded instanceof Decoded.Failed<DeploymentStatus> failed) {
            deadLetters.send(key, failed.raw(), SampleCheck.Reason.UNDECODABLE, failed.reason(), now);
            return;
        }
        Optional<Roster> roster = decoded == null ? Optional.empty() : Roster.of(decoded.value());
        if (roster.isEmpty()) {
            if (rosters.get(key) != null) {
                rosters.delete(key);
                LOG.infof("deployment roster removed deployment=%s cause=%s", key,
                        decoded == null ? "tombstone" : "deleted");
            }
            fleet.release(key);
            return;
        }
        if (!roster.get().equals(rosters.get(key))) {
            rosters.put(key, roster.get());
            LOG.debugf("deployment roster deployment=%s instances=%s", key, roster.get().instances());
        }
        fleet.roster(key, roster.get());
    }

    @Override
    public void close() {
        if (rosters == null) {
            return;
        }
        // The task leaves this monitor (shutdown or rebalance): whoever gets it shows its deployments.
        try (KeyValueIterator<String, Roster> all = rosters.all()) {
            all.forEachRemaining(entry -> fleet.release(entry.key));
        } catch (InvalidStateStoreException e) {
            // Closed after a failure, store first: the gauges stay until the deployments are deleted.
            LOG.warnf("deployment gauges not released on close task=%s reason=%s", context.taskId(), e.getMessage());
        }
    }
}
