package dev.marina.intent.reconcile;

import dev.marina.schemas.gtid.Gtids;
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
import dev.marina.schemas.v1.ReplicationFault;
import dev.marina.schemas.v1.Condition;
import dev.marina.schemas.v1.DnsCommand;
import dev.marina.schemas.v1.DnsEvent;
import dev.marina.schemas.v1.DnsOutcome;
import dev.marina.schemas.v1.DnsRecordSet;
import dev.marina.schemas.v1.FailoverSpec;
import dev.marina.schemas.v1.Health;
import dev.marina.schemas.v1.InstanceHealth;
import dev.marina.schemas.v1.InstanceState;
import dev.marina.schemas.v1.Intent;
import dev.marina.schemas.v1.Phase;
import dev.marina.schemas.v1.ProvisionEvent;
import dev.marina.schemas.v1.ReconcilerState;
import dev.marina.schemas.v1.ReplicaReport;
import dev.marina.schemas.v1.Role;
import dev.marina.schemas.v1.RoleChange;
import dev.marina.schemas.v1.RoleChangeKind;
import dev.marina.schemas.v1.SealedSecret;
import dev.marina.schemas.v1.SemiSyncWait;
import dev.marina.schemas.v1.Durability;
import dev.marina.service.Timestamps;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Replicas, failover, rejoin, switchover and scaling, as the reconciler plans them. */
class PlannerHaTest {

    private static final String P = "acme-orders-1";
    private static final String R2 = "acme-orders-2";
    private static final String R3 = "acme-orders-3";
    private static final Map<String, String> ADDRESS = Map.of(P, "127.10.0.1", R2, "127.10.0.2", R3, "127.10.0.3",
            "acme-orders-4", "127.10.0.4");
    private static final PlanSettings SETTINGS = PlanSettings.defaults()
            .withDns(new PlanSettings.DnsSettings("marina.test", Duration.ofSeconds(5), Duration.ofSeconds(10)));

    private final Planner planner = new Planner(SETTINGS);
    private Instant now = Instant.parse("2026-11-22T10:00:00Z");
    private ReconcilerState state = ReconcilerState.getDefaultInstance();
    private PlanResult last;
    private PlanResult firstPass;

    private static Intent intent(int replicas, boolean automatic, long switchovers, String target) {
        return Intent.newBuilder().setDeployment(Fixtures.ref("acme", "orders")).setGeneration(1)
                .setSpec(Fixtures.mariadb().toBuilder().setReplicas(replicas)
                        .setFailover(FailoverSpec.newBuilder().setAutomatic(automatic)))
                .setSwitchoversRequested(switchovers).setSwitchoverTarget(target)
                .setAdminUser("admin").setAdminPassword(SealedSecret.newBuilder().setKeyId("k"))
                .setReplicationPassword(SealedSecret.newBuilder().setKeyId("r")).build();
    }

    private PlanResult plan() {
        last = planner.plan(state, now);
        state = last.next();
        return last;
    }

    private List<AgentCommand> agent(PlanResult r, AgentOp op) {
        return r.sends().stream().filter(c -> c.topic() == Topics.AGENT_COMMANDS).map(c -> (AgentCommand) c.value())
                .filter(c -> c.getOp() == op).toList();
    }

    private AgentCommand onlyAgent(PlanResult r, AgentOp op) {
        List<AgentCommand> found = agent(r, op);
        assertEquals(1, found.size(), () -> op + " in " + r.sends());
        return found.get(0);
    }

    private void running(String id) {
        state = Observe.provision(state, ProvisionEvent.newBuilder().setInstanceId(id)
                .setState(InstanceState.INSTANCE_STATE_RUNNING).setAddress(ADDRESS.get(id)).build(), now);
    }

    private void databaseReady(String id, boolean readOnly) {
        state = Observe.agent(state, AgentEvent.newBuilder().setInstanceId(id).setCommandId("acme/orders/1/deploy/" + id)
                .setOutcome(AgentOutcome.AGENT_OUTCOME_DATABASE_READY).setEndpoint(ADDRESS.get(id) + ":3306")
                .setReadOnly(readOnly).build(), now);
    }

    private void health(String id, Health h, String gtid, ReplicaReport... replicas) {
        state = Observe.health(state, InstanceHealth.newBuilder().setInstanceId(id).setHealth(h).setReason("because")
                .setGtidPosition(gtid).setLastHeartbeatAt(Timestamps.of(now)).addAllReplicas(List.of(replicas)).build(), now);
    }

