package dev.marina.intent.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.marina.intent.Fixtures;
import dev.marina.schemas.v1.AgentEvent;
import dev.marina.schemas.v1.AgentOutcome;
import dev.marina.schemas.v1.AgentReason;
import dev.marina.schemas.v1.CertEvent;
import dev.marina.schemas.v1.CertOutcome;
import dev.marina.schemas.v1.DnsEvent;
import dev.marina.schemas.v1.DnsOutcome;
import dev.marina.schemas.v1.Health;
import dev.marina.schemas.v1.InFlightAction;
import dev.marina.schemas.v1.InstanceHealth;
import dev.marina.schemas.v1.InstancePlan;
import dev.marina.schemas.v1.InstanceState;
import dev.marina.schemas.v1.Intent;
import dev.marina.schemas.v1.ObservedInstance;
import dev.marina.schemas.v1.ProvisionEvent;
import dev.marina.schemas.v1.ReconcilerState;
import dev.marina.schemas.v1.ReplicationFault;
import dev.marina.schemas.v1.Role;
import dev.marina.schemas.v1.RoleChangeKind;
import dev.marina.schemas.v1.RoleChangeState;
import dev.marina.service.Timestamps;
import java.time.Instant;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The observe step records what workers said; what was decided (the plans, the epoch) is never its to change. */
class ObserveTest {
    private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
    private static final String P = "acme-orders-1";
    private static final String R = "acme-orders-2";

    private static ObservedInstance instance(String id, Role role) {
        return ObservedInstance.newBuilder().setInstanceId(id).setAddress("127.10.0." + id.charAt(id.length() - 1))
                .setProvisionState(InstanceState.INSTANCE_STATE_RUNNING).setAgentOutcome(AgentOutcome.AGENT_OUTCOME_DATABASE_READY)
                .setRoleEpoch(2).setHealth(Health.HEALTH_UP)
                .setCert(dev.marina.schemas.v1.CertState.newBuilder().setSerial("0a" + id.charAt(id.length() - 1)))
                .setPlan(InstancePlan.newBuilder().setRole(role).setRequestedAt(Timestamps.of(NOW.minusSeconds(99)))).build();
    }

    private static InFlightAction inFlight(dev.marina.schemas.v1.ActionKey key) {
        return InFlightAction.newBuilder().setKey(Ledger.id(key)).setAction(key).setCommandId("acme/orders/1/" + Ledger.id(key))
                .setAttempts(1).setRetryAt(Timestamps.of(NOW.plusSeconds(10))).build();
    }

    /** A switchover under way at epoch 2: P is being fenced, R promoted; commands in flight for each step. */
    private static ReconcilerState state() {
        Intent intent = Intent.newBuilder().setDeployment(Fixtures.ref("acme", "orders")).setGeneration(1)
                .setSpec(Fixtures.mariadb().toBuilder().setReplicas(1)).build();
        return ReconcilerState.newBuilder().setDesired(intent).setEpoch(2).setNextInstanceNumber(3).setSwitchoversServed(1)
                .putInstances(P, instance(P, Role.ROLE_PRIMARY)).putInstances(R, instance(R, Role.ROLE_REPLICA))
                .setRoleChange(RoleChangeState.newBuilder().setKind(RoleChangeKind.ROLE_CHANGE_KIND_SWITCHOVER).setEpoch(2)
                        .setOldPrimary(P).setNewPrimary(R))
                .putInFlight(Ledger.id(Ledger.fence(P, 2)), inFlight(Ledger.fence(P, 2)))
                .putInFlight(Ledger.id(Ledger.promote(R, 2)), inFlight(Ledger.promote(R, 2)))
                .putInFlight(Ledger.id(Ledger.replicate(R, 2)), inFlight(Ledger.replicate(R, 2)))
                .putInFlight(Ledger.id(Ledger.applyNames("d1")), inFlight(Ledger.applyNames("d1")))
                .putInFlight(Ledger.id(Ledger.issueCert(R, 1)), inFlight(Ledger.issueCert(R, 1)))
                .build();
    }

