package dev.marina.intent.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.intent.Fixtures;
import dev.marina.schemas.metrics.MetricNames;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.AgentCommand;
import dev.marina.schemas.v1.AgentEvent;
import dev.marina.schemas.v1.AgentOp;
import dev.marina.schemas.v1.AgentOutcome;
import dev.marina.schemas.v1.AutoscaleAction;
import dev.marina.schemas.v1.AutoscaleDecision;
import dev.marina.schemas.v1.AutoscaleMetric;
import dev.marina.schemas.v1.AutoscaleTarget;
import dev.marina.schemas.v1.AutoscalingSpec;
import dev.marina.schemas.v1.BackupRecord;
import dev.marina.schemas.v1.DeploymentMetrics;
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
import dev.marina.schemas.v1.Phase;
import dev.marina.schemas.v1.ProvisionCommand;
import dev.marina.schemas.v1.ProvisionEvent;
import dev.marina.schemas.v1.ProvisionOp;
import dev.marina.schemas.v1.ReconcilerState;
import dev.marina.schemas.v1.Role;
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

/** Readers that follow the load, and a deployment that sleeps when idle and wakes when a client connects. */
class PlannerAutoscaleTest {

    private static final String P = "acme-orders-1";
    private static final String R2 = "acme-orders-2";
    private static final String R3 = "acme-orders-3";
    private static final Map<String, String> ADDRESS = Map.of(P, "127.10.0.1", R2, "127.10.0.2", R3, "127.10.0.3");
    private static final String READER = "ro.orders.acme.marina.test.";
    private static final PlanSettings SETTINGS = PlanSettings.defaults()
            .withDns(new PlanSettings.DnsSettings("marina.test", Duration.ofSeconds(5), Duration.ofSeconds(10)));
    private static final ServerConfig RUNNING = ServerConfig.newBuilder().setVersion("10.11.18-MariaDB-log").setSize(Size.SIZE_SMALL).build();

    private final Planner planner = new Planner(SETTINGS);
    private Instant now = Instant.parse("2026-12-03T10:00:00Z");
    private ReconcilerState state = ReconcilerState.getDefaultInstance();

    private static Intent intent(UnaryOperator<AutoscalingSpec.Builder> autoscaling) {
        DeploymentSpec spec = Fixtures.mariadb().toBuilder().setVersion("10.11.18").setSize(Size.SIZE_SMALL).setReplicas(1)
                .setFailover(FailoverSpec.newBuilder().setAutomatic(true))
                .setAutoscaling(autoscaling.apply(AutoscalingSpec.newBuilder().setMinReplicas(1).setMaxReplicas(3))).build();
        return Intent.newBuilder().setDeployment(Fixtures.ref("acme", "orders")).setGeneration(1).setSpec(spec)
                .setAdminUser("admin").setAdminPassword(SealedSecret.newBuilder().setKeyId("k"))
                .setReplicationPassword(SealedSecret.newBuilder().setKeyId("r")).build();
    }

    private static UnaryOperator<AutoscalingSpec.Builder> cpu(double target) {
        return a -> a.setTarget(AutoscaleTarget.newBuilder().setMetric(AutoscaleMetric.AUTOSCALE_METRIC_CPU_PERCENT).setValue(target));
    }

    private PlanResult plan() {
        PlanResult r = planner.plan(state, now);
        state = r.next();
        return r;
    }

    private void later(Duration d) {
        now = now.plus(d);
    }

    private static List<AgentCommand> agent(PlanResult r, AgentOp op) {
        return r.sends().stream().filter(c -> c.topic() == Topics.AGENT_COMMANDS).map(c -> (AgentCommand) c.value())
                .filter(c -> c.getOp() == op).toList();
    }

    private static List<AutoscaleDecision> decisions(PlanResult r) {
        return r.sends().stream().filter(c -> c.topic() == Topics.AUTOSCALE_DECISIONS).map(c -> (AutoscaleDecision) c.value()).toList();
    }

