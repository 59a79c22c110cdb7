package dev.marina.intent.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.intent.Fixtures;
import dev.marina.schemas.v1.AgentOutcome;
import dev.marina.schemas.v1.Condition;
import dev.marina.schemas.v1.DeploymentStatus;
import dev.marina.schemas.v1.Durability;
import dev.marina.schemas.v1.Health;
import dev.marina.schemas.v1.InFlightAction;
import dev.marina.schemas.v1.InstancePlan;
import dev.marina.schemas.v1.InstanceState;
import dev.marina.schemas.v1.Intent;
import dev.marina.schemas.v1.ObservedInstance;
import dev.marina.schemas.v1.Phase;
import dev.marina.schemas.v1.ReconcilerState;
import dev.marina.schemas.v1.Role;
import dev.marina.schemas.v1.SemiSyncWait;
import dev.marina.service.Timestamps;
import java.time.Instant;
import java.util.Arrays;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The status of a deployment from its state: conditions first, the phase derived from them. */
class StatusBuilderTest {
    private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
    private static final String P = "acme-orders-1";
    private static final String R = "acme-orders-2";

    private static ReconcilerState deployment(int replicas, ObservedInstance... instances) {
        Intent intent = Intent.newBuilder().setDeployment(Fixtures.ref("acme", "orders")).setGeneration(1)
                .setSpec(Fixtures.mariadb().toBuilder().setReplicas(replicas)).build();
        ReconcilerState.Builder state = ReconcilerState.newBuilder().setDesired(intent).setEpoch(1);
        Arrays.stream(instances).forEach(i -> state.putInstances(i.getInstanceId(), i));
        return state.build();
    }

    /** A primary that runs, serves, takes writes at epoch 1 and is healthy; rows take away from it. */
    private static ObservedInstance primary(UnaryOperator<ObservedInstance.Builder> change) {
        return change.apply(ObservedInstance.newBuilder().setInstanceId(P)
                .setAddress("127.10.0.1").setEndpoint("127.10.0.1:3306")
                .setProvisionState(InstanceState.INSTANCE_STATE_RUNNING)
                .setAgentOutcome(AgentOutcome.AGENT_OUTCOME_DATABASE_READY).setRoleEpoch(1)
                .setHealth(Health.HEALTH_UP).setPlan(InstancePlan.newBuilder().setRole(Role.ROLE_PRIMARY)
                .setServedAt(Timestamps.of(NOW.minusSeconds(60))))).build();
    }

    private static ObservedInstance replica(UnaryOperator<ObservedInstance.Builder> change) {
        return change.apply(ObservedInstance.newBuilder().setInstanceId(R).setPlan(InstancePlan.newBuilder().setRole(Role.ROLE_REPLICA))
                .setAddress("127.10.0.2").setProvisionState(InstanceState.INSTANCE_STATE_RUNNING)
                .setAgentOutcome(AgentOutcome.AGENT_OUTCOME_DATABASE_READY).setReplicatingFrom(P).setRoleEpoch(1)
                .setHealth(Health.HEALTH_UP)).build();
    }

    private static Arguments row(String behaviour, ReconcilerState state, Phase phase, String conditionType, String reason) {
        return Arguments.of(behaviour, state, phase, conditionType, reason);
    }

