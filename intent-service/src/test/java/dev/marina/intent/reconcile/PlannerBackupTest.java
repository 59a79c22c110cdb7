package dev.marina.intent.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.marina.intent.Fixtures;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.AgentCommand;
import dev.marina.schemas.v1.AgentEvent;
import dev.marina.schemas.v1.AgentOp;
import dev.marina.schemas.v1.AgentOutcome;
import dev.marina.schemas.v1.AgentReason;
import dev.marina.schemas.v1.BackupManifest;
import dev.marina.schemas.v1.BackupRecord;
import dev.marina.schemas.v1.BackupSource;
import dev.marina.schemas.v1.BackupSpec;
import dev.marina.schemas.v1.BackupState;
import dev.marina.schemas.v1.BackupTrigger;
import dev.marina.schemas.v1.Condition;
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
import dev.marina.service.Timestamps;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** Scheduled, on-demand and final backups: who takes them, retries, the catalogue and the status. */
class PlannerBackupTest {

    private static final String P = "acme-orders-1";
    private static final String R = "acme-orders-2";
    private static final Map<String, String> ADDRESS = Map.of(P, "127.10.0.1", R, "127.10.0.2");
    private static final SealedSecret KEY = SealedSecret.newBuilder().setKeyId("k")
            .setNonce(ByteString.copyFromUtf8("n")).setCiphertext(ByteString.copyFromUtf8("backup-key")).build();

    private final Planner planner = new Planner(PlanSettings.defaults());
    private Instant now = Instant.parse("2026-12-02T10:00:00Z");
    private ReconcilerState state = ReconcilerState.getDefaultInstance();
    private PlanResult last;

    private static Intent intent(int replicas, UnaryOperator<BackupSpec.Builder> backups) {
        return Intent.newBuilder().setDeployment(Fixtures.ref("acme", "orders")).setGeneration(1)
                .setSpec(Fixtures.mariadb().toBuilder().setReplicas(replicas)
                        .setBackups(backups.apply(BackupSpec.newBuilder())))
                .setAdminUser("admin").setAdminPassword(SealedSecret.newBuilder().setKeyId("a"))
                .setReplicationPassword(SealedSecret.newBuilder().setKeyId("r"))
                .setBackupKey(KEY).build();
    }

    private PlanResult plan() {
        last = planner.plan(state, now);
        state = last.next();
        // the primary acknowledges how it archives its binary logs at once (PlannerArchiveTest covers that exchange)
        last.sends().stream().filter(c -> c.topic() == Topics.AGENT_COMMANDS).map(c -> (AgentCommand) c.value())
                .filter(c -> c.getOp() == AgentOp.AGENT_OP_ARCHIVE_BINLOGS)
                .forEach(c -> state = Observe.agent(state, AgentEvent.newBuilder().setInstanceId(c.getInstanceId())
                        .setCommandId(c.getCommandId()).setAction(c.getAction()).setOutcome(AgentOutcome.AGENT_OUTCOME_DONE)
                        .build(), now));
        return last;
    }

    private List<AgentCommand> backups(PlanResult r) {
        return r.sends().stream().filter(c -> c.topic() == Topics.AGENT_COMMANDS).map(c -> (AgentCommand) c.value())
                .filter(c -> c.getOp() == AgentOp.AGENT_OP_BACKUP).toList();
    }

    private AgentCommand onlyBackup(PlanResult r) {
        List<AgentCommand> found = backups(r);
        assertEquals(1, found.size(), () -> "one BACKUP in " + r.sends());
        return found.get(0);
    }

    private List<BackupRecord> catalogue(PlanResult r) {
        return r.sends().stream().filter(c -> c.topic() == Topics.BACKUPS).map(c -> (BackupRecord) c.value()).toList();
    }

    private Condition backupsHealthy() {
        return state.getPublishedStatus().getConditionsList().stream().filter(c -> c.getType().equals(Reasons.BACKUPS_HEALTHY))
                .findFirst().orElseThrow(() -> new AssertionError("no BackupsHealthy in " + state.getPublishedStatus()));
    }