    private void answer(AgentCommand c, AgentOutcome outcome, UnaryOperator<AgentEvent.Builder> more) {
        state = Observe.agent(state, more.apply(AgentEvent.newBuilder().setInstanceId(c.getInstanceId()).setCommandId(c.getCommandId())
                .setAction(c.getAction()).setOutcome(outcome).setGtidPosition("0-1-10")).build(), now);
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
                .forEach(d -> state = Observe.dns(state, DnsEvent.newBuilder().setCommandId(d.getCommandId()).setAction(d.getAction())
                        .setDeployment(d.getDeployment()).setOutcome(DnsOutcome.DNS_OUTCOME_APPLIED)
                        .addAllRecords(d.getRecordsList()).build()));
    }

    private List<String> readers() {
        return state.getDns().getAppliedList().stream().filter(s -> s.getName().equals(READER)).findFirst()
                .<List<String>>map(DnsRecordSet::getValuesList).orElse(List.of());
    }

    /** An instance's 10-second window. */
    private void cpuOf(String id, double cpu, double connections) {
        state = Observe.metrics(state, DeploymentMetrics.newBuilder().setInstanceId(id).setWindowSeconds(10)
                .setWindowStart(Timestamps.of(now.minusSeconds(10))).setWindowEnd(Timestamps.of(now))
                .putGaugesAvg(MetricNames.CPU_PERCENT, cpu).putGaugesMax(MetricNames.CPU_PERCENT, cpu)
                .putGaugesAvg(MetricNames.CLIENT_CONNECTIONS, connections).putGaugesMax(MetricNames.CLIENT_CONNECTIONS, connections)
                .build());
    }

    /** The deployment-wide window: clients or none. */
    private void clients(double connections, double queries) {
        state = Observe.metrics(state, DeploymentMetrics.newBuilder().setWindowSeconds(10)
                .setWindowStart(Timestamps.of(now.minusSeconds(10))).setWindowEnd(Timestamps.of(now))
                .putGaugesMax(MetricNames.CLIENT_CONNECTIONS, connections).putGaugesMax(MetricNames.CLIENT_QUERIES_PER_SECOND, queries)
                .build());
    }

    /** A new instance made, deployed, replicating, Up, in the names. */
    private void bringUp(List<String> ids) {
        for (String id : ids) {
            state = Observe.provision(state, ProvisionEvent.newBuilder().setInstanceId(id)
                    .setState(InstanceState.INSTANCE_STATE_RUNNING).setAddress(ADDRESS.get(id)).build(), now);
        }
        dnsApplied(plan());
        for (String id : ids) {
            state = Observe.agent(state, AgentEvent.newBuilder().setInstanceId(id).setCommandId("acme/orders/1/deploy/" + id)
                    .setOutcome(AgentOutcome.AGENT_OUTCOME_DATABASE_READY).setEndpoint(ADDRESS.get(id) + ":3306")
                    .setReadOnly(!id.equals(P)).setRunning(RUNNING).build(), now);
        }
        for (AgentCommand c : agent(plan(), AgentOp.AGENT_OP_REPLICATE)) {
            answer(c, AgentOutcome.AGENT_OUTCOME_DONE, e -> e);
        }
        for (String id : state.getInstancesMap().keySet()) {
            health(id, Health.HEALTH_UP);
        }
        dnsApplied(plan());
        dnsApplied(plan());
    }

    private void ready(UnaryOperator<AutoscalingSpec.Builder> autoscaling) {
        state = Observe.desired(state, intent(autoscaling));
        plan();
        bringUp(List.of(P, R2));
        assertEquals(Phase.PHASE_READY, state.getPublishedStatus().getPhase(), () -> state.getPublishedStatus().toString());
    }

