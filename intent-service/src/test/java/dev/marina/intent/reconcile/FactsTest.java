package dev.marina.intent.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.marina.schemas.v1.AgentOutcome;
import dev.marina.schemas.v1.AgentReason;
import dev.marina.schemas.v1.Health;
import dev.marina.schemas.v1.InstancePlan;
import dev.marina.schemas.v1.InstanceState;
import dev.marina.schemas.v1.ObservedInstance;
import dev.marina.schemas.v1.ReplicationFault;
import dev.marina.schemas.v1.Role;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Each predicate of {@link Facts}, one row per way it can be true or false. */
class FactsTest {
    private static final ObservedInstance PRIMARY = ObservedInstance.newBuilder().setInstanceId("acme-orders-1")
            .setPlan(InstancePlan.newBuilder().setRole(Role.ROLE_PRIMARY)).setProvisionState(InstanceState.INSTANCE_STATE_RUNNING)
            .setAgentOutcome(AgentOutcome.AGENT_OUTCOME_DATABASE_READY).setRoleEpoch(2).setHealth(Health.HEALTH_UP).build();

    /** A replica that serves reads of PRIMARY at epoch 2; each row changes one thing. */
    private static ObservedInstance replica(UnaryOperator<ObservedInstance.Builder> change) {
        return change.apply(ObservedInstance.newBuilder().setInstanceId("acme-orders-2").setPlan(InstancePlan.newBuilder().setRole(Role.ROLE_REPLICA))
                .setProvisionState(InstanceState.INSTANCE_STATE_RUNNING)
                .setAgentOutcome(AgentOutcome.AGENT_OUTCOME_DATABASE_READY).setReplicatingFrom("acme-orders-1")
                .setRoleEpoch(2).setHealth(Health.HEALTH_UP)).build();
    }

    static Stream<Arguments> readers() {
        return Stream.of(
                Arguments.of("serves reads when pointed at the primary at the current epoch", replica(b -> b), true),
                Arguments.of("serves reads while Suspect (a late heartbeat)", replica(b -> b.setHealth(Health.HEALTH_SUSPECT)), true),
                Arguments.of("serves reads before its first health report", replica(b -> b.clearHealth()), true),
                Arguments.of("not when Down", replica(b -> b.setHealth(Health.HEALTH_DOWN)), false),
                Arguments.of("not when retiring", replica(b -> b.setPlan(b.getPlan().toBuilder().setRetiring(true))), false),
                Arguments.of("not while restarting", replica(b -> b.setProvisionState(InstanceState.INSTANCE_STATE_RESTARTING)), false),
                Arguments.of("not before its database is ready", replica(b -> b.clearAgentOutcome()), false),
                Arguments.of("not when pointed at another instance", replica(b -> b.setReplicatingFrom("acme-orders-3")), false),
                Arguments.of("not when pointed at an older epoch", replica(b -> b.setRoleEpoch(1)), false),
                Arguments.of("not when its link is broken", replica(b -> b.setReplicationError("connection (2003)")), false),
                Arguments.of("not when it is the primary", PRIMARY, false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("readers")
    void serves_reads(String behaviour, ObservedInstance replica, boolean expected) {
        assertEquals(expected, Facts.servesReads(2, replica, PRIMARY), behaviour);
    }

    static Stream<Arguments> writers() {
        return Stream.of(
                Arguments.of("writable when confirmed at the current epoch", PRIMARY, 2L, true),
                Arguments.of("not at a newer epoch (a role change happened)", PRIMARY, 3L, false),
                Arguments.of("not when back read-only", PRIMARY.toBuilder().setRoleEpoch(0).build(), 2L, false),
                Arguments.of("not while its database is not ready", PRIMARY.toBuilder().clearAgentOutcome().build(), 2L, false),
                Arguments.of("not without the primary role", PRIMARY.toBuilder().setPlan(InstancePlan.newBuilder().setRole(Role.ROLE_REPLICA)).build(), 2L, false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("writers")
    void writable(String behaviour, ObservedInstance primary, long epoch, boolean expected) {
        assertEquals(expected, Facts.writable(epoch, primary), behaviour);
    }

    @ParameterizedTest
    @EnumSource(value = ReplicationFault.class, mode = EnumSource.Mode.EXCLUDE, names = "UNRECOGNIZED")
    void only_a_diverged_history_or_purged_binlogs_mean_a_rebuild(ReplicationFault fault) {
        boolean rebuild = fault == ReplicationFault.REPLICATION_FAULT_DIVERGED
                || fault == ReplicationFault.REPLICATION_FAULT_CANNOT_CATCH_UP;
        assertEquals(rebuild, Facts.mustBeRebuilt(replica(b -> b.setReplicationFault(fault))), fault.name());
    }

    @ParameterizedTest
    @EnumSource(value = AgentReason.class, mode = EnumSource.Mode.EXCLUDE, names = "UNRECOGNIZED")
    void an_agent_reason_means_a_rebuild_exactly_when_its_fault_does(AgentReason reason) {
        boolean rebuild = reason == AgentReason.AGENT_REASON_DIVERGED || reason == AgentReason.AGENT_REASON_CANNOT_CATCH_UP;
        assertEquals(rebuild, Facts.mustBeRebuilt(reason), reason.name());
    }
}
