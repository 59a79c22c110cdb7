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
import dev.marina.schemas.v1.Condition;
import dev.marina.schemas.v1.DeploymentStatus;
import dev.marina.schemas.v1.Health;
import dev.marina.schemas.v1.InstanceHealth;
import dev.marina.schemas.v1.InstanceState;
import dev.marina.schemas.v1.Intent;
import dev.marina.schemas.v1.Phase;
import dev.marina.schemas.v1.ProvisionCommand;
import dev.marina.schemas.v1.ProvisionEvent;
import dev.marina.schemas.v1.ProvisionOp;
import dev.marina.schemas.v1.ReconcilerState;
import dev.marina.schemas.v1.SealedSecret;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The reconciler's decisions, one deployment's life at a time, without Kafka. */
class PlannerTest {

    private static final String ID = "acme-orders-1";
    private final Planner planner = new Planner(PlanSettings.defaults());
    private Instant now = Instant.parse("2026-11-21T10:00:00Z");
    private ReconcilerState state = ReconcilerState.getDefaultInstance();
    private PlanResult last;

    private Intent intent(long generation, boolean deleted, int replicas) {
        return Intent.newBuilder().setDeployment(Fixtures.ref("acme", "orders")).setGeneration(generation)
                .setSpec(Fixtures.mariadb().toBuilder().setReplicas(replicas)).setDeleted(deleted)
                .setAdminUser("admin").setAdminPassword(SealedSecret.newBuilder().setKeyId("k")).build();
    }

    private PlanResult plan() {
        last = planner.plan(state, now);
        state = last.next();
        return last;
    }

    private PlanResult desire(Intent intent) {
        state = Observe.desired(state, intent);
        return plan();
    }

    private PlanResult provisioned(InstanceState s) {
        state = Observe.provision(state, ProvisionEvent.newBuilder().setInstanceId(ID).setState(s).setAddress("127.10.0.1").build(), now);
        return plan();
    }

    private PlanResult agent(AgentOutcome outcome) {
        state = Observe.agent(state, AgentEvent.newBuilder().setInstanceId(ID).setOutcome(outcome).setEndpoint("127.10.0.1:3306")
                .setReason("boom").build(), now);
        return plan();
    }

    private PlanResult health(Health h) {
        state = Observe.health(state, InstanceHealth.newBuilder().setInstanceId(ID).setHealth(h).setReason("because").build(), now);
        return plan();
    }

    private void after(Duration d) {
        now = now.plus(d);
    }

    private Phase phase() {
        return state.getPublishedStatus().getPhase();
    }

    private static ProvisionCommand onlyProvision(PlanResult r) {
        assertEquals(1, r.sends().size(), () -> "commands: " + r.sends());
        assertEquals(Topics.PROVISION_COMMANDS, r.sends().get(0).topic());
        return (ProvisionCommand) r.sends().get(0).value();
    }

    private static AgentCommand onlyAgent(PlanResult r) {
        assertEquals(1, r.sends().size(), () -> "commands: " + r.sends());
        assertEquals(Topics.AGENT_COMMANDS, r.sends().get(0).topic());
        return (AgentCommand) r.sends().get(0).value();
    }

    private Condition condition(String type) {
        return state.getPublishedStatus().getConditionsList().stream().filter(c -> c.getType().equals(type)).findFirst().orElseThrow();
    }

    @Test
    void does_nothing_without_a_desired_state() {
        PlanResult r = plan();
        assertEquals(List.of(), r.sends());
        assertTrue(r.status().isEmpty());
    }

    @Test
    void a_new_deployment_asks_for_one_primary_instance_and_is_pending() {
        ProvisionCommand create = onlyProvision(desire(intent(1, false, 0)));
        assertEquals(ProvisionOp.PROVISION_OP_CREATE, create.getOp());
        assertEquals(ID, create.getInstanceId());
        assertEquals("acme/orders/1/create/" + ID, create.getCommandId());
        assertEquals(Phase.PHASE_PENDING, phase());
        assertEquals(1, state.getPublishedStatus().getObservedGeneration());
    }

    @Test
    void the_create_carries_the_deploy_to_hand_to_the_agent_at_launch() {
        ProvisionCommand create = onlyProvision(desire(intent(1, false, 0)));
        AgentCommand first = create.getFirstCommand();
        assertEquals(AgentOp.AGENT_OP_DEPLOY, first.getOp());
        assertEquals(ID, first.getInstanceId());
        assertEquals("acme/orders/1/deploy/" + ID, first.getCommandId());
        assertEquals("k", first.getAdminPassword().getKeyId(), "sealed, as on the topic");
        AgentCommand onTopic = onlyAgent(provisioned(InstanceState.INSTANCE_STATE_RUNNING));
        assertEquals(first.getCommandId(), onTopic.getCommandId(), "the agent sees a repeat, not a second request");
    }