    @Test
    void a_sustained_load_adds_a_reader_and_a_sustained_lull_drains_and_removes_only_that_one() {
        ready(cpu(60));
        cpuOf(R2, 90, 40);
        assertTrue(decisions(plan()).isEmpty(), "above the target, not for long yet");
        assertTrue(state.getAutoscale().hasAboveSince());

        later(Duration.ofSeconds(60));
        cpuOf(R2, 90, 40);
        PlanResult out = plan();
        AutoscaleDecision decision = decisions(out).get(0);
        assertEquals(AutoscaleAction.AUTOSCALE_ACTION_SCALE_OUT, decision.getAction());
        assertEquals(1, decision.getReplicasBefore());
        assertEquals(2, decision.getReplicasAfter());
        assertEquals(List.of(R3), decision.getInstancesList());
        assertEquals("cpu_percent 90.0 above target 60.0 for 60 s", decision.getReason());
        assertEquals(90, decision.getObserved());
        assertEquals(60, decision.getTarget());
        assertEquals(List.of(R3), out.sends().stream().filter(s -> s.topic() == Topics.PROVISION_COMMANDS)
                .map(s -> (ProvisionCommand) s.value()).filter(c -> c.getOp() == ProvisionOp.PROVISION_OP_CREATE)
                .map(ProvisionCommand::getInstanceId).toList(), "the new reader is made through the usual path");
        var status = state.getPublishedStatus().getAutoscaling();
        assertEquals(2, status.getReplicas());
        assertEquals(1, status.getAdded());
        assertEquals(decision, status.getLastDecision());

        bringUp(List.of(R3));
        assertTrue(readers().contains(ADDRESS.get(R3)), () -> "the new reader joins the reader name once replicating: " + readers());
        assertEquals(Phase.PHASE_READY, state.getPublishedStatus().getPhase(), () -> state.getPublishedStatus().toString());

        // the load goes: below the target, but a scale-in waits for its own window and the cooldowns
        cpuOf(R2, 10, 3);
        cpuOf(R3, 10, 2);
        assertTrue(decisions(plan()).isEmpty());
        later(Duration.ofSeconds(300));
        cpuOf(R2, 10, 3);
        cpuOf(R3, 10, 2);
        PlanResult in = plan();
        AutoscaleDecision scaleIn = decisions(in).get(0);
        assertEquals(AutoscaleAction.AUTOSCALE_ACTION_SCALE_IN, scaleIn.getAction());
        assertEquals(List.of(R3), scaleIn.getInstancesList(), "only the reader it added");
        assertEquals(2, scaleIn.getReplicasBefore());
        assertEquals(1, scaleIn.getReplicasAfter());
        assertTrue(agent(in, AgentOp.AGENT_OP_DESTROY).isEmpty(), "not before it left the reader name and drained");
        dnsApplied(in);
        assertFalse(readers().contains(ADDRESS.get(R3)), () -> "out of the reader name first: " + readers());
        assertTrue(agent(plan(), AgentOp.AGENT_OP_DESTROY).isEmpty(), "no metrics since it left: not drained yet");
        assertTrue(state.getPublishedStatus().getAutoscaling().getHolding().startsWith("removing " + R3),
                () -> state.getPublishedStatus().getAutoscaling().toString());

        later(Duration.ofSeconds(10));
        cpuOf(R3, 1, 1);
        assertTrue(agent(plan(), AgentOp.AGENT_OP_DESTROY).isEmpty(), "a client is still connected");
        later(Duration.ofSeconds(10));
        cpuOf(R3, 0, 0);
        PlanResult gone = plan();
        assertEquals(List.of(R3), agent(gone, AgentOp.AGENT_OP_DESTROY).stream().map(AgentCommand::getInstanceId).toList(),
                "drained: retired through the usual path");
        assertEquals(0, state.getAutoscale().getAddedReplicas());
        assertEquals("scale-in: drained, no client connection left", state.getInstancesOrThrow(R3).getPlan().getRetireReason());
        assertFalse(state.getInstancesOrThrow(R2).getPlan().getRetiring(), "the spec's replica stays");
    }

    @Test
    void a_removed_reader_that_keeps_its_clients_goes_after_the_drain_timeout() {
        ready(cpu(60));
        cpuOf(R2, 90, 40);
        plan();
        later(Duration.ofSeconds(60));
        cpuOf(R2, 90, 40);
        plan();
        bringUp(List.of(R3));
        later(Duration.ofSeconds(400));
        cpuOf(R2, 5, 1);
        cpuOf(R3, 5, 1);
        plan();
        later(Duration.ofSeconds(300));
        cpuOf(R2, 5, 1);
        cpuOf(R3, 5, 1);
        dnsApplied(plan());
        assertEquals(R3, state.getAutoscale().getRemoving());
        later(SETTINGS.roll().drainTimeout());
        cpuOf(R3, 5, 1);
        assertEquals(1, agent(plan(), AgentOp.AGENT_OP_DESTROY).size());
        assertTrue(state.getInstancesOrThrow(R3).getPlan().getRetireReason().startsWith("scale-in: drain timeout after 30 s"));
    }

