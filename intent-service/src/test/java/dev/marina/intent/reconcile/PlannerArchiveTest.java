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
import dev.marina.schemas.v1.ArchiveCoverage;
import dev.marina.schemas.v1.ArchiveRun;
import dev.marina.schemas.v1.BackupManifest;
import dev.marina.schemas.v1.BackupSpec;
import dev.marina.schemas.v1.BinlogArchiveSettings;
import dev.marina.schemas.v1.DeploymentSpec;
import dev.marina.schemas.v1.FailoverSpec;
import dev.marina.schemas.v1.Health;
import dev.marina.schemas.v1.InstanceHealth;
import dev.marina.schemas.v1.InstanceState;
import dev.marina.schemas.v1.Intent;
import dev.marina.schemas.v1.ProvisionEvent;
import dev.marina.schemas.v1.ReconcilerState;
import dev.marina.schemas.v1.SealedSecret;
import dev.marina.service.Timestamps;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The binary-log archive: what the primary is told, what its reports change, what goes on binlog-archive. */
class PlannerArchiveTest {

    private static final String P = "acme-orders-1";
    private static final String R = "acme-orders-2";
    private static final Map<String, String> ADDRESS = Map.of(P, "127.10.0.1", R, "127.10.0.2");
    private static final SealedSecret KEY = SealedSecret.newBuilder().setKeyId("k")
            .setNonce(ByteString.copyFromUtf8("n")).setCiphertext(ByteString.copyFromUtf8("backup-key")).build();

    private final Planner planner = new Planner(PlanSettings.defaults());
    private Instant now = Instant.parse("2026-12-02T10:00:00Z");
    private ReconcilerState state = ReconcilerState.getDefaultInstance();

    private static Intent intent(int replicas, boolean backups) {
        DeploymentSpec.Builder spec = Fixtures.mariadb().toBuilder().setReplicas(replicas)
                .setFailover(FailoverSpec.newBuilder().setAutomatic(true));
        if (backups) {
            spec.setBackups(BackupSpec.newBuilder().setSchedule("nightly"));
        }
        return Intent.newBuilder().setDeployment(Fixtures.ref("acme", "orders")).setGeneration(1).setSpec(spec)
                .setAdminUser("admin").setAdminPassword(SealedSecret.newBuilder().setKeyId("a"))
                .setReplicationPassword(SealedSecret.newBuilder().setKeyId("r"))
                .setBackupKey(KEY).build();
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

    private static AgentCommand onlyArchive(PlanResult r) {
        List<AgentCommand> found = agent(r, AgentOp.AGENT_OP_ARCHIVE_BINLOGS);
        assertEquals(1, found.size(), () -> "one ARCHIVE_BINLOGS in " + r.sends());
        return found.get(0);
    }

    private static List<ArchiveCoverage> published(PlanResult r) {
        return r.sends().stream().filter(c -> c.topic() == Topics.BINLOG_ARCHIVE).map(c -> (ArchiveCoverage) c.value()).toList();
    }

    /** The primary (and the replica, when there is one) serving; the replica replicating. */
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
    }

    private void answer(AgentCommand c, AgentOutcome outcome, ArchiveCoverage coverage) {
        AgentEvent.Builder event = AgentEvent.newBuilder().setInstanceId(c.getInstanceId()).setCommandId(c.getCommandId())
                .setAction(c.getAction()).setOutcome(outcome).setEpoch(c.getEpoch()).setReason("words");
        if (coverage != null) {
            event.setArchive(coverage);
        }
        state = Observe.agent(state, event.build(), now);
    }

    /** An event an archiving primary sends unasked (no command id) after an upload or a failure. */
    private void unasked(String instance, ArchiveCoverage coverage) {
        state = Observe.agent(state, AgentEvent.newBuilder().setInstanceId(instance).setEpoch(coverage.getEpoch())
                .setArchive(coverage).build(), now);
    }

