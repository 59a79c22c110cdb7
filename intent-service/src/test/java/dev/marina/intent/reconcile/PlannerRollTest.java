package dev.marina.intent.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.intent.Fixtures;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.AgentCommand;
import dev.marina.schemas.v1.AgentEvent;
import dev.marina.schemas.v1.AgentOp;
import dev.marina.schemas.v1.AgentOutcome;
import dev.marina.schemas.v1.AgentReason;
import dev.marina.schemas.v1.BackupRecord;
import dev.marina.schemas.v1.Condition;
import dev.marina.schemas.v1.DeploymentSpec;
import dev.marina.schemas.v1.DnsCommand;
import dev.marina.schemas.v1.DnsEvent;
import dev.marina.schemas.v1.DnsOutcome;
import dev.marina.schemas.v1.DnsRecordSet;
import dev.marina.schemas.v1.FailoverSpec;
import dev.marina.schemas.v1.Health;
import dev.marina.schemas.v1.InstanceHealth;
import dev.marina.schemas.v1.InstanceState;
import dev.marina.schemas.v1.Intent;
import dev.marina.schemas.v1.MaintenanceSpec;
import dev.marina.schemas.v1.Phase;
import dev.marina.schemas.v1.ProvisionCommand;
import dev.marina.schemas.v1.ProvisionEvent;
import dev.marina.schemas.v1.ReconcilerState;
import dev.marina.schemas.v1.Role;
import dev.marina.schemas.v1.RollStatus;
import dev.marina.schemas.v1.SealedSecret;
import dev.marina.schemas.v1.ServerConfig;
import dev.marina.schemas.v1.Size;
import dev.marina.service.Timestamps;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** Changing a running deployment: parameters live, restarting changes rolled one instance at a time, halts, windows. */
class PlannerRollTest {

    private static final String P = "acme-orders-1";
    private static final String R2 = "acme-orders-2";
    private static final String R3 = "acme-orders-3";
    private static final Map<String, String> ADDRESS = Map.of(P, "127.10.0.1", R2, "127.10.0.2", R3, "127.10.0.3");
    private static final String READER = "ro.orders.acme.marina.test.";
    private static final PlanSettings SETTINGS = PlanSettings.defaults()
            .withDns(new PlanSettings.DnsSettings("marina.test", Duration.ofSeconds(5), Duration.ofSeconds(10)));

    private final Planner planner = new Planner(SETTINGS);
    // a Wednesday
    private Instant now = Instant.parse("2026-11-25T10:00:00Z");
    private ReconcilerState state = ReconcilerState.getDefaultInstance();

    private static Intent intent(UnaryOperator<DeploymentSpec.Builder> spec) {
        return Intent.newBuilder().setDeployment(Fixtures.ref("acme", "orders")).setGeneration(1)
                .setSpec(spec.apply(Fixtures.mariadb().toBuilder().setVersion("10.11.18").setSize(Size.SIZE_SMALL).setReplicas(2)
                        .setFailover(FailoverSpec.newBuilder().setAutomatic(true)).putParameters("max_connections", "200")).build())
                .setAdminUser("admin").setAdminPassword(SealedSecret.newBuilder().setKeyId("k"))
                .setReplicationPassword(SealedSecret.newBuilder().setKeyId("r")).build();
    }

    private static ServerConfig config(String version, Size size, Map<String, String> parameters) {
        return ServerConfig.newBuilder().setVersion(version).setSize(size).putAllParameters(parameters).build();
    }

    private static final ServerConfig ON_18 = config("10.11.18-MariaDB-log", Size.SIZE_SMALL, Map.of("max_connections", "200"));

    private void change(UnaryOperator<DeploymentSpec.Builder> spec) {
        Intent current = state.getDesired();
        state = Observe.desired(state, current.toBuilder().setGeneration(current.getGeneration() + 1)
                .setSpec(spec.apply(current.getSpec().toBuilder())).build());
    }

    private PlanResult plan() {
        PlanResult r = planner.plan(state, now);
        state = r.next();
        return r;
    }

    private static List<AgentCommand> agent(PlanResult r, AgentOp op) {
        return r.sends().stream().filter(c -> c.topic() == Topics.AGENT_COMMANDS).map(c -> (AgentCommand) c.value())
                .filter(c -> c.getOp() == op).toList();
    }