    @Test
    void taking_autoscaling_out_of_the_spec_drains_the_readers_it_added() {
        ready(cpu(60));
        cpuOf(R2, 90, 40);
        plan();
        later(Duration.ofSeconds(60));
        cpuOf(R2, 90, 40);
        plan();
        bringUp(List.of(R3));
        Intent current = state.getDesired();
        state = Observe.desired(state, current.toBuilder().setGeneration(2)
                .setSpec(current.getSpec().toBuilder().clearAutoscaling()).build());
        PlanResult r = plan();
        AutoscaleDecision d = decisions(r).get(0);
        assertEquals(AutoscaleAction.AUTOSCALE_ACTION_SCALE_IN, d.getAction());
        assertEquals(List.of(R3), d.getInstancesList());
        assertEquals("autoscaling taken out of the spec: back to spec.replicas", d.getReason());
        assertEquals(R3, state.getAutoscale().getRemoving());
    }

    @Test
    void no_scaling_while_a_roll_runs_or_instances_are_missing() {
        ready(cpu(60));
        health(R2, Health.HEALTH_DOWN);
        cpuOf(P, 95, 10);
        plan();
        later(Duration.ofSeconds(120));
        cpuOf(P, 95, 10);
        assertTrue(decisions(plan()).isEmpty());
        assertEquals("instances missing: 0 of 1 replicas serve reads", state.getPublishedStatus().getAutoscaling().getHolding());
    }