    private static final dev.marina.schemas.v1.ActionKey ARCHIVE = Ledger.archiveBinlogs(P, 2,
            dev.marina.schemas.v1.BinlogArchiveSettings.newBuilder().setEnabled(true).build());

    @Test
    void an_unasked_coverage_report_changes_nothing_but_the_archive_and_never_the_database_outcome() {
        ReconcilerState before = state();
        ReconcilerState after = Observe.agent(before, AgentEvent.newBuilder().setInstanceId(P).setEpoch(2)
                .setArchive(dev.marina.schemas.v1.ArchiveCoverage.newBuilder().setEpoch(2).setArchiving(true)).build(), NOW);
        assertEquals(before.getInstancesMap(), after.getInstancesMap(), "no outcome, no error: the report is not an answer");
        assertEquals(P, after.getArchive().getCoverage().getInstanceId());
        assertEquals(before, after.toBuilder().clearArchive().build());
    }

    private static final dev.marina.schemas.v1.ActionKey UPDATE = Ledger.update(R, "c0ffee");
    private static final dev.marina.schemas.v1.ServerConfig ON_19 = dev.marina.schemas.v1.ServerConfig.newBuilder()
            .setVersion("10.11.19").setSize(dev.marina.schemas.v1.Size.SIZE_SMALL).build();

    @Test
    void an_update_answer_records_the_running_config_or_why_it_failed_and_an_unasked_one_changes_nothing() {
        ReconcilerState asked = state().toBuilder().putInFlight(Ledger.id(UPDATE), inFlight(UPDATE)).build();
        ReconcilerState ready = Observe.agent(asked, answer(UPDATE, AgentOutcome.AGENT_OUTCOME_DATABASE_READY,
                AgentReason.AGENT_REASON_UNSPECIFIED).toBuilder().setRunning(ON_19).build(), NOW);
        assertEquals(ON_19, ready.getInstancesOrThrow(R).getRunning());
        assertFalse(ready.getInFlightMap().containsKey(Ledger.id(UPDATE)));

        ReconcilerState failed = Observe.agent(asked, answer(UPDATE, AgentOutcome.AGENT_OUTCOME_FAILED,
                AgentReason.AGENT_REASON_UPDATE_FAILED).toBuilder().setRunning(ON_19.toBuilder().setVersion("10.11.18")).build(), NOW);
        assertEquals("c0ffee", failed.getInstancesOrThrow(R).getUpdateFailedDigest());
        assertEquals("FAILED (UPDATE_FAILED): words", failed.getInstancesOrThrow(R).getUpdateFailure());
        assertEquals("10.11.18", failed.getInstancesOrThrow(R).getRunning().getVersion(), "back on the old build");
        assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_READY, failed.getInstancesOrThrow(R).getAgentOutcome(), "still serving");

        assertEquals(state(), Observe.agent(state(), answer(UPDATE, AgentOutcome.AGENT_OUTCOME_FAILED,
                AgentReason.AGENT_REASON_UPDATE_FAILED), NOW), "an answer nothing waits for");