    private static AgentCommand only(PlanResult r, AgentOp op) {
        List<AgentCommand> found = agent(r, op);
        assertEquals(1, found.size(), () -> op + " in " + r.sends());
        return found.get(0);
    }

    private void answer(AgentCommand c, AgentOutcome outcome, String gtid) {
        state = Observe.agent(state, AgentEvent.newBuilder().setInstanceId(c.getInstanceId()).setCommandId(c.getCommandId())
                .setAction(c.getAction()).setOutcome(outcome).setGtidPosition(gtid).build(), now);
    }

    /** The agent's answer to UPDATE: ready on the config it runs now. */
    private void updated(AgentCommand c, ServerConfig running) {
        state = Observe.agent(state, AgentEvent.newBuilder().setInstanceId(c.getInstanceId()).setCommandId(c.getCommandId())
                .setAction(c.getAction()).setOutcome(AgentOutcome.AGENT_OUTCOME_DATABASE_READY).setRunning(running)
                .setEndpoint(ADDRESS.get(c.getInstanceId()) + ":3306").build(), now);
    }

    private void health(String id, Health h) {
        boolean replica = state.getInstancesOrThrow(id).getPlan().getRole() == Role.ROLE_REPLICA;
        state = Observe.health(state, InstanceHealth.newBuilder().setInstanceId(id).setHealth(h).setReason("because")
                .setGtidPosition("0-1-10").setReplicationConnected(replica && h == Health.HEALTH_UP)
                .setEpoch(state.getEpoch()).setReadOnly(replica)
                .setLastHeartbeatAt(Timestamps.of(now)).build(), now);
    }

    private void dnsApplied(PlanResult r) {
        r.sends().stream().filter(c -> c.topic() == Topics.DNS_COMMANDS).map(c -> (DnsCommand) c.value())
                .forEach(d -> state = Observe.dns(state, DnsEvent.newBuilder().setCommandId(d.getCommandId())
                        .setDeployment(d.getDeployment()).setOutcome(DnsOutcome.DNS_OUTCOME_APPLIED)
                        .addAllRecords(d.getRecordsList()).build()));
    }

    private List<String> readers() {
        return state.getDns().getAppliedList().stream().filter(s -> s.getName().equals(READER)).findFirst()
                .<List<String>>map(DnsRecordSet::getValuesList).orElse(List.of());
    }

    private RollStatus roll() {
        return state.getPublishedStatus().getRoll();
    }

    private Condition configApplied() {
        return state.getPublishedStatus().getConditionsList().stream().filter(c -> c.getType().equals(Reasons.CONFIG_APPLIED))
                .findFirst().orElseThrow(() -> new AssertionError("no ConfigApplied in " + state.getPublishedStatus()));
    }

    private long updatesInFlight() {
        return state.getInFlightMap().values().stream()
                .filter(a -> a.getAction().getKind() == dev.marina.schemas.v1.ActionKind.ACTION_KIND_UPDATE).count();
    }

