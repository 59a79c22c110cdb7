package dev.marina.intent.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.marina.intent.Fixtures;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.AgentCommand;
import dev.marina.schemas.v1.AgentEvent;
import dev.marina.schemas.v1.AgentOutcome;
import dev.marina.schemas.v1.BackupManifest;
import dev.marina.schemas.v1.BackupRecord;
import dev.marina.schemas.v1.BackupState;
import dev.marina.schemas.v1.Health;
import dev.marina.schemas.v1.InstanceHealth;
import dev.marina.schemas.v1.InstanceState;
import dev.marina.schemas.v1.Intent;
import dev.marina.schemas.v1.ProvisionCommand;
import dev.marina.schemas.v1.ProvisionEvent;
import dev.marina.schemas.v1.ReconcilerState;
import dev.marina.schemas.v1.ReplicationFault;
import dev.marina.schemas.v1.RestoreSpec;
import dev.marina.schemas.v1.Role;
import dev.marina.schemas.v1.SealedSecret;
import dev.marina.service.Timestamps;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a new instance's DEPLOY starts from: nothing, the restored backup (with its point in time), or the latest backup. */
class PlannerSeedTest {

    private static final String P = "acme-orders-1";
    private static final SealedSecret KEY = SealedSecret.newBuilder().setKeyId("k")
            .setNonce(ByteString.copyFromUtf8("n")).setCiphertext(ByteString.copyFromUtf8("backup-key")).build();
    private static final SealedSecret OLD_KEY = SealedSecret.newBuilder().setKeyId("k")
            .setNonce(ByteString.copyFromUtf8("m")).setCiphertext(ByteString.copyFromUtf8("old-key")).build();
    private static final Instant T = Instant.parse("2026-12-01T09:30:00Z");
    private static final BackupRecord OLD = BackupRecord.newBuilder().setDeployment(Fixtures.ref("acme", "old")).setBackupId("b1")
            .setState(BackupState.BACKUP_STATE_COMPLETE).setKey(OLD_KEY)
            .setManifest(BackupManifest.newBuilder().setGtidPosition("0-7-420").setKeyId("bk-old")).build();

    private final Planner planner = new Planner(PlanSettings.defaults());
    private Instant now = Instant.parse("2026-12-02T10:00:00Z");
    private ReconcilerState state = ReconcilerState.getDefaultInstance();

    private static Intent intent(int replicas) {
        return Intent.newBuilder().setDeployment(Fixtures.ref("acme", "orders")).setGeneration(1)
                .setSpec(Fixtures.mariadb().toBuilder().setReplicas(replicas))
                .setAdminUser("admin").setAdminPassword(SealedSecret.newBuilder().setKeyId("a"))
                .setReplicationPassword(SealedSecret.newBuilder().setKeyId("r")).setBackupKey(KEY).build();
    }

    private static Intent restoredAt(int replicas, Instant pointInTime) {
        Intent i = intent(replicas);
        RestoreSpec.Builder restore = RestoreSpec.newBuilder().setSource("acme/old");
        if (pointInTime != null) {
            restore.setPointInTime(Timestamps.of(pointInTime));
        } else {
            restore.setBackupId("b1");
        }
        return i.toBuilder().setSpec(i.getSpec().toBuilder().setRestore(restore)).setRestoreFrom(OLD).build();
    }

    private PlanResult plan() {
        PlanResult r = planner.plan(state, now);
        state = r.next();
        return r;
    }

    /** The DEPLOY each CREATE hands to its new agent, by instance. */
    private static List<AgentCommand> deploys(PlanResult r) {
        return r.sends().stream().filter(s -> s.topic() == Topics.PROVISION_COMMANDS)
                .map(s -> ((ProvisionCommand) s.value()).getFirstCommand()).toList();
    }

    /** Every instance up and the primary writable and served (the deployment has served). */
    private void served() {
        for (String id : List.copyOf(state.getInstancesMap().keySet())) {
            state = Observe.provision(state, ProvisionEvent.newBuilder().setInstanceId(id)
                    .setState(InstanceState.INSTANCE_STATE_RUNNING).setAddress("127.10.0." + id.charAt(id.length() - 1)).build(), now);
            state = Observe.agent(state, AgentEvent.newBuilder().setInstanceId(id).setCommandId("acme/orders/1/deploy/" + id)
                    .setOutcome(AgentOutcome.AGENT_OUTCOME_DATABASE_READY).setEndpoint("x:3306")
                    .setReadOnly(!id.equals(P)).build(), now);
            state = Observe.health(state, InstanceHealth.newBuilder().setInstanceId(id).setHealth(Health.HEALTH_UP)
                    .setGtidPosition("0-1-10").setLastHeartbeatAt(Timestamps.of(now)).build(), now);
        }
        plan();
        assertTrue(state.getInstancesOrThrow(P).getPlan().hasServedAt(), "the primary served");
        now = now.plusSeconds(5);
    }