    /** A primary (and replica, when asked) serving and healthy; the replica replicating from the primary. */
    private void serving(Intent intent) {
        state = Observe.desired(state, intent);
        plan();
        for (String id : intent.getSpec().getReplicas() == 0 ? List.of(P) : List.of(P, R)) {
            state = Observe.provision(state, ProvisionEvent.newBuilder().setInstanceId(id)
                    .setState(InstanceState.INSTANCE_STATE_RUNNING).setAddress(ADDRESS.get(id)).build(), now);
            state = Observe.agent(state, AgentEvent.newBuilder().setInstanceId(id).setCommandId("acme/orders/1/deploy/" + id)
                    .setOutcome(AgentOutcome.AGENT_OUTCOME_DATABASE_READY).setEndpoint(ADDRESS.get(id) + ":3306")
                    .setReadOnly(!id.equals(P)).build(), now);
            state = Observe.health(state, InstanceHealth.newBuilder().setInstanceId(id).setHealth(Health.HEALTH_UP)
                    .setGtidPosition("0-1-10").setLastHeartbeatAt(Timestamps.of(now)).build(), now);
        }
        PlanResult r = plan();
        r.sends().stream().filter(c -> c.topic() == Topics.AGENT_COMMANDS).map(c -> (AgentCommand) c.value())
                .filter(c -> c.getOp() == AgentOp.AGENT_OP_REPLICATE)
                .forEach(c -> state = Observe.agent(state, AgentEvent.newBuilder().setInstanceId(c.getInstanceId())
                        .setCommandId(c.getCommandId()).setAction(c.getAction()).setOutcome(AgentOutcome.AGENT_OUTCOME_DONE)
                        .setGtidPosition("0-1-10").build(), now));
        if (state.getPublishedStatus().getPhase() != Phase.PHASE_READY) {
            plan(); // the replica's confirmation makes it Ready
        }
        assertEquals(Phase.PHASE_READY, state.getPublishedStatus().getPhase(), () -> state.getPublishedStatus().toString());
    }

    private void done(AgentCommand c) {
        state = Observe.agent(state, AgentEvent.newBuilder().setInstanceId(c.getInstanceId()).setCommandId(c.getCommandId())
                .setAction(c.getAction()).setOutcome(AgentOutcome.AGENT_OUTCOME_DONE)
                .setBackup(BackupManifest.newBuilder().setBackupId(c.getBackupId()).setInstanceId(c.getInstanceId())
                        .setGtidPosition("0-1-10").setFinishedAt(Timestamps.of(now)).setStoredBytes(1234))
                .build(), now);
    }

    private void failed(AgentCommand c, String reason) {
        state = Observe.agent(state, AgentEvent.newBuilder().setInstanceId(c.getInstanceId()).setCommandId(c.getCommandId())
                .setAction(c.getAction()).setOutcome(AgentOutcome.AGENT_OUTCOME_FAILED)
                .setReasonCode(AgentReason.AGENT_REASON_OBJECT_STORE_ERROR).setReason(reason).build(), now);
    }