    /** A primary and two replicas on 10.11.18, replicating, names applied, Ready. */
    private void readyOn18(UnaryOperator<DeploymentSpec.Builder> spec) {
        state = Observe.desired(state, intent(spec));
        PlanResult first = plan();
        AgentCommand deploy = first.sends().stream().filter(c -> c.topic() == Topics.PROVISION_COMMANDS)
                .map(c -> ((ProvisionCommand) c.value()).getFirstCommand()).findFirst().orElseThrow();
        assertEquals(config("10.11.18", Size.SIZE_SMALL, Map.of("max_connections", "200")), deploy.getConfig(),
                "DEPLOY carries the resolved config");
        assertEquals("10.11.18", deploy.getVersion(), "and the fields agents before it read");
        for (String id : List.of(P, R2, R3)) {
            state = Observe.provision(state, ProvisionEvent.newBuilder().setInstanceId(id)
                    .setState(InstanceState.INSTANCE_STATE_RUNNING).setAddress(ADDRESS.get(id)).build(), now);
        }
        dnsApplied(plan());
        for (String id : List.of(P, R2, R3)) {
            state = Observe.agent(state, AgentEvent.newBuilder().setInstanceId(id).setCommandId("acme/orders/1/deploy/" + id)
                    .setOutcome(AgentOutcome.AGENT_OUTCOME_DATABASE_READY).setEndpoint(ADDRESS.get(id) + ":3306")
                    .setReadOnly(!id.equals(P)).setRunning(ON_18).build(), now);
        }
        for (AgentCommand c : agent(plan(), AgentOp.AGENT_OP_REPLICATE)) {
            answer(c, AgentOutcome.AGENT_OUTCOME_DONE, "0-1-10");
        }
        for (String id : List.of(P, R2, R3)) {
            health(id, Health.HEALTH_UP);
        }
        dnsApplied(plan());
        plan();
        assertEquals(Phase.PHASE_READY, state.getPublishedStatus().getPhase(), () -> state.getPublishedStatus().toString());
        assertEquals(ON_18, state.getPublishedStatus().getInstances(0).getRunning(), "each instance shows what it runs");
        assertFalse(state.getPublishedStatus().hasRoll(), "nothing to roll");
    }

    /** Takes one replica through its step of the roll: out of the reader name, UPDATE, ready, caught up, back. */
    private AgentCommand rollReplica(String id, ServerConfig running) {
        PlanResult out = plan();
        assertEquals(id, roll().getCurrentInstance());
        assertEquals(Phase.PHASE_UPDATING, state.getPublishedStatus().getPhase());
        assertTrue(agent(out, AgentOp.AGENT_OP_UPDATE).isEmpty(), "no restart before the reader name is without it");
        dnsApplied(out);
        assertFalse(readers().contains(ADDRESS.get(id)), () -> id + " left the reader name: " + readers());
        PlanResult restart = plan();
        assertEquals(1, agent(restart, AgentOp.AGENT_OP_UPDATE).size(), () -> "UPDATE in " + restart.sends() + " roll " + state.getRoll()
                + " dns " + state.getDns() + " inflight " + state.getInFlightMap().keySet());
        AgentCommand update = only(restart, AgentOp.AGENT_OP_UPDATE);
        assertEquals(id, update.getInstanceId());
        assertEquals(30_000, update.getDrainTimeoutMs());
        assertEquals(1, updatesInFlight(), "one instance out at a time");
        assertTrue(agent(plan(), AgentOp.AGENT_OP_UPDATE).isEmpty(), "sent once");
        health(id, Health.HEALTH_DOWN);
        updated(update, running);
        health(id, Health.HEALTH_UP);
        PlanResult back = plan();
        dnsApplied(back);
        assertTrue(readers().contains(ADDRESS.get(id)), () -> id + " is a reader again: " + readers());
        return update;
    }

    @Test
    void a_dynamic_parameter_is_applied_live_on_every_instance_without_a_roll() {
        readyOn18(s -> s);
        change(s -> s.putParameters("max_connections", "300"));
        PlanResult r = plan();
        List<AgentCommand> updates = agent(r, AgentOp.AGENT_OP_UPDATE);
        assertEquals(List.of(P, R2, R3), updates.stream().map(AgentCommand::getInstanceId).sorted().toList(), "all at once");
        assertTrue(agent(r, AgentOp.AGENT_OP_FENCE).isEmpty(), "no switchover");
        assertEquals("300", updates.get(0).getConfig().getParametersMap().get("max_connections"));
        assertEquals(RollPlanner.digest(updates.get(0).getConfig()), updates.get(0).getAction().getSubject());
        assertEquals(Phase.PHASE_UPDATING, state.getPublishedStatus().getPhase());
        for (AgentCommand u : updates) {
            updated(u, ON_18.toBuilder().putParameters("max_connections", "300").build());
        }
        plan();
        assertEquals(Phase.PHASE_READY, state.getPublishedStatus().getPhase(), () -> state.getPublishedStatus().toString());
        assertTrue(state.getRoll().getDone());
        assertFalse(state.getRoll().getRestart());
    }