    @Test
    void a_burst_of_replans_sends_nothing_while_the_command_is_in_flight() {
        desire(intent(1, false, 0));
        for (int i = 0; i < 5; i++) {
            after(Duration.ofSeconds(1));
            assertEquals(List.of(), plan().sends());
        }
        assertFalse(planner.needsResync(state, now));
    }

    @Test
    void a_command_without_effect_is_sent_again_with_the_same_id_after_a_doubling_wait() {
        String id = onlyProvision(desire(intent(1, false, 0))).getCommandId();
        after(Duration.ofSeconds(30));
        assertTrue(planner.needsResync(state, now));
        assertEquals(id, onlyProvision(plan()).getCommandId());
        after(Duration.ofSeconds(59));
        assertEquals(List.of(), plan().sends(), "second wait is 60 s");
        after(Duration.ofSeconds(1));
        assertEquals(id, onlyProvision(plan()).getCommandId());
        assertEquals(3, state.getInFlightMap().get("create/" + ID).getAttempts());
    }

    @Test
    void a_running_instance_gets_the_database_deployed_with_the_sealed_password() {
        desire(intent(1, false, 0));
        AgentCommand deploy = onlyAgent(provisioned(InstanceState.INSTANCE_STATE_RUNNING));
        assertEquals(AgentOp.AGENT_OP_DEPLOY, deploy.getOp());
        assertEquals("10.11", deploy.getVersion());
        assertEquals("admin", deploy.getAdminUser());
        assertEquals("k", deploy.getAdminPassword().getKeyId());
        assertFalse(state.getInFlightMap().containsKey("create/" + ID));
        assertEquals(Phase.PHASE_PROVISIONING, phase());
    }

    @Test
    void ready_needs_the_database_up_and_a_healthy_heartbeat() {
        desire(intent(1, false, 0));
        provisioned(InstanceState.INSTANCE_STATE_RUNNING);
        assertEquals(List.of(), agent(AgentOutcome.AGENT_OUTCOME_DATABASE_READY).sends());
        assertEquals(Phase.PHASE_PROVISIONING, phase());
        assertEquals("NoHealthReportYet", condition(Reasons.HEALTHY).getReason());
        health(Health.HEALTH_UP);
        assertEquals(Phase.PHASE_READY, phase());
        assertEquals("127.10.0.1", state.getPublishedStatus().getEndpoints(0).getHost());
        assertEquals(3306, state.getPublishedStatus().getEndpoints(0).getPort());
        assertTrue(state.getInFlightMap().isEmpty());
    }

    @Test
    void a_down_instance_makes_the_deployment_degraded_and_its_recovery_ready_again() {
        desire(intent(1, false, 0));
        provisioned(InstanceState.INSTANCE_STATE_RUNNING);
        agent(AgentOutcome.AGENT_OUTCOME_DATABASE_READY);
        health(Health.HEALTH_UP);
        health(Health.HEALTH_DOWN);
        assertEquals(Phase.PHASE_DEGRADED, phase());
        assertEquals("Down", condition(Reasons.HEALTHY).getReason());
        provisioned(InstanceState.INSTANCE_STATE_RESTARTING);
        assertEquals(Phase.PHASE_DEGRADED, phase(), "a database that served before is degraded, not provisioning");
        AgentCommand redeploy = onlyAgent(provisioned(InstanceState.INSTANCE_STATE_RUNNING));
        assertEquals(AgentOp.AGENT_OP_DEPLOY, redeploy.getOp());
        agent(AgentOutcome.AGENT_OUTCOME_DATABASE_READY);
        health(Health.HEALTH_UP);
        assertEquals(Phase.PHASE_READY, phase());
    }

    @Test
    void a_health_report_from_before_the_database_first_served_does_not_make_it_degraded() {
        desire(intent(1, false, 0));
        provisioned(InstanceState.INSTANCE_STATE_RUNNING);
        health(Health.HEALTH_SUSPECT); // heartbeats say "database unreachable" while it starts
        agent(AgentOutcome.AGENT_OUTCOME_DATABASE_READY);
        assertEquals(Phase.PHASE_PROVISIONING, phase());
        health(Health.HEALTH_UP);
        assertEquals(Phase.PHASE_READY, phase());
        health(Health.HEALTH_SUSPECT);
        assertEquals(Phase.PHASE_DEGRADED, phase());
    }