    private ArchiveCoverage coverage(String instance, long epoch, long lastSeq) {
        return ArchiveCoverage.newBuilder().setInstanceId(instance).setEpoch(epoch).setArchiving(true)
                .addRuns(ArchiveRun.newBuilder().setFirstSeq(1).setLastSeq(lastSeq).setStartPosition("0-1-0")
                        .setEndPosition("0-1-" + lastSeq).setCoveredUntil(Timestamps.of(now)))
                .setLastUploadAt(Timestamps.of(now)).setComputedAt(Timestamps.of(now)).setArchivedFiles(lastSeq / 10).build();
    }

    @Test
    void a_writable_primary_of_a_deployment_with_backups_is_told_to_archive_with_the_backup_key_once() {
        serving(intent(0, true));
        AgentCommand told = onlyArchive(plan());
        assertEquals(P, told.getInstanceId());
        assertEquals(BinlogArchiveSettings.newBuilder().setEnabled(true).setKeepAfterGtid("").build(), told.getArchive(),
                "no complete backup yet: nothing may be purged");
        assertEquals(KEY, told.getBackupKey(), "the backup key, as BACKUP carries it");
        assertEquals(BackupPlanner.keyId(KEY), told.getBackupKeyId());
        assertEquals(1, told.getEpoch());

        assertTrue(agent(plan(), AgentOp.AGENT_OP_ARCHIVE_BINLOGS).isEmpty(), "in flight: not again before its wait");
        now = now.plus(PlanSettings.defaults().ha().agentTimeout());
        assertTrue(planner.needsResync(state, now));
        AgentCommand again = onlyArchive(plan());
        assertEquals(told.getCommandId(), again.getCommandId(), "a retry keeps its command id");

        answer(again, AgentOutcome.AGENT_OUTCOME_DONE, coverage(P, 1, 10));
        assertEquals(P, state.getArchive().getAckedInstance());
        assertEquals(told.getArchive(), state.getArchive().getAcked());
        now = now.plus(PlanSettings.defaults().maxBackoff());
        assertTrue(agent(plan(), AgentOp.AGENT_OP_ARCHIVE_BINLOGS).isEmpty(), "acknowledged: nothing more to say");
    }

    @Test
    void a_failed_answer_is_retried_on_the_backoff() {
        serving(intent(0, true));
        AgentCommand told = onlyArchive(plan());
        answer(told, AgentOutcome.AGENT_OUTCOME_FAILED, null);
        assertTrue(state.getArchive().getAckedInstance().isEmpty());
        assertTrue(agent(plan(), AgentOp.AGENT_OP_ARCHIVE_BINLOGS).isEmpty());
        now = now.plus(PlanSettings.defaults().ha().agentTimeout());
        assertEquals(told.getCommandId(), onlyArchive(plan()).getCommandId());
    }

    @Test
    void a_new_complete_backup_moves_what_the_primary_keeps() {
        serving(intent(0, true));
        answer(onlyArchive(plan()), AgentOutcome.AGENT_OUTCOME_DONE, null);
        state = state.toBuilder().setBackups(state.getBackups().toBuilder().setLatestComplete(
                dev.marina.schemas.v1.BackupRecord.newBuilder().setBackupId("b1")
                        .setManifest(BackupManifest.newBuilder().setGtidPosition("0-1-42")))).build();
        AgentCommand told = onlyArchive(plan());
        assertEquals("0-1-42", told.getArchive().getKeepAfterGtid());
        assertTrue(told.getArchive().getEnabled());
    }