    /** The agent's answer, as it sends it: the command's id and action echoed. */
    private void done(AgentCommand c, String gtid) {
        state = Observe.agent(state, AgentEvent.newBuilder().setInstanceId(c.getInstanceId()).setCommandId(c.getCommandId())
                .setAction(c.getAction()).setOutcome(AgentOutcome.AGENT_OUTCOME_DONE).setGtidPosition(gtid).build(), now);
    }

    private void failed(AgentCommand c, AgentReason code, String reason) {
        state = Observe.agent(state, AgentEvent.newBuilder().setInstanceId(c.getInstanceId()).setCommandId(c.getCommandId())
                .setAction(c.getAction()).setOutcome(AgentOutcome.AGENT_OUTCOME_FAILED).setReasonCode(code)
                .setReplicationFault(Facts.fault(code)).setReason(reason).build(), now);
    }

    /** Applies whatever DNS command the pass sent, as dns-service would answer it. */
    private void dnsApplied(PlanResult r) {
        r.sends().stream().filter(c -> c.topic() == Topics.DNS_COMMANDS).map(c -> (DnsCommand) c.value())
                .forEach(d -> state = Observe.dns(state, DnsEvent.newBuilder().setCommandId(d.getCommandId())
                        .setDeployment(d.getDeployment()).setOutcome(DnsOutcome.DNS_OUTCOME_APPLIED)
                        .addAllRecords(d.getRecordsList()).build()));
    }

    private List<String> applied(String name) {
        return state.getDns().getAppliedList().stream().filter(s -> s.getName().equals(name)).findFirst()
                .<List<String>>map(DnsRecordSet::getValuesList).orElse(List.of());
    }