    @Test
    void status_is_published_only_when_it_changes() {
        desire(intent(1, false, 0));
        after(Duration.ofSeconds(1));
        assertTrue(plan().status().isEmpty());
    }

    @Test
    void delete_stops_the_database_then_removes_the_instance_then_purges() {
        desire(intent(1, false, 0));
        provisioned(InstanceState.INSTANCE_STATE_RUNNING);
        agent(AgentOutcome.AGENT_OUTCOME_DATABASE_READY);
        health(Health.HEALTH_UP);

        AgentCommand stop = onlyAgent(desire(intent(2, true, 0)));
        assertEquals(AgentOp.AGENT_OP_DESTROY, stop.getOp());
        assertEquals(Phase.PHASE_DELETING, phase());
        assertEquals(ProvisionOp.PROVISION_OP_DESTROY, onlyProvision(agent(AgentOutcome.AGENT_OUTCOME_DATABASE_STOPPED)).getOp());
        PlanResult gone = provisioned(InstanceState.INSTANCE_STATE_DESTROYED);
        assertTrue(gone.purge());
        assertEquals(Phase.PHASE_DELETED, gone.status().orElseThrow().getPhase());
        assertEquals(2, gone.status().get().getObservedGeneration());
    }

    @Test
    void delete_goes_on_without_an_agent_that_does_not_answer() {
        desire(intent(1, false, 0));
        provisioned(InstanceState.INSTANCE_STATE_RUNNING);
        onlyAgent(desire(intent(2, true, 0)));
        after(Duration.ofSeconds(20));
        assertEquals(AgentOp.AGENT_OP_DESTROY, onlyAgent(plan()).getOp());
        after(Duration.ofSeconds(40));
        assertEquals(ProvisionOp.PROVISION_OP_DESTROY, onlyProvision(plan()).getOp());
    }

    @Test
    void delete_before_the_instance_was_provisioned_removes_it_at_the_provisioner() {
        desire(intent(1, false, 0));
        assertEquals(ProvisionOp.PROVISION_OP_DESTROY, onlyProvision(desire(intent(2, true, 0))).getOp());
        assertFalse(state.getInFlightMap().containsKey("create/" + ID));
    }

    @Test
    void retries_exhausted_show_as_failed_with_the_reason_and_go_on_slowly() {
        desire(intent(1, false, 0));
        for (int i = 0; i < 4; i++) {
            after(Duration.ofMinutes(5));
            onlyProvision(plan());
        }
        assertEquals(Phase.PHASE_FAILED, phase());
        assertTrue(state.getPublishedStatus().getLastError().contains("create/" + ID), state.getPublishedStatus().getLastError());
        after(Duration.ofMinutes(5));
        onlyProvision(plan());
    }

    @Test
    void a_provisioning_failure_is_shown_with_its_reason() {
        desire(intent(1, false, 0));
        state = Observe.provision(state, ProvisionEvent.newBuilder().setInstanceId(ID)
                .setState(InstanceState.INSTANCE_STATE_FAILED).setReason("no address left").build(), now);
        plan();
        assertEquals("ProvisioningFailed", condition(Reasons.INSTANCE_PROVISIONED).getReason());
        assertEquals("provisioning failed: no address left", state.getPublishedStatus().getLastError());
    }

    @Test
    void requested_replicas_wait_for_the_primary_and_are_reported() {
        desire(intent(1, false, 2));
        Condition replicas = condition(Reasons.REPLICAS_READY);
        assertFalse(replicas.getStatus());
        assertEquals(Reasons.WAITING_FOR_PRIMARY, replicas.getReason());
        assertEquals("0 of 2 replicas replicate", replicas.getMessage());
    }

    @Test
    void events_about_unknown_instances_are_ignored() {
        desire(intent(1, false, 0));
        ReconcilerState before = state;
        state = Observe.provision(state, ProvisionEvent.newBuilder().setInstanceId("acme-orders-9")
                .setState(InstanceState.INSTANCE_STATE_RUNNING).build(), now);
        assertEquals(before, state);
    }

    @Test
    void condition_transition_times_stay_while_nothing_changes() {
        desire(intent(1, false, 0));
        Condition first = condition(Reasons.HEALTHY);
        after(Duration.ofSeconds(10));
        provisioned(InstanceState.INSTANCE_STATE_RUNNING);
        assertEquals(first.getLastTransitionAt(), condition(Reasons.HEALTHY).getLastTransitionAt());
        DeploymentStatus status = state.getPublishedStatus();
        assertTrue(condition(Reasons.INSTANCE_PROVISIONED).getStatus(), status.toString());
    }
}
