package dev.marina.intent.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.marina.intent.Fixtures;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.AgentCommand;
import dev.marina.schemas.v1.AgentOp;
import dev.marina.schemas.v1.AgentOutcome;
import dev.marina.schemas.v1.Health;
import dev.marina.schemas.v1.InstancePlan;
import dev.marina.schemas.v1.InstanceState;
import dev.marina.schemas.v1.Intent;
import dev.marina.schemas.v1.ObservedInstance;
import dev.marina.schemas.v1.ProvisionCommand;
import dev.marina.schemas.v1.ProvisionOp;
import dev.marina.schemas.v1.ReconcilerState;
import dev.marina.schemas.v1.ReplicationFault;
import dev.marina.schemas.v1.Role;
import dev.marina.schemas.v1.RoleChangeKind;
import dev.marina.schemas.v1.RoleChangeState;
import dev.marina.service.Timestamps;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each step of the planner's chain on its own: a state in, the step, what it decided (plans) and sent.
 * The whole chain is walked in PlannerTest, PlannerHaTest, PlannerDnsTest and PlannerTlsTest.
 */
class PlannerStepsTest {
    private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
    private static final PlanSettings SETTINGS = PlanSettings.defaults();
    private static final Planner PLANNER = new Planner(SETTINGS);
    private static final String P = "acme-orders-1";
    private static final String R2 = "acme-orders-2";
    private static final String R3 = "acme-orders-3";

    private static ObservedInstance instance(String id, Role role, UnaryOperator<ObservedInstance.Builder> change) {
        return change.apply(ObservedInstance.newBuilder().setInstanceId(id).setAddress("127.10.0." + id.charAt(id.length() - 1))
                .setProvisionState(InstanceState.INSTANCE_STATE_RUNNING).setAgentOutcome(AgentOutcome.AGENT_OUTCOME_DATABASE_READY)
                .setHealth(Health.HEALTH_UP).setRoleEpoch(1).setReplicatingFrom(role == Role.ROLE_REPLICA ? P : "")
                .setPlan(InstancePlan.newBuilder().setRole(role))).build();
    }

    private static ObservedInstance primary() {
        return instance(P, Role.ROLE_PRIMARY, b -> b);
    }

    private static ObservedInstance replica(String id, UnaryOperator<ObservedInstance.Builder> change) {
        return instance(id, Role.ROLE_REPLICA, change);
    }

    private static ReconcilerState state(int replicas, boolean deleted, ObservedInstance... instances) {
        Intent intent = Intent.newBuilder().setDeployment(Fixtures.ref("acme", "orders")).setGeneration(1).setDeleted(deleted)
                .setSpec(Fixtures.mariadb().toBuilder().setReplicas(replicas)).build();
        ReconcilerState.Builder state = ReconcilerState.newBuilder().setDesired(intent).setEpoch(1)
                .setNextInstanceNumber(instances.length + 1);
        Arrays.stream(instances).forEach(i -> state.putInstances(i.getInstanceId(), i));
        return state.build();
    }

    /** What a step decided and sent, in a form a row can compare: "id:ROLE[:retiring]" and "OP id". */
    private record Outcome(List<String> plans, List<String> sends) {}

    private static Outcome run(ReconcilerState state, Consumer<Pass> step) {
        Pass pass = new Pass(state.toBuilder(), NOW, SETTINGS);
        step.accept(pass);
        List<String> plans = pass.state.getInstancesMap().values().stream()
                .sorted(java.util.Comparator.comparing(ObservedInstance::getInstanceId))
                .map(i -> i.getInstanceId() + ":" + i.getPlan().getRole().name().substring("ROLE_".length())
                        + (i.getPlan().getRetiring() ? ":retiring" : ""))
                .toList();
        List<String> sends = pass.sends.stream().map(s -> s.value() instanceof AgentCommand c
                ? "agent " + c.getOp().name().substring("AGENT_OP_".length()) + " " + c.getInstanceId()
                : s.value() instanceof ProvisionCommand c
                        ? "provision " + c.getOp().name().substring("PROVISION_OP_".length()) + " " + c.getInstanceId()
                        : s.topic().name()).collect(Collectors.toList());
        return new Outcome(plans, sends);
    }

    private static Arguments row(String behaviour, ReconcilerState state, Consumer<Pass> step, List<String> plans, List<String> sends) {
        return Arguments.of(behaviour, state, step, new Outcome(plans, sends));
    }