    private void scaleTo(int replicas) {
        state = Observe.desired(state, state.getDesired().toBuilder().setGeneration(state.getDesired().getGeneration() + 1)
                .setSpec(state.getDesired().getSpec().toBuilder().setReplicas(replicas)).build());
    }

    private void ownBackup(String id, String gtid) {
        state = state.toBuilder().setBackups(state.getBackups().toBuilder().setLatestComplete(BackupRecord.newBuilder()
                .setDeployment(Fixtures.ref("acme", "orders")).setBackupId(id).setState(BackupState.BACKUP_STATE_COMPLETE).setKey(KEY)
                .setManifest(BackupManifest.newBuilder().setGtidPosition(gtid).setKeyId(BackupPlanner.keyId(KEY))))).build();
    }

    @Test
    void a_fresh_deployment_starts_empty_and_a_replica_added_later_starts_from_its_latest_backup() {
        state = Observe.desired(state, intent(0));
        List<AgentCommand> first = deploys(plan());
        assertEquals(1, first.size());
        assertFalse(first.get(0).hasRestore(), "the first primary of a fresh deployment starts empty");
        served();

        scaleTo(1);
        assertFalse(deploys(plan()).get(0).hasRestore(), "no backup yet: the replica replicates from the start");

        ownBackup("s-20261202-0300", "0-1-8");
        scaleTo(2);
        AgentCommand seeded = deploys(plan()).get(0);
        assertEquals(Role.ROLE_REPLICA, seeded.getRole());
        assertEquals(Fixtures.ref("acme", "orders"), seeded.getRestore().getSource());
        assertEquals("s-20261202-0300", seeded.getRestore().getBackupId());
        assertEquals(KEY, seeded.getRestore().getBackupKey());
        assertEquals(BackupPlanner.keyId(KEY), seeded.getRestore().getBackupKeyId());
        assertEquals("0-1-8", seeded.getRestore().getGtidPosition());
        assertFalse(seeded.getRestore().hasPointInTime());
    }

    @Test
    void a_replica_replacing_a_broken_one_starts_from_the_latest_backup() {
        state = Observe.desired(state, intent(1));
        plan();
        served();
        ownBackup("s-1", "0-1-9");
        String replica = "acme-orders-2";
        state = state.toBuilder().putInstances(replica, state.getInstancesOrThrow(replica).toBuilder()
                .setReplicationError("purged").setReplicationFault(ReplicationFault.REPLICATION_FAULT_CANNOT_CATCH_UP).build()).build();
        List<AgentCommand> created = deploys(plan());
        assertEquals(1, created.size(), "one replacement");
        assertEquals("acme-orders-3", created.get(0).getInstanceId());
        assertEquals("s-1", created.get(0).getRestore().getBackupId());
    }

    @Test
    void a_point_in_time_restore_deploys_every_first_instance_with_the_time_and_later_replicas_without() {
        state = Observe.desired(state, restoredAt(1, T));
        List<AgentCommand> first = deploys(plan());
        assertEquals(2, first.size());
        for (AgentCommand deploy : first) {
            assertEquals(Fixtures.ref("acme", "old"), deploy.getRestore().getSource());
            assertEquals("b1", deploy.getRestore().getBackupId());
            assertEquals(OLD_KEY, deploy.getRestore().getBackupKey());
            assertEquals("bk-old", deploy.getRestore().getBackupKeyId());
            assertEquals("0-7-420", deploy.getRestore().getGtidPosition());
            assertEquals(T, Timestamps.toInstant(deploy.getRestore().getPointInTime()),
                    "the primary replays up to it; the replica made with it ignores it");
        }
        served();

        scaleTo(2);
        AgentCommand later = deploys(plan()).get(0);
        assertEquals("b1", later.getRestore().getBackupId(), "no backup of its own yet: the one it was restored from");
        assertFalse(later.getRestore().hasPointInTime(), "it replicates the replayed transactions from the new primary");

        ownBackup("s-2", "0-7-500");
        scaleTo(3);
        AgentCommand latest = deploys(plan()).get(0);
        assertEquals(Fixtures.ref("acme", "orders"), latest.getRestore().getSource());
        assertEquals("s-2", latest.getRestore().getBackupId());
    }

    @Test
    void a_backup_restore_without_a_time_carries_none() {
        state = Observe.desired(state, restoredAt(0, null));
        AgentCommand deploy = deploys(plan()).get(0);
        assertEquals("b1", deploy.getRestore().getBackupId());
        assertFalse(deploy.getRestore().hasPointInTime());
    }
}