    @Test
    void the_first_backup_is_taken_from_the_replica_once_it_serves_and_completes_with_the_manifest() {
        serving(intent(1, b -> b.setSchedule("nightly").setRetentionDays(7)));
        PlanResult started = plan();
        AgentCommand backup = onlyBackup(started);
        assertEquals(R, backup.getInstanceId(), "a healthy replica, not the primary");
        assertEquals(KEY, backup.getBackupKey());
        assertTrue(backup.getBackupKeyId().startsWith("bk-"), backup.getBackupKeyId());
        assertEquals(List.of(BackupState.BACKUP_STATE_RUNNING), catalogue(started).stream().map(BackupRecord::getState).toList());
        assertEquals(Reasons.BACKUP_RUNNING, backupsHealthy().getReason());
        assertFalse(backupsHealthy().getStatus());
        assertEquals(Phase.PHASE_READY, state.getPublishedStatus().getPhase(), "backups do not hold up the phase");

        assertTrue(backups(plan()).isEmpty(), "one attempt in flight: no repeat before its timeout");
        now = now.plusSeconds(40);
        done(backup);
        PlanResult completed = plan();
        BackupRecord record = catalogue(completed).get(0);
        assertEquals(BackupState.BACKUP_STATE_COMPLETE, record.getState());
        assertEquals("0-1-10", record.getManifest().getGtidPosition());
        assertEquals(7, record.getRetentionDays());
        assertEquals(BackupTrigger.BACKUP_TRIGGER_SCHEDULED, record.getTrigger());
        assertEquals("acme/orders#" + backup.getBackupId(), completed.sends().stream()
                .filter(s -> s.topic() == Topics.BACKUPS).findFirst().orElseThrow().key(), "the catalogue's own key");
        assertTrue(backupsHealthy().getStatus());
        assertEquals(Reasons.BACKUP_TAKEN, backupsHealthy().getReason());
        assertEquals(record.getBackupId(), state.getPublishedStatus().getLatestBackup().getBackupId());
        assertFalse(state.getPublishedStatus().getLatestBackup().hasKey(), "the status never carries the key");
        assertEquals(record.getManifest().getFinishedAt(), state.getPublishedStatus().getLatestRestorableTime());
        assertTrue(backups(plan()).isEmpty(), "nothing due until the next slot");
    }

    @Test
    void each_slot_of_the_schedule_is_served_once_even_when_passes_come_late() {
        serving(intent(0, b -> b.setSchedule("hourly")));
        AgentCommand first = onlyBackup(plan());
        assertEquals(P, first.getInstanceId(), "no replica: the primary");
        done(first);
        plan();
        now = Instant.parse("2026-12-02T10:59:00Z");
        assertFalse(planner.needsResync(state, now));
        assertTrue(backups(plan()).isEmpty());
        now = Instant.parse("2026-12-02T13:05:00Z");
        assertTrue(planner.needsResync(state, now), "a slot passed");
        AgentCommand late = onlyBackup(plan());
        assertEquals("s-20261202-1300", late.getBackupId(), "the latest slot, once; the missed ones are not made up");
        done(late);
        plan();
        now = now.plusSeconds(60);
        assertTrue(backups(plan()).isEmpty());
    }

    @Test
    void a_failed_attempt_is_retried_with_backoff_and_recorded_failed_after_the_attempts() {
        serving(intent(0, b -> b.setSchedule("nightly")));
        AgentCommand first = onlyBackup(plan());
        int attempts = PlanSettings.defaults().backups().attempts();
        for (int attempt = 1; attempt < attempts; attempt++) {
            failed(first, "object store at http://127.0.0.1:9 unreachable");
            PlanResult after = plan();
            assertEquals(BackupState.BACKUP_STATE_RUNNING, catalogue(after).get(0).getState(), "retrying");
            assertEquals(attempt, catalogue(after).get(0).getAttempts());
            assertTrue(backups(after).isEmpty(), "waits before trying again");
            assertEquals(Reasons.BACKUP_RETRYING, backupsHealthy().getReason());
            assertTrue(backupsHealthy().getMessage().contains("unreachable"), backupsHealthy().getMessage());
            now = now.plus(PlanSettings.defaults().maxBackoff());
            assertTrue(planner.needsResync(state, now));
            AgentCommand again = onlyBackup(plan());
            assertEquals(first.getBackupId(), again.getBackupId(), "the same backup");
            first = again;
        }
        failed(first, "object store at http://127.0.0.1:9 unreachable");
        PlanResult gaveUp = plan();
        assertEquals(BackupState.BACKUP_STATE_FAILED, catalogue(gaveUp).get(0).getState());
        assertFalse(backupsHealthy().getStatus());
        assertEquals(Reasons.BACKUP_FAILING, backupsHealthy().getReason());
        assertTrue(backupsHealthy().getMessage().startsWith("1 backup failed in a row"), backupsHealthy().getMessage());
    }