    @Test
    void after_a_failover_the_new_primary_is_told_as_soon_as_it_is_writable() {
        serving(intent(1, true));
        PlanResult first = plan();
        // the replica is told to replicate; it answers
        state = Observe.agent(state, AgentEvent.newBuilder().setInstanceId(R).setAction(Ledger.replicate(R, 1))
                .setOutcome(AgentOutcome.AGENT_OUTCOME_DONE).setGtidPosition("0-1-10").build(), now);
        answer(onlyArchive(first), AgentOutcome.AGENT_OUTCOME_DONE, coverage(P, 1, 10));
        plan();

        Instant lastHeartbeat = now;
        now = now.plusSeconds(2);
        state = Observe.health(state, InstanceHealth.newBuilder().setInstanceId(P).setHealth(Health.HEALTH_DOWN)
                .setReason("no heartbeat").setLastHeartbeatAt(Timestamps.of(lastHeartbeat)).build(), now);
        PlanResult failing = plan();
        AgentCommand promote = agent(failing, AgentOp.AGENT_OP_PROMOTE).get(0);
        assertTrue(agent(failing, AgentOp.AGENT_OP_ARCHIVE_BINLOGS).isEmpty(), "not before the new primary is writable");
        state = Observe.agent(state, AgentEvent.newBuilder().setInstanceId(R).setAction(promote.getAction())
                .setOutcome(AgentOutcome.AGENT_OUTCOME_DONE).setGtidPosition("0-1-10").build(), now);
        AgentCommand told = onlyArchive(plan());
        assertEquals(R, told.getInstanceId());
        assertEquals(2, told.getEpoch());
        assertTrue(told.getArchive().getEnabled());

        // the old primary's late report of an older epoch does not count
        ArchiveCoverage before = state.getArchive().getCoverage();
        unasked(P, coverage(P, 1, 30));
        assertEquals(before, state.getArchive().getCoverage(), "another instance, an older epoch");
        unasked(R, coverage(R, 1, 30));
        assertEquals(before, state.getArchive().getCoverage(), "the new primary, but an older epoch");
        unasked(R, coverage(R, 2, 30));
        assertEquals(30, state.getArchive().getCoverage().getRuns(0).getLastSeq());
    }

    @Test
    void a_deployment_without_backups_is_never_told_and_one_that_drops_them_is_told_to_stop() {
        serving(intent(0, false));
        assertTrue(agent(plan(), AgentOp.AGENT_OP_ARCHIVE_BINLOGS).isEmpty(), "never archived: nothing to say");

        state = Observe.desired(state, intent(0, true).toBuilder().setGeneration(2).build());
        answer(onlyArchive(plan()), AgentOutcome.AGENT_OUTCOME_DONE, null);
        state = Observe.desired(state, intent(0, false).toBuilder().setGeneration(3).build());
        AgentCommand stop = onlyArchive(plan());
        assertFalse(stop.getArchive().getEnabled());
        assertTrue(stop.getCommandId().contains("/off"), stop.getCommandId());
    }

    @Test
    void the_coverage_is_published_when_it_changes_in_substance_and_quietly_while_a_run_grows() {
        serving(intent(0, true));
        AgentCommand told = onlyArchive(plan());
        answer(told, AgentOutcome.AGENT_OUTCOME_DONE, coverage(P, 1, 10));
        List<ArchiveCoverage> first = published(plan());
        assertEquals(1, first.size());
        assertEquals(Fixtures.ref("acme", "orders"), first.get(0).getDeployment());
        assertEquals(10, first.get(0).getRuns(0).getLastSeq());

        now = now.plusSeconds(1);
        unasked(P, coverage(P, 1, 10).toBuilder().setComputedAt(Timestamps.of(now)).build());
        assertTrue(published(plan()).isEmpty(), "only computed_at changed");

        ArchiveCoverage grown = coverage(P, 1, 20);
        unasked(P, grown);
        assertTrue(published(plan()).isEmpty(), "the run grew, but the last publication is 1 s old");
        assertFalse(planner.needsResync(state, now.plusSeconds(5)));
        now = now.plus(ArchivePlanner.QUIET);
        assertTrue(planner.needsResync(state, now), "held back, due now");
        assertEquals(List.of(grown.toBuilder().setDeployment(Fixtures.ref("acme", "orders")).build()), published(plan()));

        now = now.plusSeconds(1);
        ArchiveCoverage failing = grown.toBuilder().setLastError("object store unreachable")
                .setLastErrorAt(Timestamps.of(now)).build();
        unasked(P, failing);
        assertEquals(1, published(plan()).size(), "a failure goes out at once");

        now = now.plusSeconds(1);
        state = Observe.desired(state, state.getDesired().toBuilder().setDeleted(true).setGeneration(2).build());
        List<ArchiveCoverage> deleted = published(plan());
        assertEquals(1, deleted.size());
        assertTrue(deleted.get(0).getDeploymentDeleted());
        assertTrue(published(plan()).isEmpty(), "once");
    }
}