    static Stream<Arguments> rows() {
        UnaryOperator<ObservedInstance.Builder> same = b -> b;
        return Stream.of(
                row("is pending before any instance exists", deployment(0), Phase.PHASE_PENDING,
                        Reasons.INSTANCE_PROVISIONED, Reasons.REQUESTED),
                row("is pending while the primary is only requested",
                        deployment(0, primary(b -> b.clearProvisionState().clearAgentOutcome().clearHealth().setPlan(b.getPlan().toBuilder().clearServedAt())
                                .clearRoleEpoch())), Phase.PHASE_PENDING, Reasons.INSTANCE_PROVISIONED, Reasons.REQUESTED),
                row("is provisioning while the host is created",
                        deployment(0, primary(b -> b.setProvisionState(InstanceState.INSTANCE_STATE_CREATING)
                                .clearAgentOutcome().clearHealth().setPlan(b.getPlan().toBuilder().clearServedAt()))),
                        Phase.PHASE_PROVISIONING, Reasons.INSTANCE_PROVISIONED, Reasons.CREATING),
                row("is provisioning while the database starts",
                        deployment(0, primary(b -> b.clearAgentOutcome().clearHealth().setPlan(b.getPlan().toBuilder().clearServedAt()))),
                        Phase.PHASE_PROVISIONING, Reasons.DATABASE_READY, Reasons.STARTING),
                row("is provisioning when the first start failed",
                        deployment(0, primary(b -> b.setAgentOutcome(AgentOutcome.AGENT_OUTCOME_FAILED).setLastError("agent: disk full")
                                .setPlan(b.getPlan().toBuilder().clearServedAt()))), Phase.PHASE_PROVISIONING, Reasons.DATABASE_READY, Reasons.DATABASE_FAILED),
                row("is provisioning until the first health report, never having served",
                        deployment(0, primary(b -> b.clearHealth().setPlan(b.getPlan().toBuilder().clearServedAt()))),
                        Phase.PHASE_PROVISIONING, Reasons.HEALTHY, Reasons.NO_HEALTH_REPORT),
                row("is ready when the primary serves, takes writes and is healthy",
                        deployment(0, primary(same)), Phase.PHASE_READY, Reasons.WRITABLE, Reasons.ACCEPTS_WRITES),
                row("is degraded while a primary that served is back read-only",
                        deployment(0, primary(b -> b.setRoleEpoch(0))), Phase.PHASE_DEGRADED, Reasons.WRITABLE, Reasons.READ_ONLY),
                row("is degraded while a primary that served is Down",
                        deployment(0, primary(b -> b.setHealth(Health.HEALTH_DOWN))), Phase.PHASE_DEGRADED, Reasons.HEALTHY,
                        Reasons.DOWN),
                row("is degraded while a primary that served restarts",
                        deployment(0, primary(b -> b.setProvisionState(InstanceState.INSTANCE_STATE_RESTARTING).clearAgentOutcome())),
                        Phase.PHASE_DEGRADED, Reasons.INSTANCE_PROVISIONED, Reasons.RESTARTING),
                row("is ready when every wanted replica serves reads", deployment(1, primary(same), replica(same)),
                        Phase.PHASE_READY, Reasons.REPLICAS_READY, Reasons.REPLICATING),
                row("is degraded while a replica's link is broken", deployment(1, primary(same),
                                replica(b -> b.setReplicationError("connection (2003): refused"))),
                        Phase.PHASE_DEGRADED, Reasons.REPLICAS_READY, Reasons.CATCHING_UP),
                row("counts a replica pointed at an older epoch as not serving reads",
                        deployment(1, primary(same), replica(b -> b.setRoleEpoch(0))),
                        Phase.PHASE_DEGRADED, Reasons.REPLICAS_READY, Reasons.CATCHING_UP),
                row("is ready while a semi-sync replica acknowledges commits", deployment(1, primary(b -> b
                                .setSemiSyncWait(SemiSyncWait.SEMI_SYNC_WAIT_LOSSLESS).setSemiSyncReplicasConnected(1)), replica(same)),
                        Phase.PHASE_READY, Reasons.DURABLE, Reasons.REPLICA_ACKNOWLEDGES),
                row("is degraded while a lossless primary has no replica connected: commits block", deployment(1, primary(b -> b
                                .setSemiSyncWait(SemiSyncWait.SEMI_SYNC_WAIT_LOSSLESS).setCommitsWaiting(4)), replica(same)),
                        Phase.PHASE_DEGRADED, Reasons.DURABLE, Reasons.WAITING_FOR_REPLICA),
                row("is degraded while no replica has attached yet: commits have one copy", deployment(1, primary(b -> b
                                .setSemiSyncWait(SemiSyncWait.SEMI_SYNC_WAIT_UNTIL_FIRST_REPLICA)), replica(same)),
                        Phase.PHASE_DEGRADED, Reasons.DURABLE, Reasons.NOT_YET_LOSSLESS),
                row("is degraded when the primary fell back to asynchronous commits", deployment(1, primary(b -> b
                                .setSemiSyncWait(SemiSyncWait.SEMI_SYNC_WAIT_FELL_BACK)), replica(same)),
                        Phase.PHASE_DEGRADED, Reasons.DURABLE, Reasons.FELL_BACK),
                row("is failed when an action went unanswered too often",
                        deployment(0, primary(same)).toBuilder().putInFlight("deploy/" + P, InFlightAction.newBuilder()
                                .setKey("deploy/" + P).setAction(Ledger.deploy(P)).setAttempts(5).build()).build(),
                        Phase.PHASE_FAILED, Reasons.PROGRESSING, Reasons.RETRIES_EXHAUSTED));
    }