    static Stream<Arguments> rows() {
        RoleChangeState switchover = RoleChangeState.newBuilder().setKind(RoleChangeKind.ROLE_CHANGE_KIND_SWITCHOVER).setEpoch(2)
                .setOldPrimary(P).setNewPrimary(R2).build();
        return Stream.of(
                // forgetDestroyed
                row("an instance reported destroyed is forgotten", state(1, false, primary(),
                                replica(R2, b -> b.setProvisionState(InstanceState.INSTANCE_STATE_DESTROYED))),
                        Planner::forgetDestroyed, List.of(P + ":PRIMARY"), List.of()),
                // retireEverythingOnDelete
                row("a deleted deployment retires every instance", state(1, true, primary(), replica(R2, b -> b)),
                        Planner::retireEverythingOnDelete, List.of(P + ":PRIMARY:retiring", R2 + ":REPLICA:retiring"), List.of()),
                row("a live deployment keeps its instances", state(1, false, primary(), replica(R2, b -> b)),
                        Planner::retireEverythingOnDelete, List.of(P + ":PRIMARY", R2 + ":REPLICA"), List.of()),
                // placeTheFirstPrimary
                row("the first instance of a deployment is its primary", state(2, false), Planner::placeTheFirstPrimary,
                        List.of(P + ":PRIMARY"), List.of()),
                row("no primary is added while one is wanted", state(0, false, primary()), Planner::placeTheFirstPrimary,
                        List.of(P + ":PRIMARY"), List.of()),
                row("none for a deleted deployment", state(0, true), Planner::placeTheFirstPrimary, List.of(), List.of()),
                // driveEachInstance
                row("an instance not created yet is created (its DEPLOY handed over at launch)",
                        state(0, false, instance(P, Role.ROLE_PRIMARY, b -> b.clearProvisionState().clearAgentOutcome())),
                        PLANNER::driveEachInstance, List.of(P + ":PRIMARY"), List.of("provision CREATE " + P)),
                row("a running instance without its database is deployed",
                        state(0, false, instance(P, Role.ROLE_PRIMARY, b -> b.clearAgentOutcome())),
                        PLANNER::driveEachInstance, List.of(P + ":PRIMARY"), List.of("agent DEPLOY " + P)),
                row("a retiring instance first has its database stopped",
                        state(0, true, instance(P, Role.ROLE_PRIMARY, b -> b.setPlan(b.getPlan().toBuilder().setRetiring(true)))),
                        PLANNER::driveEachInstance, List.of(P + ":PRIMARY:retiring"), List.of("agent DESTROY " + P)),
                row("a retiring instance whose database stopped is destroyed",
                        state(0, true, instance(P, Role.ROLE_PRIMARY, b -> b.setAgentOutcome(AgentOutcome.AGENT_OUTCOME_DATABASE_STOPPED)
                                .setPlan(b.getPlan().toBuilder().setRetiring(true)))),
                        PLANNER::driveEachInstance, List.of(P + ":PRIMARY:retiring"), List.of("provision DESTROY " + P)),
                // adoptConfirmedRoles
                row("nothing moves before the agents answered", state(1, false, primary(), replica(R2, b -> b)).toBuilder()
                                .setRoleChange(switchover).build(),
                        HaPlanner::adoptConfirmedRoles, List.of(P + ":PRIMARY", R2 + ":REPLICA"), List.of()),
                row("a fenced old primary becomes a replica", state(1, false, primary(), replica(R2, b -> b)).toBuilder()
                                .setRoleChange(switchover.toBuilder().setFenced(true)).build(),
                        HaPlanner::adoptConfirmedRoles, List.of(P + ":REPLICA", R2 + ":REPLICA"), List.of()),
                row("a promoted target becomes the primary", state(1, false, primary(), replica(R2, b -> b)).toBuilder()
                                .setRoleChange(switchover.toBuilder().setFenced(true).setPromotedAt(Timestamps.of(NOW))).build(),
                        HaPlanner::adoptConfirmedRoles, List.of(P + ":REPLICA", R2 + ":PRIMARY"), List.of()),
                // keepReplicaCount
                row("missing replicas are added", state(2, false, primary()), HaPlanner::keepReplicaCount,
                        List.of(P + ":PRIMARY", R2 + ":REPLICA", R3 + ":REPLICA"), List.of()),
                row("beyond the count the newest replica retires", state(1, false, primary(), replica(R2, b -> b), replica(R3, b -> b)),
                        HaPlanner::keepReplicaCount, List.of(P + ":PRIMARY", R2 + ":REPLICA", R3 + ":REPLICA:retiring"), List.of()),
                row("beyond the count a Down replica retires before a newer healthy one",
                        state(1, false, primary(), replica(R2, b -> b.setHealth(Health.HEALTH_DOWN)), replica(R3, b -> b)),
                        HaPlanner::keepReplicaCount, List.of(P + ":PRIMARY", R2 + ":REPLICA:retiring", R3 + ":REPLICA"), List.of()),
                // replaceBroken
                row("a replica that cannot catch up is retired and replaced",
                        state(1, false, primary(), replica(R2, b -> b.setReplicationFault(ReplicationFault.REPLICATION_FAULT_CANNOT_CATCH_UP))),
                        (Consumer<Pass>) p -> HaPlanner.replaceBroken(p, SETTINGS),
                        List.of(P + ":PRIMARY", R2 + ":REPLICA:retiring", R3 + ":REPLICA"), List.of()),
                row("a diverged replica is retired and replaced",
                        state(1, false, primary(), replica(R2, b -> b.setReplicationFault(ReplicationFault.REPLICATION_FAULT_DIVERGED))),
                        (Consumer<Pass>) p -> HaPlanner.replaceBroken(p, SETTINGS),
                        List.of(P + ":PRIMARY", R2 + ":REPLICA:retiring", R3 + ":REPLICA"), List.of()),
                row("a broken connection may heal: kept",
                        state(1, false, primary(), replica(R2, b -> b.setReplicationFault(ReplicationFault.REPLICATION_FAULT_CONNECTION))),
                        (Consumer<Pass>) p -> HaPlanner.replaceBroken(p, SETTINGS), List.of(P + ":PRIMARY", R2 + ":REPLICA"), List.of()),
                row("a replica Down longer than replace-after is replaced",
                        state(1, false, primary(), replica(R2, b -> b.setHealth(Health.HEALTH_DOWN)
                                .setDownSince(Timestamps.of(NOW.minus(SETTINGS.ha().replaceAfter()))))),
                        (Consumer<Pass>) p -> HaPlanner.replaceBroken(p, SETTINGS),
                        List.of(P + ":PRIMARY", R2 + ":REPLICA:retiring", R3 + ":REPLICA"), List.of()),
                row("a replica Down for less is kept",
                        state(1, false, primary(), replica(R2, b -> b.setHealth(Health.HEALTH_DOWN).setDownSince(Timestamps.of(NOW.minusSeconds(1))))),
                        (Consumer<Pass>) p -> HaPlanner.replaceBroken(p, SETTINGS), List.of(P + ":PRIMARY", R2 + ":REPLICA"), List.of()),
                // repoint
                row("a ready replica not pointed at this epoch is told to replicate",
                        state(1, false, primary(), replica(R2, b -> b.setRoleEpoch(0))),
                        (Consumer<Pass>) p -> HaPlanner.repoint(p, primary(), SETTINGS),
                        List.of(P + ":PRIMARY", R2 + ":REPLICA"), List.of("agent REPLICATE " + R2)),
                row("a replica pointed at this epoch is left alone", state(1, false, primary(), replica(R2, b -> b)),
                        (Consumer<Pass>) p -> HaPlanner.repoint(p, primary(), SETTINGS),
                        List.of(P + ":PRIMARY", R2 + ":REPLICA"), List.of()),
                row("a replica that must be rebuilt is never told to replicate",
                        state(1, false, primary(), replica(R2, b -> b.setRoleEpoch(0)
                                .setReplicationFault(ReplicationFault.REPLICATION_FAULT_CANNOT_CATCH_UP))),
                        (Consumer<Pass>) p -> HaPlanner.repoint(p, primary(), SETTINGS),
                        List.of(P + ":PRIMARY", R2 + ":REPLICA"), List.of()),
                row("a Down replica is not told to replicate",
                        state(1, false, primary(), replica(R2, b -> b.setRoleEpoch(0).setHealth(Health.HEALTH_DOWN))),
                        (Consumer<Pass>) p -> HaPlanner.repoint(p, primary(), SETTINGS),
                        List.of(P + ":PRIMARY", R2 + ":REPLICA"), List.of()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void the_step_decides(String behaviour, ReconcilerState state, Consumer<Pass> step, Outcome expected) {
        assertEquals(expected, run(state, step), behaviour);
    }

    @org.junit.jupiter.api.Test
    void a_destroyed_instance_s_certificates_are_revoked_and_its_actions_forgotten() {
        ReconcilerState state = state(1, false, primary(), replica(R2, b -> b.setProvisionState(InstanceState.INSTANCE_STATE_DESTROYED)
                .setCert(dev.marina.schemas.v1.CertState.newBuilder().setSerial("0a2").setIssuedSerial("0b2"))));
        state = state.toBuilder().putInFlight(Ledger.id(Ledger.destroyInstance(R2)), dev.marina.schemas.v1.InFlightAction.newBuilder()
                .setKey(Ledger.id(Ledger.destroyInstance(R2))).setAction(Ledger.destroyInstance(R2)).build()).build();
        Pass pass = new Pass(state.toBuilder(), NOW, SETTINGS);
        Planner.forgetDestroyed(pass);
        assertEquals(List.of("0a2", "0b2"), pass.state.getTls().getToRevokeList().stream()
                .map(dev.marina.schemas.v1.Revocation::getSerial).toList());
        assertEquals(0, pass.state.getInFlightCount());
    }

    static Stream<Arguments> serving() {
        return Stream.of(
                Arguments.of("an instance serving and healthy is marked as having served", primary(), true),
                Arguments.of("not while its health is not known", instance(P, Role.ROLE_PRIMARY, b -> b.clearHealth()), false),
                Arguments.of("not while its database is not ready", instance(P, Role.ROLE_PRIMARY, b -> b.clearAgentOutcome()), false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("serving")
    void mark_serving(String behaviour, ObservedInstance instance, boolean served) {
        Pass pass = new Pass(state(0, false, instance).toBuilder(), NOW, SETTINGS);
        PLANNER.markServing(pass);
        assertEquals(served, pass.state.getInstancesOrThrow(P).getPlan().hasServedAt(), behaviour);
    }
}