    @Test
    void a_new_build_rolls_replicas_one_at_a_time_then_switches_over_then_updates_the_old_primary() {
        readyOn18(s -> s);
        change(s -> s.setVersion("10.11.19"));
        ServerConfig on19 = ON_18.toBuilder().setVersion("10.11.19-MariaDB-log").build();

        AgentCommand first = rollReplica(R2, on19);
        assertEquals("10.11.19", first.getConfig().getVersion());
        assertEquals(Role.ROLE_REPLICA, first.getRole());
        assertEquals("Updating: 1 of 3 on 10.11.19, small, 1 parameter (acme-orders-2: rejoining the reader name)",
                configApplied().getMessage());
        rollReplica(R3, on19);

        // both replicas run the new build: the primary hands its role to one of them
        AgentCommand fence = only(plan(), AgentOp.AGENT_OP_FENCE);
        assertEquals(P, fence.getInstanceId());
        assertEquals("switchover", roll().getStep());
        assertEquals(Phase.PHASE_UPDATING, state.getPublishedStatus().getPhase());
        assertEquals(0, updatesInFlight(), "the writable primary is never restarted");
        answer(fence, AgentOutcome.AGENT_OUTCOME_DONE, "0-1-40");
        AgentCommand promote = only(plan(), AgentOp.AGENT_OP_PROMOTE);
        assertEquals(R2, promote.getInstanceId(), "an updated replica that caught up");
        assertEquals("0-1-40", promote.getWaitForGtid());
        answer(promote, AgentOutcome.AGENT_OUTCOME_DONE, "0-1-40");
        PlanResult moved = plan();
        dnsApplied(moved);
        for (AgentCommand c : agent(moved, AgentOp.AGENT_OP_REPLICATE)) {
            answer(c, AgentOutcome.AGENT_OUTCOME_DONE, "0-1-40");
        }
        List<AgentCommand> sent = new java.util.ArrayList<>();
        for (int i = 0; i < 3 && !state.getRoleChange().getDone(); i++) {
            PlanResult r = plan();
            sent.addAll(agent(r, AgentOp.AGENT_OP_UPDATE));
            dnsApplied(r);
        }
        assertTrue(state.getRoleChange().getDone(), "the writer name moved");
        assertEquals(Role.ROLE_PRIMARY, state.getInstancesOrThrow(R2).getPlan().getRole());
        assertEquals(Role.ROLE_REPLICA, state.getInstancesOrThrow(P).getPlan().getRole());
        health(R2, Health.HEALTH_UP);
        health(R3, Health.HEALTH_UP);
        health(P, Health.HEALTH_UP);

        // the old primary, a replica now (and not in the reader name), is updated last
        for (int i = 0; i < 2 && sent.isEmpty(); i++) {
            PlanResult r = plan();
            sent.addAll(agent(r, AgentOp.AGENT_OP_UPDATE));
            dnsApplied(r);
        }
        assertEquals(List.of(P), sent.stream().map(AgentCommand::getInstanceId).toList());
        assertEquals(P, roll().getCurrentInstance());
        assertFalse(readers().contains(ADDRESS.get(P)), () -> "not a reader while it restarts: " + readers());
        updated(sent.get(0), on19);
        health(P, Health.HEALTH_UP);
        dnsApplied(plan());
        dnsApplied(plan());
        plan();
        assertEquals(Phase.PHASE_READY, state.getPublishedStatus().getPhase(), () -> state.getPublishedStatus().toString());
        assertTrue(state.getRoll().getDone());
        assertFalse(state.getPublishedStatus().hasRoll());
    }