    @Test
    void idle_for_pause_after_idle_pauses_replicas_first_then_the_writer_with_wake_on_connect_and_a_client_wakes_it() {
        ready(a -> a.setPauseAfterIdle("10m"));
        clients(0, 0);
        plan();
        assertTrue(state.getPause().hasIdleSince());
        later(Duration.ofMinutes(10));
        clients(0, 0);
        PlanResult pausing = plan();
        AutoscaleDecision decision = decisions(pausing).get(0);
        assertEquals(AutoscaleAction.AUTOSCALE_ACTION_PAUSE, decision.getAction());
        assertEquals("idle for 10m: no client connection or query", decision.getReason());
        assertEquals(List.of(R2), agent(pausing, AgentOp.AGENT_OP_PAUSE).stream().map(AgentCommand::getInstanceId).toList(),
                "replicas first");
        assertFalse(agent(pausing, AgentOp.AGENT_OP_PAUSE).get(0).getWakeOnConnect());
        assertEquals(Phase.PHASE_PAUSED, state.getPublishedStatus().getPhase());
        assertFalse(state.getPublishedStatus().getPause().getPaused(), "not every server stopped yet");

        answer(agent(pausing, AgentOp.AGENT_OP_PAUSE).get(0), AgentOutcome.AGENT_OUTCOME_DATABASE_STOPPED, e -> e.setPaused(true));
        PlanResult writer = plan();
        AgentCommand pauseWriter = agent(writer, AgentOp.AGENT_OP_PAUSE).get(0);
        assertEquals(P, pauseWriter.getInstanceId());
        assertTrue(pauseWriter.getWakeOnConnect(), "the writer wakes on a client's connection");
        assertEquals(Role.ROLE_PRIMARY, pauseWriter.getRole());
        answer(pauseWriter, AgentOutcome.AGENT_OUTCOME_DATABASE_STOPPED, e -> e.setPaused(true));
        plan();
        var pause = state.getPublishedStatus().getPause();
        assertTrue(pause.getPaused());
        assertEquals("idle for 10m: no client connection or query", pause.getReason());
        assertEquals(now.minus(Duration.ofMinutes(0)), Timestamps.toInstant(pause.getPausedAt()));

        // stopped on purpose: health says so, and no failover, no re-deploy, no replacement follows
        health(P, Health.HEALTH_PAUSED);
        health(R2, Health.HEALTH_PAUSED);
        later(Duration.ofMinutes(5));
        PlanResult quiet = plan();
        assertTrue(agent(quiet, AgentOp.AGENT_OP_PROMOTE).isEmpty(), "no failover of a paused primary");
        assertTrue(agent(quiet, AgentOp.AGENT_OP_DEPLOY).isEmpty(), "a paused server is not deployed again");
        assertTrue(quiet.sends().stream().noneMatch(s -> s.topic() == Topics.PROVISION_COMMANDS), "nothing added or replaced");
        assertEquals(Phase.PHASE_PAUSED, state.getPublishedStatus().getPhase());
        health(P, Health.HEALTH_DOWN); // even a Down record while paused (an older health-monitor) fails nothing over
        later(Duration.ofMinutes(5));
        assertTrue(agent(plan(), AgentOp.AGENT_OP_PROMOTE).isEmpty());
        assertFalse(HaPlanner.timeDue(state, now, SETTINGS), "the resync does not wake the failover either");

        // a client connects to the writer: the agent started it and says so
        state = Observe.agent(state, AgentEvent.newBuilder().setInstanceId(P).setOutcome(AgentOutcome.AGENT_OUTCOME_DATABASE_READY)
                .setWoken(true).setEndpoint(ADDRESS.get(P) + ":3306").setEpoch(state.getEpoch()).build(), now);
        health(P, Health.HEALTH_UP);
        PlanResult resuming = plan();
        AutoscaleDecision resume = decisions(resuming).get(0);
        assertEquals(AutoscaleAction.AUTOSCALE_ACTION_RESUME, resume.getAction());
        assertEquals("a client connected to the writer", resume.getReason());
        assertEquals(List.of(R2), agent(resuming, AgentOp.AGENT_OP_RESUME).stream().map(AgentCommand::getInstanceId).toList(),
                "the woken writer is not resumed again; the replicas are");
        assertEquals(Phase.PHASE_RESUMING, state.getPublishedStatus().getPhase());
        answer(agent(resuming, AgentOp.AGENT_OP_RESUME).get(0), AgentOutcome.AGENT_OUTCOME_DATABASE_READY,
                e -> e.setReadOnly(true).setEndpoint(ADDRESS.get(R2) + ":3306"));
        health(R2, Health.HEALTH_UP);
        dnsApplied(plan());
        dnsApplied(plan());
        assertEquals(Phase.PHASE_READY, state.getPublishedStatus().getPhase(), () -> state.getPublishedStatus().toString());
        assertEquals("a client connected to the writer", state.getPublishedStatus().getPause().getResumeReason());
        assertFalse(state.getPublishedStatus().getPause().getPaused());

        // idle windows from before the resume do not pause it again
        state = Observe.metrics(state, DeploymentMetrics.newBuilder().setWindowSeconds(60)
                .setWindowStart(Timestamps.of(now.minus(Duration.ofMinutes(20)))).setWindowEnd(Timestamps.of(now.minusSeconds(1)))
                .putGaugesMax(MetricNames.CLIENT_CONNECTIONS, 0).putGaugesMax(MetricNames.CLIENT_QUERIES_PER_SECOND, 0).build());
        later(Duration.ofSeconds(1));
        clients(0, 0);
        plan();
        assertFalse(state.getPause().getWanted(), "idle time starts at the resume");
        assertEquals(now.minusSeconds(1), Timestamps.toInstant(state.getPause().getIdleSince()));
    }