    private Condition condition(String type) {
        return state.getPublishedStatus().getConditionsList().stream().filter(c -> c.getType().equals(type)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + type + " in " + state.getPublishedStatus()));
    }

    /** A deployment with a primary and two replicas replicating from it, Ready, names applied. */
    private void replicatedDeployment() {
        state = Observe.desired(state, intent(2, true, 0, ""));
        PlanResult first = plan();
        firstPass = first;
        assertEquals(3, first.sends().stream().filter(c -> c.topic() == Topics.PROVISION_COMMANDS).count(),
                "the primary and both replicas are created at once");
        for (String id : List.of(P, R2, R3)) {
            running(id);
        }
        dnsApplied(plan());
        databaseReady(P, false);
        databaseReady(R2, true);
        databaseReady(R3, true);
        PlanResult repoint = plan();
        List<AgentCommand> replicate = agent(repoint, AgentOp.AGENT_OP_REPLICATE);
        assertEquals(2, replicate.size(), () -> "REPLICATE to both replicas: " + repoint.sends());
        for (AgentCommand c : replicate) {
            assertEquals("127.10.0.1", c.getPrimaryAddress());
            assertEquals(P, c.getPrimaryInstanceId());
            assertEquals(1, c.getEpoch());
            assertEquals("r", c.getReplicationPassword().getKeyId());
            done(c, "0-1-10");
        }
        health(P, Health.HEALTH_UP, "0-1-10");
        health(R2, Health.HEALTH_UP, "0-1-10");
        health(R3, Health.HEALTH_UP, "0-1-10");
        dnsApplied(plan());
        plan();
        assertEquals(Phase.PHASE_READY, state.getPublishedStatus().getPhase(), () -> state.getPublishedStatus().toString());
        assertEquals(List.of("127.10.0.2", "127.10.0.3"), applied("ro.orders.acme.marina.test."), "readers are the replicas");
        assertTrue(condition(Reasons.REPLICAS_READY).getStatus());
    }

    /** health-monitor's record of the primary with its semi-sync facts. */
    private void semiSync(SemiSyncWait wait, long connected, long waiting) {
        state = Observe.health(state, InstanceHealth.newBuilder().setInstanceId(P).setHealth(Health.HEALTH_UP).setReason("because")
                .setEpoch(state.getEpoch()).setGtidPosition("0-1-10").setLastHeartbeatAt(Timestamps.of(now))
                .setSemiSyncWait(wait).setSemiSyncReplicasConnected(connected).setCommitsWaiting(waiting).build(), now);
    }

    private void scaleTo(int replicas) {
        state = Observe.desired(state, state.getDesired().toBuilder().setGeneration(state.getDesired().getGeneration() + 1)
                .setSpec(state.getDesired().getSpec().toBuilder().setReplicas(replicas)).build());
    }

    @Test
    void deploy_and_promote_carry_the_replicas_the_deployment_wants() {
        replicatedDeployment();
        List<AgentCommand> deploys = firstPass.sends().stream().filter(c -> c.topic() == Topics.PROVISION_COMMANDS)
                .map(c -> ((dev.marina.schemas.v1.ProvisionCommand) c.value()).getFirstCommand()).toList();
        assertTrue(deploys.stream().allMatch(d -> d.hasReplicasWanted() && d.getReplicasWanted() == 2), deploys::toString);
    }

    @Test
    void scaling_to_no_replicas_tells_an_armed_primary_to_stop_waiting_for_one() {
        replicatedDeployment();
        semiSync(SemiSyncWait.SEMI_SYNC_WAIT_LOSSLESS, 2, 0);
        assertTrue(agent(plan(), AgentOp.AGENT_OP_SET_REPLICAS_WANTED).isEmpty(), "nothing to tell while the wish matches");
        scaleTo(0);
        AgentCommand told = onlyAgent(plan(), AgentOp.AGENT_OP_SET_REPLICAS_WANTED);
        assertEquals(P, told.getInstanceId());
        assertEquals(Role.ROLE_PRIMARY, told.getRole());
        assertTrue(told.hasReplicasWanted());
        assertEquals(0, told.getReplicasWanted());
        assertEquals(state.getEpoch(), told.getEpoch());
        assertTrue(agent(plan(), AgentOp.AGENT_OP_SET_REPLICAS_WANTED).isEmpty(), "sent once, then on its backoff");
        state = Observe.agent(state, AgentEvent.newBuilder().setInstanceId(P).setCommandId(told.getCommandId())
                .setAction(told.getAction()).setOutcome(AgentOutcome.AGENT_OUTCOME_DONE)
                .setSemiSyncWait(SemiSyncWait.SEMI_SYNC_WAIT_OFF).build(), now);
        assertEquals(SemiSyncWait.SEMI_SYNC_WAIT_OFF, state.getInstancesOrThrow(P).getSemiSyncWait());
        assertFalse(Ledger.pending(state.toBuilder(), told.getAction()), "DONE settles it");
        now = now.plusSeconds(60);
        assertTrue(agent(plan(), AgentOp.AGENT_OP_SET_REPLICAS_WANTED).isEmpty(), "told: its answer says it no longer waits");
    }

    @Test
    void scaling_from_no_replicas_tells_the_primary_to_wait_once_a_replica_attached() {
        replicatedDeployment();
        semiSync(SemiSyncWait.SEMI_SYNC_WAIT_OFF, 0, 0);
        scaleTo(2);
        assertEquals(2, onlyAgent(plan(), AgentOp.AGENT_OP_SET_REPLICAS_WANTED).getReplicasWanted());
        semiSync(SemiSyncWait.SEMI_SYNC_WAIT_UNTIL_FIRST_REPLICA, 0, 0);
        plan();
        assertTrue(state.getInFlightMap().values().stream()
                .noneMatch(a -> a.getAction().getKind() == dev.marina.schemas.v1.ActionKind.ACTION_KIND_SET_REPLICAS_WANTED),
                "its heartbeat says it waits once a replica attached: the action is settled");
    }

    @Test
    void a_primary_whose_wait_is_unknown_or_async_is_not_told() {
        assertFalse(HaPlanner.mustBeTold(Durability.DURABILITY_SEMI_SYNC, 0, SemiSyncWait.SEMI_SYNC_WAIT_UNSPECIFIED));
        assertFalse(HaPlanner.mustBeTold(Durability.DURABILITY_ASYNC, 0, SemiSyncWait.SEMI_SYNC_WAIT_LOSSLESS));
        assertTrue(HaPlanner.mustBeTold(Durability.DURABILITY_SEMI_SYNC, 0, SemiSyncWait.SEMI_SYNC_WAIT_UNTIL_FIRST_REPLICA),
                "a retiring replica attaching would arm it");
        assertTrue(HaPlanner.mustBeTold(Durability.DURABILITY_SEMI_SYNC, 0, SemiSyncWait.SEMI_SYNC_WAIT_FELL_BACK));
        assertFalse(HaPlanner.mustBeTold(Durability.DURABILITY_SEMI_SYNC, 2, SemiSyncWait.SEMI_SYNC_WAIT_UNTIL_FIRST_REPLICA));
        assertFalse(HaPlanner.mustBeTold(Durability.DURABILITY_UNSPECIFIED, 2, SemiSyncWait.SEMI_SYNC_WAIT_LOSSLESS));
    }

    @Test
    void a_primary_waiting_with_no_replica_connected_degrades_the_deployment_and_says_how_many_commits_wait() {
        replicatedDeployment();
        semiSync(SemiSyncWait.SEMI_SYNC_WAIT_LOSSLESS, 2, 0);
        plan();
        assertTrue(condition(Reasons.DURABLE).getStatus());
        assertEquals(Reasons.REPLICA_ACKNOWLEDGES, condition(Reasons.DURABLE).getReason());
        assertEquals(Phase.PHASE_READY, state.getPublishedStatus().getPhase());
        semiSync(SemiSyncWait.SEMI_SYNC_WAIT_LOSSLESS, 0, 3);
        plan();
        assertFalse(condition(Reasons.DURABLE).getStatus());
        assertEquals(Reasons.WAITING_FOR_REPLICA, condition(Reasons.DURABLE).getReason());
        assertEquals("3 commits waiting for a replica to acknowledge", condition(Reasons.DURABLE).getMessage());
        assertEquals(Phase.PHASE_DEGRADED, state.getPublishedStatus().getPhase(), "writes block: not Ready");
        assertTrue(agent(last, AgentOp.AGENT_OP_SET_REPLICAS_WANTED).isEmpty(), "replicas are wanted: it keeps waiting");
    }

    @Test
    void replicas_are_deployed_as_replicas_and_replicate_from_the_primary() {
        replicatedDeployment();
        List<AgentCommand> deploys = firstPass.sends().stream().filter(c -> c.topic() == Topics.PROVISION_COMMANDS)
                .map(c -> ((dev.marina.schemas.v1.ProvisionCommand) c.value()).getFirstCommand()).toList();
        assertEquals(List.of(Role.ROLE_PRIMARY, Role.ROLE_REPLICA, Role.ROLE_REPLICA),
                deploys.stream().map(AgentCommand::getRole).sorted().toList());
        assertTrue(deploys.stream().allMatch(d -> d.getEpoch() == 1 && d.getReplicationPassword().getKeyId().equals("r")));
    }

    @Test
    void a_down_primary_fails_over_to_the_most_advanced_replica_and_the_writer_name_follows() {
        replicatedDeployment();
        now = now.plusSeconds(1);
        Instant lastHeartbeat = now;
        health(P, Health.HEALTH_UP, "0-1-20");
        now = now.plusMillis(1500);
        state = Observe.health(state, InstanceHealth.newBuilder().setInstanceId(P).setHealth(Health.HEALTH_DOWN)
                .setReason("no heartbeat for 1.5 s and no replica hears from it").setLastHeartbeatAt(Timestamps.of(lastHeartbeat))
                .addReplicas(ReplicaReport.newBuilder().setInstanceId(R2).setGtidPosition("0-1-18"))
                .addReplicas(ReplicaReport.newBuilder().setInstanceId(R3).setGtidPosition("0-1-20")).build(), now);
        PlanResult decided = plan();

        AgentCommand promote = onlyAgent(decided, AgentOp.AGENT_OP_PROMOTE);
        assertEquals(R3, promote.getInstanceId(), "the most advanced replica");
        assertEquals(2, promote.getEpoch(), "a role change raises the epoch");
        assertEquals(2, state.getEpoch());
        assertEquals(Role.ROLE_REPLICA, state.getInstancesOrThrow(P).getPlan().getRole(), "the old primary is demoted at once");
        assertEquals(Reasons.FAILING_OVER, condition(Reasons.REPLICAS_READY).getReason());
        assertEquals(List.of("127.10.0.1"), applied("orders.acme.marina.test."), "the name stays until the promotion is done");

        now = now.plusMillis(60);
        done(promote, "0-1-20");
        PlanResult promoted = plan();
        assertEquals(Role.ROLE_PRIMARY, state.getInstancesOrThrow(R3).getPlan().getRole());
        DnsCommand moved = promoted.sends().stream().filter(c -> c.topic() == Topics.DNS_COMMANDS)
                .map(c -> (DnsCommand) c.value()).findFirst().orElseThrow(() -> new AssertionError(promoted.sends().toString()));
        assertEquals(List.of("127.10.0.3"), moved.getRecords(0).getValuesList(), "the writer name moves to the new primary");
        AgentCommand repoint = onlyAgent(promoted, AgentOp.AGENT_OP_REPLICATE);
        assertEquals(R2, repoint.getInstanceId(), "the other replica follows the new primary (the old one is down)");
        assertEquals("127.10.0.3", repoint.getPrimaryAddress());
        assertEquals(2, repoint.getEpoch());

        now = now.plusMillis(30);
        dnsApplied(promoted);
        PlanResult finished = plan();
        List<RoleChange> history = finished.sends().stream().filter(c -> c.topic() == Topics.ROLE_CHANGES)
                .map(c -> (RoleChange) c.value()).toList();
        assertEquals(1, history.size(), finished.sends().toString());
        RoleChange record = history.get(0);
        assertEquals(RoleChangeKind.ROLE_CHANGE_KIND_FAILOVER, record.getKind());
        assertEquals(P, record.getOldPrimary());
        assertEquals(R3, record.getNewPrimary());
        assertTrue(record.getReason().contains("no replica hears from it"), record.getReason());
        assertTrue(Timestamps.toInstant(record.getPromotedAt()).isBefore(Timestamps.toInstant(record.getWriterNameMovedAt())));
        assertEquals(0, plan().sends().stream().filter(c -> c.topic() == Topics.ROLE_CHANGES).count(), "recorded once");
    }

    @Test
    void no_failover_before_the_lease_has_surely_run_out_nor_when_automatic_failover_is_off() {
        replicatedDeployment();
        state = Observe.health(state, InstanceHealth.newBuilder().setInstanceId(P).setHealth(Health.HEALTH_DOWN)
                .setLastHeartbeatAt(Timestamps.of(now.minusMillis(1000))).build(), now);
        assertTrue(agent(plan(), AgentOp.AGENT_OP_PROMOTE).isEmpty(), "1 s of silence: the old primary may still be writable");
        now = now.plusMillis(300);
        assertEquals(1, agent(plan(), AgentOp.AGENT_OP_PROMOTE).size());

        ReconcilerState manual = state.toBuilder().setDesired(intent(2, false, 0, "")).build();
        ReconcilerState fresh = ReconcilerState.getDefaultInstance();
        state = fresh;
        replicatedDeployment();
        state = state.toBuilder().setDesired(intent(2, false, 0, "")).build();
        state = Observe.health(state, InstanceHealth.newBuilder().setInstanceId(P).setHealth(Health.HEALTH_DOWN)
                .setLastHeartbeatAt(Timestamps.of(now.minusSeconds(10))).build(), now);
        assertTrue(agent(plan(), AgentOp.AGENT_OP_PROMOTE).isEmpty(), "failover.automatic is off");
        assertFalse(manual.getDesired().getSpec().getFailover().getAutomatic());
    }

    @Test
    void a_primary_still_being_deployed_is_not_failed_over_to_replicas_that_hold_nothing() {
        state = Observe.desired(state, intent(2, true, 0, ""));
        plan();
        for (String id : List.of(P, R2, R3)) {
            running(id);
        }
        databaseReady(R2, true);
        databaseReady(R3, true);
        health(R2, Health.HEALTH_UP, "");
        health(R3, Health.HEALTH_UP, "");
        now = now.plusSeconds(3);
        state = Observe.health(state, InstanceHealth.newBuilder().setInstanceId(P).setHealth(Health.HEALTH_DOWN)
                .setLastHeartbeatAt(Timestamps.of(now.minusMillis(2300))).build(), now);
        assertTrue(agent(plan(), AgentOp.AGENT_OP_PROMOTE).isEmpty(), "the primary never served: no failover");
        assertEquals(1, state.getEpoch());

        databaseReady(P, false);
        state = Observe.health(state, InstanceHealth.newBuilder().setInstanceId(P).setHealth(Health.HEALTH_DOWN)
                .setLastHeartbeatAt(Timestamps.of(now.minusMillis(2300))).build(), now);
        assertTrue(agent(plan(), AgentOp.AGENT_OP_PROMOTE).isEmpty(),
                "its replicas never replicated from it (no REPLICATE answered): promoting one would lose everything");
    }

    @Test
    void the_returning_old_primary_rejoins_as_a_replica_or_is_replaced_when_it_diverged() {
        a_down_primary_fails_over_to_the_most_advanced_replica_and_the_writer_name_follows();
        // it comes back (its agent restarted it, read-only) and is told to replicate from the new primary
        health(P, Health.HEALTH_UP, "0-1-20");
        databaseReady(P, true);
        AgentCommand rejoin = onlyAgent(plan(), AgentOp.AGENT_OP_REPLICATE);
        assertEquals(P, rejoin.getInstanceId());
        assertEquals("127.10.0.3", rejoin.getPrimaryAddress());
        assertTrue(agent(last, AgentOp.AGENT_OP_PROMOTE).isEmpty(), "never promoted back on its own");

        failed(rejoin, AgentReason.AGENT_REASON_DIVERGED, "diverged: it holds 0-1-21, which the new primary lacks");
        PlanResult replaced = plan();
        assertTrue(state.getInstancesOrThrow(P).getPlan().getRetiring(), "a diverged instance is rebuilt: retired...");
        assertEquals(1, replaced.sends().stream().filter(c -> c.topic() == Topics.PROVISION_COMMANDS
                && ((dev.marina.schemas.v1.ProvisionCommand) c.value()).getOp() == dev.marina.schemas.v1.ProvisionOp.PROVISION_OP_CREATE)
                .count(), "...and replaced by a new replica: " + replaced.sends());
    }

    /** Provisioner CREATEs of a pass. */
    private static long creates(PlanResult r) {
        return r.sends().stream().filter(c -> c.topic() == Topics.PROVISION_COMMANDS
                && ((dev.marina.schemas.v1.ProvisionCommand) c.value()).getOp() == dev.marina.schemas.v1.ProvisionOp.PROVISION_OP_CREATE)
                .count();
    }

    @Test
    void a_replica_that_cannot_catch_up_is_replaced_not_asked_to_replicate_again() {
        replicatedDeployment();
        // R2 restarts while the primary purged the binlogs it needs: its REPLICATE fails for good
        databaseReady(R2, true);
        state = state.toBuilder().putInstances(R2, state.getInstancesOrThrow(R2).toBuilder().setRoleEpoch(0).build()).build();
        AgentCommand again = onlyAgent(plan(), AgentOp.AGENT_OP_REPLICATE);
        assertEquals(R2, again.getInstanceId());
        failed(again, AgentReason.AGENT_REASON_CANNOT_CATCH_UP,
                "cannot catch up: Got fatal error 1236 from master: the binary logs containing GTIDs it needs have been purged");
        PlanResult replaced = plan();
        assertTrue(state.getInstancesOrThrow(R2).getPlan().getRetiring(), "it must be rebuilt: retired...");
        assertEquals(1, creates(replaced), () -> "...and replaced by a new replica: " + replaced.sends());
        assertTrue(agent(replaced, AgentOp.AGENT_OP_REPLICATE).stream().noneMatch(c -> c.getInstanceId().equals(R2)),
                "never asked to replicate again");
    }

    @Test
    void a_replica_whose_heartbeat_reports_it_cannot_catch_up_is_replaced() {
        replicatedDeployment();
        state = Observe.health(state, InstanceHealth.newBuilder().setInstanceId(R3).setHealth(Health.HEALTH_SUSPECT)
                .setReason("replication broken").setLastHeartbeatAt(Timestamps.of(now))
                .setReplicationError("cannot catch up: binlogs purged")
                .setReplicationFault(ReplicationFault.REPLICATION_FAULT_CANNOT_CATCH_UP).build(), now);
        PlanResult replaced = plan();
        assertTrue(state.getInstancesOrThrow(R3).getPlan().getRetiring());
        assertEquals(1, creates(replaced), () -> replaced.sends().toString());
    }

    @Test
    void a_broken_link_that_may_heal_is_not_a_reason_to_replace_whatever_its_text_says() {
        replicatedDeployment();
        databaseReady(R2, true);
        state = state.toBuilder().putInstances(R2, state.getInstancesOrThrow(R2).toBuilder().setRoleEpoch(0).build()).build();
        AgentCommand again = onlyAgent(plan(), AgentOp.AGENT_OP_REPLICATE);
        failed(again, AgentReason.AGENT_REASON_REPLICATION_BROKEN, "diverged: (only words; the code decides)");
        PlanResult next = plan();
        assertFalse(state.getInstancesOrThrow(R2).getPlan().getRetiring());
        assertEquals(0, creates(next));
    }

    @Test
    void a_primary_back_read_only_after_a_restart_is_promoted_again_at_the_same_epoch() {
        replicatedDeployment();
        databaseReady(P, true);
        AgentCommand promote = onlyAgent(plan(), AgentOp.AGENT_OP_PROMOTE);
        assertEquals(P, promote.getInstanceId());
        assertEquals(1, promote.getEpoch(), "no role change: the same term");
        assertEquals(Phase.PHASE_DEGRADED, state.getPublishedStatus().getPhase(), "read-only until promoted");
        done(promote, "0-1-10");
        plan();
        assertEquals(Phase.PHASE_READY, state.getPublishedStatus().getPhase());
    }

    @Test
    void a_switchover_fences_the_primary_then_promotes_the_target_once_it_has_caught_up() {
        replicatedDeployment();
        state = Observe.desired(state, intent(2, true, 1, R2));
        AgentCommand fence = onlyAgent(plan(), AgentOp.AGENT_OP_FENCE);
        assertEquals(P, fence.getInstanceId());
        assertEquals(2, fence.getEpoch());
        assertEquals(Reasons.SWITCHING_OVER, condition(Reasons.REPLICAS_READY).getReason());

        done(fence, "0-1-33");
        AgentCommand promote = onlyAgent(plan(), AgentOp.AGENT_OP_PROMOTE);
        assertEquals(R2, promote.getInstanceId(), "the requested target");
        assertEquals("0-1-33", promote.getWaitForGtid(), "it applies everything the old primary committed first");

        done(promote, "0-1-33");
        PlanResult after = plan();
        List<String> repointed = agent(after, AgentOp.AGENT_OP_REPLICATE).stream().map(AgentCommand::getInstanceId).sorted().toList();
        assertEquals(List.of(P, R3), repointed, "the old primary and the other replica follow the new one");
        dnsApplied(after);
        RoleChange record = plan().sends().stream().filter(c -> c.topic() == Topics.ROLE_CHANGES)
                .map(c -> (RoleChange) c.value()).findFirst().orElseThrow();
        assertEquals(RoleChangeKind.ROLE_CHANGE_KIND_SWITCHOVER, record.getKind());
        assertEquals(R2, record.getNewPrimary());
        assertEquals(1, state.getSwitchoversServed());
    }

    @Test
    void a_replica_down_for_long_is_replaced_when_the_clock_says_so() {
        replicatedDeployment();
        health(R3, Health.HEALTH_DOWN, "0-1-10");
        plan();
        assertFalse(state.getInstancesOrThrow(R3).getPlan().getRetiring());
        now = now.plus(Duration.ofSeconds(59));
        assertFalse(HaPlanner.timeDue(state, now, SETTINGS));
        now = now.plus(Duration.ofSeconds(1));
        assertTrue(HaPlanner.timeDue(state, now, SETTINGS), "no event comes: the resync must notice");
        assertTrue(planner.needsResync(state, now));
        PlanResult r = plan();
        assertTrue(state.getInstancesOrThrow(R3).getPlan().getRetiring());
        assertEquals(1, r.sends().stream().filter(c -> c.topic() == Topics.PROVISION_COMMANDS
                && ((dev.marina.schemas.v1.ProvisionCommand) c.value()).getOp() == dev.marina.schemas.v1.ProvisionOp.PROVISION_OP_CREATE)
                .count(), "a new replica takes its place");
    }

    @Test
    void scaling_down_retires_the_newest_replica() {
        replicatedDeployment();
        state = Observe.desired(state, intent(1, true, 0, ""));
        PlanResult r = plan();
        assertTrue(state.getInstancesOrThrow(R3).getPlan().getRetiring());
        assertFalse(state.getInstancesOrThrow(R2).getPlan().getRetiring());
        assertEquals(1, agent(r, AgentOp.AGENT_OP_DESTROY).size());
    }

    @Test
    void gtid_positions_compare_per_domain() {
        assertTrue(Gtids.compare("0-1-20", "0-1-18") > 0);
        assertTrue(Gtids.compare("0-1-18", "0-2-20") < 0);
        assertEquals(0, Gtids.compare("0-1-5,1-2-9", "0-1-6,1-2-8"), "each ahead somewhere: neither is a prefix");
        assertTrue(Gtids.compare("0-1-1", "") > 0, "a known position is ahead of an unknown one");
    }
}