    @Test
    void an_on_demand_backup_takes_the_request_id_and_source_primary_is_honoured() {
        serving(intent(1, b -> b.setSource(BackupSource.BACKUP_SOURCE_PRIMARY)));
        assertTrue(backups(plan()).isEmpty(), "no schedule, no request: no backup");
        assertTrue(state.getPublishedStatus().getConditionsList().stream().noneMatch(c -> c.getType().equals(Reasons.BACKUPS_HEALTHY)),
                "no BackupsHealthy for a deployment without backups");
        state = Observe.desired(state, state.getDesired().toBuilder().setBackupsRequested(1).setBackupRequestId("before-upgrade").build());
        AgentCommand backup = onlyBackup(plan());
        assertEquals("before-upgrade", backup.getBackupId());
        assertEquals(P, backup.getInstanceId());
        assertEquals(BackupTrigger.BACKUP_TRIGGER_ON_DEMAND, catalogue(last).get(0).getTrigger());
        done(backup);
        plan();
        assertTrue(backups(plan()).isEmpty(), "served once");

        state = Observe.desired(state, state.getDesired().toBuilder()
                .setSpec(state.getDesired().getSpec().toBuilder().setBackups(BackupSpec.newBuilder().setSchedule("nightly"))).build());
        assertEquals(BackupTrigger.BACKUP_TRIGGER_SCHEDULED, catalogue(plan()).get(0).getTrigger(),
                "a schedule added later starts at once, though an on-demand backup exists");
    }

    @Test
    void a_delete_waits_for_the_final_backup_then_retires_the_instances() {
        serving(intent(0, b -> b.setSchedule("nightly")));
        done(onlyBackup(plan()));
        plan();
        state = Observe.desired(state, state.getDesired().toBuilder().setDeleted(true).setGeneration(2).build());
        PlanResult deleting = plan();
        AgentCommand last = onlyBackup(deleting);
        assertTrue(last.getBackupId().startsWith("final-"), last.getBackupId());
        assertTrue(deleting.sends().stream().noneMatch(s -> s.topic() == Topics.AGENT_COMMANDS
                && ((AgentCommand) s.value()).getOp() == AgentOp.AGENT_OP_DESTROY), "nothing is destroyed before the final backup");
        done(last);
        PlanResult retiring = plan();
        assertEquals(BackupTrigger.BACKUP_TRIGGER_FINAL, catalogue(retiring).get(0).getTrigger());
        assertTrue(retiring.sends().stream().anyMatch(s -> s.topic() == Topics.AGENT_COMMANDS
                && ((AgentCommand) s.value()).getOp() == AgentOp.AGENT_OP_DESTROY), () -> "retired after it: " + retiring.sends());
    }

    @Test
    void skip_final_backup_deletes_at_once() {
        serving(intent(0, b -> b.setSchedule("nightly").setSkipFinalBackup(true)));
        done(onlyBackup(plan()));
        plan();
        state = Observe.desired(state, state.getDesired().toBuilder().setDeleted(true).setGeneration(2).build());
        PlanResult deleting = plan();
        assertTrue(backups(deleting).isEmpty());
        assertTrue(deleting.sends().stream().anyMatch(s -> s.topic() == Topics.AGENT_COMMANDS
                && ((AgentCommand) s.value()).getOp() == AgentOp.AGENT_OP_DESTROY));
    }

    @Test
    void a_source_that_goes_down_mid_backup_is_replaced_by_another_and_the_attempt_counted() {
        serving(intent(1, b -> b.setSchedule("nightly")));
        AgentCommand onReplica = onlyBackup(plan());
        assertEquals(R, onReplica.getInstanceId());
        state = Observe.health(state, InstanceHealth.newBuilder().setInstanceId(R).setHealth(Health.HEALTH_DOWN)
                .setReason("no heartbeat").setLastHeartbeatAt(Timestamps.of(now)).build(), now);
        AgentCommand onPrimary = onlyBackup(plan());
        assertEquals(P, onPrimary.getInstanceId());
        assertEquals(onReplica.getBackupId(), onPrimary.getBackupId());
        assertEquals(2, state.getBackups().getCurrent().getAttempts());
        assertFalse(state.getInFlightMap().containsKey(Ledger.id(onReplica.getAction())), "the old source's ask is forgotten");
    }