    @Test
    void a_requested_pause_waits_for_a_running_backup_and_a_requested_resume_starts_the_writer_first() {
        ready(a -> a);
        state = state.toBuilder().setBackups(state.getBackups().toBuilder()
                .setCurrent(BackupRecord.newBuilder().setBackupId("b-1")).setCurrentSource(R2)).build();
        Intent current = state.getDesired();
        state = Observe.desired(state, current.toBuilder().setPauseRequests(1).setPauseRequested(true).build());
        PlanResult held = plan();
        assertTrue(agent(held, AgentOp.AGENT_OP_PAUSE).isEmpty());
        assertEquals("pause requested; waits: a backup runs (b-1)", state.getPublishedStatus().getPause().getReason());
        assertFalse(state.getPublishedStatus().getPhase() == Phase.PHASE_PAUSED);

        state = state.toBuilder().setBackups(state.getBackups().toBuilder().clearCurrent().clearCurrentSource()).build();
        PlanResult pausing = plan();
        assertEquals("requested", decisions(pausing).get(0).getReason());
        answer(agent(pausing, AgentOp.AGENT_OP_PAUSE).get(0), AgentOutcome.AGENT_OUTCOME_DATABASE_STOPPED, e -> e.setPaused(true));
        answer(agent(plan(), AgentOp.AGENT_OP_PAUSE).get(0), AgentOutcome.AGENT_OUTCOME_DATABASE_STOPPED, e -> e.setPaused(true));
        plan();
        assertTrue(state.getPause().getPaused());

        state = Observe.desired(state, state.getDesired().toBuilder().setPauseRequests(2).setPauseRequested(false).build());
        PlanResult resuming = plan();
        assertEquals("requested", decisions(resuming).get(0).getReason());
        assertEquals(List.of(P), agent(resuming, AgentOp.AGENT_OP_RESUME).stream().map(AgentCommand::getInstanceId).toList(),
                "the writer first");
        answer(agent(resuming, AgentOp.AGENT_OP_RESUME).get(0), AgentOutcome.AGENT_OUTCOME_DATABASE_READY,
                e -> e.setEndpoint(ADDRESS.get(P) + ":3306"));
        assertEquals(List.of(R2), agent(plan(), AgentOp.AGENT_OP_RESUME).stream().map(AgentCommand::getInstanceId).toList(),
                "then the replicas");
    }

    @Test
    void a_scheduled_backup_slot_that_comes_while_paused_is_skipped() {
        ready(a -> a);
        state = Observe.desired(state, state.getDesired().toBuilder().setPauseRequests(1).setPauseRequested(true).build());
        answer(agent(plan(), AgentOp.AGENT_OP_PAUSE).get(0), AgentOutcome.AGENT_OUTCOME_DATABASE_STOPPED, e -> e.setPaused(true));
        answer(agent(plan(), AgentOp.AGENT_OP_PAUSE).get(0), AgentOutcome.AGENT_OUTCOME_DATABASE_STOPPED, e -> e.setPaused(true));
        plan();
        Intent paused = state.getDesired();
        state = Observe.desired(state, paused.toBuilder().setBackupKey(SealedSecret.newBuilder().setKeyId("b"))
                .setSpec(paused.getSpec().toBuilder().setBackups(dev.marina.schemas.v1.BackupSpec.newBuilder()
                        .setSchedule("0 * * * *").setRetentionDays(7))).build());
        later(Duration.ofHours(1));
        PlanResult r = plan();
        assertTrue(agent(r, AgentOp.AGENT_OP_BACKUP).isEmpty(), "nothing changes while paused: no backup");
        assertFalse(state.getBackups().hasCurrent());
        assertEquals(Instant.parse("2026-12-03T11:00:00Z"), Timestamps.toInstant(state.getBackups().getLastSlot()), "the slot is served");
        assertEquals(Phase.PHASE_PAUSED, state.getPublishedStatus().getPhase());
    }

    @Test
    void an_apply_resumes_a_paused_deployment() {
        ready(a -> a);
        state = Observe.desired(state, state.getDesired().toBuilder().setPauseRequests(1).setPauseRequested(true).build());
        answer(agent(plan(), AgentOp.AGENT_OP_PAUSE).get(0), AgentOutcome.AGENT_OUTCOME_DATABASE_STOPPED, e -> e.setPaused(true));
        answer(agent(plan(), AgentOp.AGENT_OP_PAUSE).get(0), AgentOutcome.AGENT_OUTCOME_DATABASE_STOPPED, e -> e.setPaused(true));
        plan();
        state = Observe.desired(state, state.getDesired().toBuilder().setGeneration(2).build());
        PlanResult r = plan();
        assertEquals("spec applied", decisions(r).get(0).getReason());
        assertEquals(List.of(P), agent(r, AgentOp.AGENT_OP_RESUME).stream().map(AgentCommand::getInstanceId).toList());
    }
}