    @Test
    void a_failed_update_halts_the_roll_and_a_new_generation_resumes_it() {
        readyOn18(s -> s);
        change(s -> s.setSize(Size.SIZE_MEDIUM));
        dnsApplied(plan());
        AgentCommand update = only(plan(), AgentOp.AGENT_OP_UPDATE);
        assertEquals(R2, update.getInstanceId());
        state = Observe.agent(state, AgentEvent.newBuilder().setInstanceId(R2).setCommandId(update.getCommandId())
                .setAction(update.getAction()).setOutcome(AgentOutcome.AGENT_OUTCOME_FAILED)
                .setReasonCode(AgentReason.AGENT_REASON_UPDATE_FAILED).setReason("mariadbd did not start: out of memory")
                .setRunning(ON_18).build(), now);
        PlanResult halted = plan();
        dnsApplied(halted);
        assertTrue(roll().getHalted());
        assertTrue(roll().getHaltReason().contains("mariadbd did not start"), roll().getHaltReason());
        assertEquals(Reasons.ROLL_HALTED, configApplied().getReason());
        assertEquals(Phase.PHASE_DEGRADED, state.getPublishedStatus().getPhase(), "serving, not Ready, not rolling");
        assertTrue(readers().contains(ADDRESS.get(R2)), "back in the reader name on its old config");
        for (int i = 0; i < 3; i++) {
            now = now.plusSeconds(600);
            assertTrue(agent(plan(), AgentOp.AGENT_OP_UPDATE).isEmpty(), "nothing more is restarted");
        }

        // the same spec applied again is a new generation: the roll resumes
        change(s -> s);
        dnsApplied(plan());
        assertFalse(roll().getHalted());
        assertEquals(R2, only(plan(), AgentOp.AGENT_OP_UPDATE).getInstanceId());
    }

    @Test
    void a_halted_roll_is_reversed_by_going_back_to_the_old_config() {
        readyOn18(s -> s);
        change(s -> s.setVersion("10.11.19"));
        dnsApplied(plan());
        AgentCommand update = only(plan(), AgentOp.AGENT_OP_UPDATE);
        answer(update, AgentOutcome.AGENT_OUTCOME_REFUSED, "");
        plan();
        assertTrue(roll().getHalted());
        change(s -> s.setVersion("10.11.18"));
        plan();
        assertFalse(state.getPublishedStatus().hasRoll(), () -> "every instance runs 10.11.18 again: " + state.getRoll());
        assertEquals(0, updatesInFlight());
    }

    @Test
    void an_update_unanswered_for_the_timeout_halts_the_roll() {
        readyOn18(s -> s);
        change(s -> s.putParameters("performance_schema", "ON"));
        dnsApplied(plan());
        only(plan(), AgentOp.AGENT_OP_UPDATE);
        now = now.plus(SETTINGS.roll().updateTimeout()).plusSeconds(1);
        assertTrue(planner.needsResync(state, now));
        PlanResult r = plan();
        assertTrue(agent(r, AgentOp.AGENT_OP_UPDATE).isEmpty(), "not sent again: halted");
        assertTrue(roll().getHalted());
        assertTrue(roll().getHaltReason().contains("did not answer UPDATE within 600 s"), roll().getHaltReason());
    }

    @Test
    void a_change_marked_for_the_window_waits_for_it_and_then_rolls() {
        readyOn18(s -> s.setMaintenance(MaintenanceSpec.newBuilder().setWindow("wed:12:00-wed:13:00").setApplyInWindow(true)));
        change(s -> s.setVersion("10.11.19"));
        PlanResult r = plan();
        assertTrue(agent(r, AgentOp.AGENT_OP_UPDATE).isEmpty());
        assertEquals("the maintenance window wed:12:00-wed:13:00", roll().getWaitingFor());
        assertEquals(Instant.parse("2026-11-25T12:00:00Z"), Timestamps.toInstant(roll().getWindowOpensAt()));
        assertEquals(Reasons.WAITING_FOR_WINDOW, configApplied().getReason());
        assertEquals(Phase.PHASE_UPDATING, state.getPublishedStatus().getPhase(), "never Ready while a change waits");
        assertFalse(planner.needsResync(state, now.plusSeconds(60)));
        now = Instant.parse("2026-11-25T12:00:00Z");
        assertTrue(planner.needsResync(state, now), "the window opening is noticed without an event");
        dnsApplied(plan());
        assertEquals(R2, only(plan(), AgentOp.AGENT_OP_UPDATE).getInstanceId());
    }

    @Test
    void without_apply_in_window_a_change_rolls_now() {
        readyOn18(s -> s.setMaintenance(MaintenanceSpec.newBuilder().setWindow("wed:12:00-wed:13:00")));
        change(s -> s.setVersion("10.11.19"));
        dnsApplied(plan());
        assertEquals(R2, only(plan(), AgentOp.AGENT_OP_UPDATE).getInstanceId());
    }