    @Test
    void a_new_deployment_degraded_before_its_first_ready_waits_for_its_replica() {
        state = Observe.desired(state, intent(1, b -> b.setSchedule("nightly")));
        plan();
        // the primary serves (and so has served: Degraded, not Provisioning) while the replica is still deploying
        state = Observe.provision(state, ProvisionEvent.newBuilder().setInstanceId(P)
                .setState(InstanceState.INSTANCE_STATE_RUNNING).setAddress(ADDRESS.get(P)).build(), now);
        state = Observe.agent(state, AgentEvent.newBuilder().setInstanceId(P).setCommandId("acme/orders/1/deploy/" + P)
                .setOutcome(AgentOutcome.AGENT_OUTCOME_DATABASE_READY).setEndpoint(ADDRESS.get(P) + ":3306").build(), now);
        state = Observe.health(state, InstanceHealth.newBuilder().setInstanceId(P).setHealth(Health.HEALTH_UP)
                .setGtidPosition("0-1-10").setLastHeartbeatAt(Timestamps.of(now)).build(), now);
        plan();
        state = state.toBuilder().setPublishedStatus(state.getPublishedStatus().toBuilder().setPhase(Phase.PHASE_DEGRADED)).build();
        assertTrue(backups(plan()).isEmpty(), "not before the deployment was Ready once");
        now = now.plus(BackupPlanner.NEVER_READY_GRACE).plusSeconds(1);
        state = state.toBuilder().setPublishedStatus(state.getPublishedStatus().toBuilder().setPhase(Phase.PHASE_DEGRADED)).build();
        assertEquals(P, onlyBackup(plan()).getInstanceId(), "never Ready for long: the primary's data is backed up anyway");
    }

    @Test
    void a_restored_deployment_deploys_every_instance_from_its_backup() {
        BackupRecord from = BackupRecord.newBuilder().setDeployment(Fixtures.ref("acme", "old")).setBackupId("b1")
                .setState(BackupState.BACKUP_STATE_COMPLETE).setKey(KEY)
                .setManifest(BackupManifest.newBuilder().setGtidPosition("0-7-420").setKeyId("bk-0123")).build();
        state = Observe.desired(state, intent(1, b -> b).toBuilder().setRestoreFrom(from).build());
        List<AgentCommand> deploys = plan().sends().stream().filter(s -> s.topic() == Topics.PROVISION_COMMANDS)
                .map(s -> ((ProvisionCommand) s.value()).getFirstCommand()).toList();
        assertEquals(2, deploys.size());
        for (AgentCommand deploy : deploys) {
            assertEquals(Fixtures.ref("acme", "old"), deploy.getRestore().getSource());
            assertEquals("b1", deploy.getRestore().getBackupId());
            assertEquals(KEY, deploy.getRestore().getBackupKey());
            assertEquals("bk-0123", deploy.getRestore().getBackupKeyId());
            assertEquals("0-7-420", deploy.getRestore().getGtidPosition());
        }
    }

    @Test
    void nothing_is_asked_while_no_instance_serves() {
        state = Observe.desired(state, intent(0, b -> b.setSchedule("nightly")));
        PlanResult r = plan();
        assertTrue(backups(r).isEmpty());
        assertTrue(r.sends().stream().anyMatch(s -> s.topic() == Topics.PROVISION_COMMANDS
                && ((ProvisionCommand) s.value()).getOp() == ProvisionOp.PROVISION_OP_CREATE));
        assertEquals(Reasons.NO_BACKUP_YET, backupsHealthy().getReason());
    }
}