        ReconcilerState deployed = Observe.agent(state(), AgentEvent.newBuilder().setInstanceId(R)
                .setOutcome(AgentOutcome.AGENT_OUTCOME_DATABASE_READY).setReadOnly(true).setRunning(ON_19).build(), NOW);
        assertEquals(ON_19, deployed.getInstancesOrThrow(R).getRunning(), "DATABASE_READY says what the server runs");
    }

    private static AgentEvent answer(dev.marina.schemas.v1.ActionKey key, AgentOutcome outcome, AgentReason code) {
        return AgentEvent.newBuilder().setInstanceId(key.getInstanceId()).setAction(key).setOutcome(outcome)
                .setReasonCode(code).setReason("words").setGtidPosition("0-1-9").build();
    }

    static Stream<Arguments> events() {
        return Stream.<Arguments>of(
                Arguments.of("FENCE answered", (UnaryOperator<ReconcilerState>) s -> Observe.agent(s,
                        answer(Ledger.fence(P, 2), AgentOutcome.AGENT_OUTCOME_DONE, AgentReason.AGENT_REASON_UNSPECIFIED), NOW)),
                Arguments.of("PROMOTE answered", (UnaryOperator<ReconcilerState>) s -> Observe.agent(s,
                        answer(Ledger.promote(R, 2), AgentOutcome.AGENT_OUTCOME_DONE, AgentReason.AGENT_REASON_UNSPECIFIED), NOW)),
                Arguments.of("REPLICATE failed for good", (UnaryOperator<ReconcilerState>) s -> Observe.agent(s,
                        answer(Ledger.replicate(R, 2), AgentOutcome.AGENT_OUTCOME_FAILED, AgentReason.AGENT_REASON_CANNOT_CATCH_UP), NOW)),
                Arguments.of("REPLICATE not connected yet", (UnaryOperator<ReconcilerState>) s -> Observe.agent(s,
                        answer(Ledger.replicate(R, 2), AgentOutcome.AGENT_OUTCOME_DONE, AgentReason.AGENT_REASON_NOT_CONNECTED_YET), NOW)),
                Arguments.of("a restart's DATABASE_READY, read-only", (UnaryOperator<ReconcilerState>) s -> Observe.agent(s,
                        AgentEvent.newBuilder().setInstanceId(P).setOutcome(AgentOutcome.AGENT_OUTCOME_DATABASE_READY)
                                .setReadOnly(true).build(), NOW)),
                Arguments.of("ARCHIVE_BINLOGS answered with the coverage", (UnaryOperator<ReconcilerState>) s -> Observe.agent(
                        s.toBuilder().putInFlight(Ledger.id(ARCHIVE), inFlight(ARCHIVE)).build(),
                        answer(ARCHIVE, AgentOutcome.AGENT_OUTCOME_DONE, AgentReason.AGENT_REASON_UNSPECIFIED).toBuilder()
                                .setArchive(dev.marina.schemas.v1.ArchiveCoverage.newBuilder().setEpoch(2).setArchiving(true)).build(), NOW)),
                Arguments.of("an archiving primary's unasked coverage", (UnaryOperator<ReconcilerState>) s -> Observe.agent(s,
                        AgentEvent.newBuilder().setInstanceId(P).setEpoch(2).setArchive(dev.marina.schemas.v1.ArchiveCoverage
                                .newBuilder().setEpoch(2).setArchiving(true).setLastError("store down")).build(), NOW)),
                Arguments.of("UPDATE answered ready on the new config", (UnaryOperator<ReconcilerState>) s -> Observe.agent(
                        s.toBuilder().putInFlight(Ledger.id(UPDATE), inFlight(UPDATE)).build(),
                        answer(UPDATE, AgentOutcome.AGENT_OUTCOME_DATABASE_READY, AgentReason.AGENT_REASON_UNSPECIFIED).toBuilder()
                                .setRunning(ON_19).build(), NOW)),
                Arguments.of("UPDATE failed", (UnaryOperator<ReconcilerState>) s -> Observe.agent(
                        s.toBuilder().putInFlight(Ledger.id(UPDATE), inFlight(UPDATE)).build(),
                        answer(UPDATE, AgentOutcome.AGENT_OUTCOME_FAILED, AgentReason.AGENT_REASON_UPDATE_FAILED), NOW)),
                Arguments.of("a stale-epoch refusal", (UnaryOperator<ReconcilerState>) s -> Observe.agent(s,
                        answer(Ledger.promote(R, 2), AgentOutcome.AGENT_OUTCOME_REFUSED, AgentReason.AGENT_REASON_STALE_EPOCH), NOW)),
                Arguments.of("Down with a fault", (UnaryOperator<ReconcilerState>) s -> Observe.health(s, InstanceHealth.newBuilder()
                        .setInstanceId(R).setHealth(Health.HEALTH_DOWN).setReplicationError("diverged: x")
                        .setReplicationFault(ReplicationFault.REPLICATION_FAULT_DIVERGED).build(), NOW)),
                Arguments.of("a primary back read-only", (UnaryOperator<ReconcilerState>) s -> Observe.health(s, InstanceHealth.newBuilder()
                        .setInstanceId(P).setHealth(Health.HEALTH_UP).setReadOnly(true).setEpoch(2).build(), NOW)),
                Arguments.of("restarting", (UnaryOperator<ReconcilerState>) s -> Observe.provision(s, ProvisionEvent.newBuilder()
                        .setInstanceId(R).setState(InstanceState.INSTANCE_STATE_RESTARTING).build(), NOW)),
                Arguments.of("destroyed", (UnaryOperator<ReconcilerState>) s -> Observe.provision(s, ProvisionEvent.newBuilder()
                        .setInstanceId(R).setState(InstanceState.INSTANCE_STATE_DESTROYED).build(), NOW)),
                Arguments.of("provisioning failed", (UnaryOperator<ReconcilerState>) s -> Observe.provision(s, ProvisionEvent.newBuilder()
                        .setInstanceId(R).setState(InstanceState.INSTANCE_STATE_FAILED).setReason("no address").build(), NOW)),
                Arguments.of("names applied", (UnaryOperator<ReconcilerState>) s -> Observe.dns(s, DnsEvent.newBuilder()
                        .setAction(Ledger.applyNames("d1")).setOutcome(DnsOutcome.DNS_OUTCOME_APPLIED).build())),
                Arguments.of("certificate issued", (UnaryOperator<ReconcilerState>) s -> Observe.cert(s, CertEvent.newBuilder()
                        .setInstanceId(R).setAction(Ledger.issueCert(R, 1)).setOutcome(CertOutcome.CERT_OUTCOME_ISSUED)
                        .setChainPem("chain").build(), NOW, PlanSettings.defaults())));
    }

    private static Map<String, InstancePlan> plans(ReconcilerState s) {
        return s.getInstancesMap().values().stream().collect(Collectors.toMap(ObservedInstance::getInstanceId, ObservedInstance::getPlan));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("events")
    void leaves_every_decision_as_it_found_it(String event, UnaryOperator<ReconcilerState> observe) {
        ReconcilerState before = state();
        ReconcilerState after = observe.apply(before);
        assertEquals(plans(before), plans(after), event + ": plans");
        assertEquals(before.getEpoch(), after.getEpoch(), event);
        assertEquals(before.getNextInstanceNumber(), after.getNextInstanceNumber(), event);
        assertEquals(before.getSwitchoversServed(), after.getSwitchoversServed(), event);
        assertEquals(before.getRoleChange().getNewPrimary(), after.getRoleChange().getNewPrimary(), event);
        assertEquals(before.getTls().getToRevokeList(), after.getTls().getToRevokeList(), event + ": revocations");
    }

    @Test
    void a_state_stored_before_plans_existed_moves_its_decisions_into_the_plan() {
        ObservedInstance old = ObservedInstance.newBuilder().setInstanceId(R).setRole(Role.ROLE_REPLICA).setRetiring(true)
                .setRequestedAt(Timestamps.of(NOW)).setServedAt(Timestamps.of(NOW.plusSeconds(5))).setAddress("127.10.0.2").build();
        ReconcilerState upgraded = StateUpgrade.of(ReconcilerState.newBuilder().putInstances(R, old).build());
        ObservedInstance now = upgraded.getInstancesOrThrow(R);
        assertEquals(InstancePlan.newBuilder().setRole(Role.ROLE_REPLICA).setRetiring(true).setRequestedAt(Timestamps.of(NOW))
                .setServedAt(Timestamps.of(NOW.plusSeconds(5))).build(), now.getPlan());
        assertEquals(Role.ROLE_UNSPECIFIED, now.getRole(), "the old field is cleared");
        assertEquals("127.10.0.2", now.getAddress(), "observed fields stay");
        assertSame(upgraded, StateUpgrade.of(upgraded), "a current state is left alone");
    }
}