    @Test
    void a_down_replica_makes_the_roll_wait_and_says_so() {
        readyOn18(s -> s);
        health(R3, Health.HEALTH_DOWN);
        change(s -> s.setVersion("10.11.19"));
        PlanResult r = plan();
        assertTrue(agent(r, AgentOp.AGENT_OP_UPDATE).isEmpty());
        assertEquals("acme-orders-3 to be healthy (down)", roll().getWaitingFor());
        assertTrue(configApplied().getMessage().contains("waiting for acme-orders-3 to be healthy"), configApplied().getMessage());
    }

    @Test
    void the_roll_never_takes_the_replica_a_backup_runs_on() {
        readyOn18(s -> s);
        state = state.toBuilder().setBackups(state.getBackups().toBuilder()
                .setCurrent(BackupRecord.newBuilder().setBackupId("b1")).setCurrentSource(R2)).build();
        change(s -> s.setVersion("10.11.19"));
        plan();
        assertEquals(R3, roll().getCurrentInstance(), "the other replica goes first");
    }

    @Test
    void runs_compares_what_the_server_reports_with_what_is_wanted() {
        ServerConfig wanted = config("10.11.19", Size.SIZE_SMALL, Map.of("slow_query_log", "ON"));
        assertTrue(RollPlanner.runs(config("10.11.19-MariaDB-0+deb12u1-log", Size.SIZE_SMALL, Map.of("slow_query_log", "1")), wanted));
        assertFalse(RollPlanner.runs(config("10.11.18", Size.SIZE_SMALL, Map.of("slow_query_log", "ON")), wanted));
        assertFalse(RollPlanner.runs(config("10.11.19", Size.SIZE_LARGE, Map.of("slow_query_log", "ON")), wanted));
        assertFalse(RollPlanner.runs(config("10.11.19", Size.SIZE_SMALL, Map.of()), wanted));
        assertTrue(RollPlanner.runs(config("10.11.7", Size.SIZE_SMALL, Map.of()), config("10.11", Size.SIZE_SMALL, Map.of())),
                "a spec stored with a series only: any build of it");
        assertFalse(RollPlanner.restarts(config("10.11.19", Size.SIZE_SMALL, Map.of("slow_query_log", "OFF")), wanted),
                "a dynamic parameter changes live");
        assertTrue(RollPlanner.restarts(config("10.11.19", Size.SIZE_SMALL, Map.of("slow_query_log", "ON")),
                wanted.toBuilder().putParameters("performance_schema", "ON").build()), "a static one restarts");
    }

    private static Condition c(String type, boolean status, String reason) {
        return Condition.newBuilder().setType(type).setStatus(status).setReason(reason).build();
    }

    @Test
    void the_phase_is_updating_while_a_roll_moves_degraded_when_it_halted_and_failed_before_both() {
        List<Condition> serving = List.of(c(Reasons.INSTANCE_PROVISIONED, true, Reasons.RUNNING), c(Reasons.WRITABLE, true, Reasons.ACCEPTS_WRITES));
        java.util.function.Function<Condition, List<Condition>> with = extra -> java.util.stream.Stream.concat(serving.stream(),
                java.util.stream.Stream.of(extra)).toList();
        assertEquals(Phase.PHASE_READY, StatusBuilder.phase(serving, true));
        assertEquals(Phase.PHASE_UPDATING, StatusBuilder.phase(with.apply(c(Reasons.CONFIG_APPLIED, false, Reasons.UPDATING)), true));
        assertEquals(Phase.PHASE_UPDATING, StatusBuilder.phase(with.apply(c(Reasons.CONFIG_APPLIED, false, Reasons.WAITING_FOR_WINDOW)), true));
        assertEquals(Phase.PHASE_DEGRADED, StatusBuilder.phase(with.apply(c(Reasons.CONFIG_APPLIED, false, Reasons.ROLL_HALTED)), true));
        assertEquals(Phase.PHASE_FAILED, StatusBuilder.phase(List.of(c(Reasons.CONFIG_APPLIED, false, Reasons.UPDATING),
                c(Reasons.PROGRESSING, false, Reasons.RETRIES_EXHAUSTED)), true));
    }
}