    static Stream<Arguments> withoutDurable() {
        UnaryOperator<ObservedInstance.Builder> lossless = b -> b.setSemiSyncWait(SemiSyncWait.SEMI_SYNC_WAIT_LOSSLESS);
        return Stream.of(
                Arguments.of("a deployment without replicas: a single copy by design", deployment(0, primary(lossless))),
                Arguments.of("an ASYNC deployment", withDurability(deployment(1, primary(lossless), replica(b -> b)),
                        Durability.DURABILITY_ASYNC)),
                Arguments.of("before the primary reported its wait", deployment(1, primary(b -> b), replica(b -> b))),
                Arguments.of("while the primary is read-only: nothing commits", deployment(1, primary(b -> lossless.apply(b)
                        .setRoleEpoch(0)), replica(b -> b))));
    }

    private static ReconcilerState withDurability(ReconcilerState state, Durability durability) {
        return state.toBuilder().setDesired(state.getDesired().toBuilder()
                .setSpec(state.getDesired().getSpec().toBuilder().setDurability(durability))).build();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("withoutDurable")
    void durable_is_only_said_of_a_writable_semi_sync_primary_with_replicas_wanted(String behaviour, ReconcilerState state) {
        DeploymentStatus status = StatusBuilder.build(state, NOW, PlanSettings.defaults());
        assertTrue(status.getConditionsList().stream().noneMatch(c -> c.getType().equals(Reasons.DURABLE)), status::toString);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void the_phase_follows_the_conditions(String behaviour, ReconcilerState state, Phase phase, String conditionType,
            String reason) {
        DeploymentStatus status = StatusBuilder.build(state, NOW, PlanSettings.defaults());
        assertEquals(phase, status.getPhase(), () -> behaviour + ": " + status);
        Condition condition = status.getConditionsList().stream().filter(c -> c.getType().equals(conditionType)).findFirst()
                .orElseThrow(() -> new AssertionError(conditionType + " missing: " + status));
        assertEquals(reason, condition.getReason(), () -> behaviour + ": " + condition);
    }

    static Stream<Arguments> deletions() {
        ReconcilerState live = deployment(0, primary(b -> b));
        Intent deleted = live.getDesired().toBuilder().setDeleted(true).build();
        return Stream.of(
                Arguments.of("is deleting while an instance is left", live.toBuilder().setDesired(deleted).build(),
                        Phase.PHASE_DELETING),
                Arguments.of("is deleted when nothing is left", ReconcilerState.newBuilder().setDesired(deleted).build(),
                        Phase.PHASE_DELETED));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("deletions")
    void a_deleted_deployment_has_no_conditions(String behaviour, ReconcilerState state, Phase phase) {
        DeploymentStatus status = StatusBuilder.build(state, NOW, PlanSettings.defaults());
        assertEquals(phase, status.getPhase(), behaviour);
        assertEquals(0, status.getConditionsCount(), behaviour);
    }
}
