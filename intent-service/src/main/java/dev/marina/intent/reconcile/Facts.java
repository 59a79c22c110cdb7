package dev.marina.intent.reconcile;

import dev.marina.schemas.v1.AgentOutcome;
import dev.marina.schemas.v1.AgentReason;
import dev.marina.schemas.v1.Health;
import dev.marina.schemas.v1.InstanceState;
import dev.marina.schemas.v1.ObservedInstance;
import dev.marina.schemas.v1.ReconcilerState;
import dev.marina.schemas.v1.ReplicationFault;
import dev.marina.schemas.v1.Role;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * What is true of a deployment's instances, each predicate defined once. Pure. Every planner step,
 * the DNS names and the status read these; none spells its own version.
 */
public final class Facts {
    private Facts() {}

    /**
     * One pass's view of a deployment, taken from a state: who holds the primary role, whether it takes
     * writes, who serves reads, whether the names answer and the certificates are in place.
     *
     * @param primary          the instance holding the primary role, if any
     * @param writable         the primary was confirmed writable at the current epoch and serves
     * @param readers          the replicas that serve reads of the primary's data ({@link #servesReads})
     * @param serving          every instance that serves ({@link #serving}), by id
     * @param namesAnswering   the zone holds the names wanted now (always true without DNS)
     * @param certificatesReady TLS does not hold up readiness (off, or every serving instance presents a
     *                         valid certificate for its names)
     */
    public record Snapshot(Optional<ObservedInstance> primary, boolean writable, List<ObservedInstance> readers,
            List<ObservedInstance> serving, boolean namesAnswering, boolean certificatesReady) {}

    public static Snapshot of(ReconcilerState state, PlanSettings settings, Instant now) {
        ReconcilerState.Builder view = state.toBuilder();
        Optional<ObservedInstance> primary = primary(view);
        long epoch = state.getEpoch();
        List<ObservedInstance> byId = state.getInstancesMap().values().stream()
                .sorted(Comparator.comparing(ObservedInstance::getInstanceId)).toList();
        List<ObservedInstance> readers = primary.map(p -> byId.stream().filter(i -> servesReads(epoch, i, p)).toList())
                .orElse(List.of());
        return new Snapshot(primary, primary.map(p -> writable(epoch, p)).orElse(false), readers,
                byId.stream().filter(Facts::serving).toList(), DnsNames.answering(state, settings.dns()),
                Certificates.ready(state, settings.dns(), now));
    }

    /** Running, its database ready, and wanted: it can serve, take a certificate, be promoted or pointed. */
    public static boolean serving(ObservedInstance i) {
        return !i.getPlan().getRetiring() && i.getProvisionState() == InstanceState.INSTANCE_STATE_RUNNING
                && i.getAgentOutcome() == AgentOutcome.AGENT_OUTCOME_DATABASE_READY;
    }

    /** The instance holding the primary role (the lowest id if a bug ever made two), among those still wanted. */
    public static Optional<ObservedInstance> primary(ReconcilerState.Builder state) {
        return state.getInstancesMap().values().stream()
                .filter(i -> !i.getPlan().getRetiring() && i.getPlan().getRole() == Role.ROLE_PRIMARY)
                .min(Comparator.comparing(ObservedInstance::getInstanceId));
    }

    /** Whether the primary was confirmed writable at the deployment's current epoch and serves. */
    public static boolean writable(long epoch, ObservedInstance primary) {
        return primary.getPlan().getRole() == Role.ROLE_PRIMARY && primary.getRoleEpoch() == epoch && serving(primary);
    }

    /**
     * Whether a replica serves reads of {@code primary}'s data: serving, not Down, told at the current epoch
     * to replicate from that primary, and its link not broken. The reader name and ReplicasReady count
     * exactly these; a switchover hands over only to one of them.
     */
    public static boolean servesReads(long epoch, ObservedInstance replica, ObservedInstance primary) {
        return replica.getPlan().getRole() == Role.ROLE_REPLICA && serving(replica) && replica.getHealth() != Health.HEALTH_DOWN
                && replica.getReplicatingFrom().equals(primary.getInstanceId()) && replica.getRoleEpoch() == epoch
                && replica.getReplicationError().isEmpty();
    }

    /** Whether the replica's history cannot follow the primary any more: it must be replaced by a new one. */
    public static boolean mustBeRebuilt(ObservedInstance i) {
        return mustBeRebuilt(i.getReplicationFault());
    }

    public static boolean mustBeRebuilt(ReplicationFault fault) {
        return fault == ReplicationFault.REPLICATION_FAULT_DIVERGED || fault == ReplicationFault.REPLICATION_FAULT_CANNOT_CATCH_UP;
    }

    public static boolean mustBeRebuilt(AgentReason reason) {
        return mustBeRebuilt(fault(reason));
    }

    /** The replication fault an agent's reason code names (UNSPECIFIED when it names none). */
    public static ReplicationFault fault(AgentReason reason) {
        return switch (reason) {
            case AGENT_REASON_DIVERGED -> ReplicationFault.REPLICATION_FAULT_DIVERGED;
            case AGENT_REASON_CANNOT_CATCH_UP -> ReplicationFault.REPLICATION_FAULT_CANNOT_CATCH_UP;
            case AGENT_REASON_REPLICATION_BROKEN -> ReplicationFault.REPLICATION_FAULT_CONNECTION;
            default -> ReplicationFault.REPLICATION_FAULT_UNSPECIFIED;
        };
    }
}
