package dev.marina.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.agent.backup.BackupTools;
import dev.marina.agent.backup.RestoreRunner;
import dev.marina.agent.metrics.SamplingGate;
import dev.marina.objectstore.ObjectStoreException;
import dev.marina.schemas.v1.DeploymentRef;
import dev.marina.schemas.v1.RestoreSource;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.v1.ActionKey;
import dev.marina.schemas.v1.ActionKind;
import dev.marina.schemas.v1.AgentCommand;
import dev.marina.schemas.v1.AgentEvent;
import dev.marina.schemas.v1.AgentOp;
import dev.marina.schemas.v1.AgentOutcome;
import dev.marina.schemas.v1.AgentReason;
import dev.marina.agent.database.DatabaseServer;
import dev.marina.agent.replication.ReplicationError;
import dev.marina.schemas.v1.ReplicationFault;
import dev.marina.schemas.v1.Durability;
import dev.marina.schemas.v1.Engine;
import dev.marina.schemas.v1.Role;
import dev.marina.schemas.v1.SemiSyncWait;
import dev.marina.schemas.v1.Size;
import dev.marina.schemas.v1.TlsMode;
import dev.marina.agent.tls.ServerTls;
import dev.marina.agent.tls.TestCa;
import java.security.cert.X509Certificate;
import dev.marina.service.SecretBox;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The handler's effects and answers, with a fake database and a real state file. */
class CommandHandlerTest {

    private static final String PASSWORD = "correct-horse-battery";

    @TempDir
    Path dir;

    private final InstanceIdentity identity = new InstanceIdentity("acme-orders-1", "acme/orders", "127.10.0.3");
    private final FakeDatabase database = new FakeDatabase();
    private final SamplingGate sampling = new SamplingGate();
    private final Clock clock = Clock.fixed(Instant.parse("2026-11-21T10:00:00Z"), ZoneOffset.UTC);
    private SecretBox box;
    private InstanceFiles files;

    @BeforeEach
    void setUp() {
        box = SecretBox.fromKeyFile(dir.resolve("platform.key"));
        files = new InstanceFiles(dir.resolve("instance"));
    }

    private CommandHandler handler() {
        return handler(clock);
    }

    private CommandHandler handler(Clock clock) {
        return new CommandHandler(identity, files, database, () -> box, new AgentMetrics(new SimpleMeterRegistry()), sampling,
                clock);
    }

    private AgentCommand deploy(String id) {
        return AgentCommand.newBuilder().setCommandId(id).setInstanceId("acme-orders-1").setOp(AgentOp.AGENT_OP_DEPLOY)
                .setEngine(Engine.ENGINE_MARIADB).setVersion("10.11").setSize(Size.SIZE_MEDIUM).setAdminUser("admin")
                .setAdminPassword(box.seal(PASSWORD)).setEpoch(1).build();
    }

    private AgentCommand restoring(String id, Role role) {
        return deploy(id).toBuilder().setRole(role).setReplicationPassword(box.seal("repl-pw"))
                .setRestore(RestoreSource.newBuilder().setSource(DeploymentRef.newBuilder().setTenant("acme").setName("shop"))
                        .setBackupId("b1").setBackupKey(box.seal(java.util.Base64.getEncoder().encodeToString(new byte[32])))
                        .setBackupKeyId("bk-1").setGtidPosition("0-1-42"))
                .build();
    }

    @Test
    void a_deploy_from_a_backup_the_store_cannot_give_fails_with_restore_failed_leaves_no_data_and_is_tried_again() {
        CommandHandler handler = handler();
        int[] opened = {0};
        handler.useRestores(() -> {
            opened[0]++;
            throw new ObjectStoreException("connection refused");
        }, new RestoreRunner(BackupTools.installed()));
        AgentEvent failed = handler.handle(restoring("deploy-1", Role.ROLE_PRIMARY));
        assertEquals(AgentOutcome.AGENT_OUTCOME_FAILED, failed.getOutcome());
        assertEquals(AgentReason.AGENT_REASON_RESTORE_FAILED, failed.getReasonCode());
        assertEquals("backup b1 of acme/shop not restored: connection refused", failed.getReason());
        assertEquals(List.of(), database.calls, "no data directory made, nothing started");
        assertFalse(java.nio.file.Files.exists(files.restoreStaging()));

        AgentEvent again = handler.handle(restoring("deploy-1", Role.ROLE_PRIMARY));
        assertEquals(AgentReason.AGENT_REASON_RESTORE_FAILED, again.getReasonCode());
        assertEquals(2, opened[0], "the repeated DEPLOY tried again");
    }

    @Test
    void a_deploy_from_a_backup_without_a_store_or_with_a_key_that_does_not_open_fails_with_restore_failed() {
        AgentEvent noStore = handler().handle(restoring("deploy-1", Role.ROLE_PRIMARY));
        assertEquals(AgentReason.AGENT_REASON_RESTORE_FAILED, noStore.getReasonCode());
        assertTrue(noStore.getReason().contains("no object store is set up"), noStore.getReason());

        AgentCommand badKey = restoring("deploy-2", Role.ROLE_PRIMARY).toBuilder()
                .setRestore(restoring("x", Role.ROLE_PRIMARY).getRestore().toBuilder().setBackupKey(box.seal("not base64 of 32 bytes")))
                .build();
        AgentEvent unusable = handler().handle(badKey);
        assertEquals(AgentOutcome.AGENT_OUTCOME_FAILED, unusable.getOutcome());
        assertEquals(AgentReason.AGENT_REASON_RESTORE_FAILED, unusable.getReasonCode());
        assertTrue(unusable.getReason().startsWith("backup b1 cannot be restored: "), unusable.getReason());
        assertEquals(List.of(), database.calls);
    }

    @Test
    void a_deploy_repeated_after_a_crash_on_restored_data_adopts_it_and_writes_no_binlogged_users() {
        database.data = true;
        database.restorePending = true;
        AgentEvent ready = handler().handle(restoring("deploy-1", Role.ROLE_PRIMARY));
        assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_READY, ready.getOutcome(), ready.getReason());
        assertEquals(List.of("start SIZE_MEDIUM", "adopt restored admin at 0-1-42", "writable UNTIL_FIRST_REPLICA"), database.calls);
        assertFalse(ready.getReadOnly());

        database.calls.clear();
        database.running = false;
        AgentEvent restarted = handler().handle(restoring("deploy-1", Role.ROLE_PRIMARY));
        assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_READY, restarted.getOutcome());
        assertEquals(List.of("start SIZE_MEDIUM"), database.calls, "after READY: restored once, adopted once");
    }

    @Test
    void an_agent_restart_does_not_start_restored_data_not_adopted_yet() {
        database.data = true;
        database.restorePending = true;
        assertTrue(handler().recover().isEmpty(), "no READY announced for the source's users and an empty history");
        assertEquals(List.of(), database.calls);
    }

    @Test
    void a_replica_deployed_from_a_backup_adopts_it_and_stays_read_only() {
        database.data = true;
        database.restorePending = true;
        AgentEvent ready = handler().handle(restoring("deploy-1", Role.ROLE_REPLICA));
        assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_READY, ready.getOutcome(), ready.getReason());
        assertEquals(List.of("start SIZE_MEDIUM", "adopt restored admin at 0-1-42"), database.calls);
        assertTrue(ready.getReadOnly());
    }

    private AgentCommand toPointInTime(AgentCommand command) {
        return command.toBuilder().setRestore(command.getRestore().toBuilder()
                .setPointInTime(com.google.protobuf.Timestamp.newBuilder().setSeconds(1796268916))).build();
    }

    @Test
    void a_deploy_finding_restored_data_of_an_interrupted_replay_discards_it_and_restores_from_scratch() {
        database.data = true;
        database.restorePending = true;
        database.replayPending = true;
        CommandHandler handler = handler();
        handler.useRestores(() -> {
            throw new ObjectStoreException("connection refused");
        }, new RestoreRunner(BackupTools.installed()));
        AgentEvent failed = handler.handle(toPointInTime(restoring("deploy-1", Role.ROLE_PRIMARY)));
        assertEquals(List.of("discard restored"), database.calls, "never started, never adopted, never replayed on top");
        assertFalse(database.data);
        // Restoring from scratch begins with the archive's plan: the store is down here.
        assertEquals(AgentReason.AGENT_REASON_RESTORE_FAILED, failed.getReasonCode());
        assertEquals("point-in-time restore of acme/shop to 2026-12-03T03:35:16Z: the archive cannot be read: connection refused",
                failed.getReason());
    }

    @Test
    void only_a_primary_replays_and_only_with_a_point_in_time() {
        assertTrue(CommandHandler.replays(toPointInTime(restoring("d", Role.ROLE_PRIMARY))));
        assertFalse(CommandHandler.replays(toPointInTime(restoring("d", Role.ROLE_REPLICA))), "replicas get it from the new primary");
        assertFalse(CommandHandler.replays(restoring("d", Role.ROLE_PRIMARY)), "no point in time: the backup only");
        assertFalse(CommandHandler.replays(deploy("d")));
    }

    @Test
    void a_replica_restored_with_a_point_in_time_adopts_the_backup_and_replays_nothing() {
        database.data = true;
        database.restorePending = true;
        AgentEvent ready = handler().handle(toPointInTime(restoring("deploy-1", Role.ROLE_REPLICA)));
        assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_READY, ready.getOutcome(), ready.getReason());
        assertEquals(List.of("start SIZE_MEDIUM", "adopt restored admin at 0-1-42"), database.calls);
    }

    @Test
    void a_replay_whose_binlog_position_disagrees_is_not_trusted() {
        assertEquals("point-in-time replay of acme/shop to T cannot be trusted: the last transaction replayed is 0-1-57, but the "
                + "server's binary log is at 0-1-56", CommandHandler.replayPositionMismatch("point-in-time replay of acme/shop to T",
                "0-1-57", "0-1-56"));
        assertEquals("0-1-42", CommandHandler.domainZero("1-3-9,0-1-42"));
        assertEquals("", CommandHandler.domainZero(""));
    }

    private static AgentCommand destroy(String id) {
        return AgentCommand.newBuilder().setCommandId(id).setInstanceId("acme-orders-1").setOp(AgentOp.AGENT_OP_DESTROY)
                .setEpoch(1).build();
    }

    @Test
    void deploys_an_empty_instance_and_answers_ready_with_the_endpoint() {
        CommandHandler handler = handler();
        AgentEvent answer = handler.handle(deploy("d1"));
        assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_READY, answer.getOutcome());
        assertEquals("127.10.0.3:3306", answer.getEndpoint());
        assertEquals("d1", answer.getCommandId());
        assertEquals("acme-orders-1", answer.getInstanceId());
        assertEquals("acme", answer.getDeployment().getTenant());
        assertEquals(List.of("prepare SIZE_MEDIUM", "start SIZE_MEDIUM", "admin admin", "writable UNTIL_FIRST_REPLICA"), database.calls);
        assertEquals(PASSWORD, database.adminPassword);
        assertEquals(new RoleFacts(Role.ROLE_PRIMARY, false, 1, ""), handler.roleFacts());
        assertEquals(new RoleFacts(Role.ROLE_PRIMARY, true, 1, ""), handler().roleFacts(),
                "a new agent process holds no lease: its primary is read-only until PROMOTE");
    }

    @Test
    void a_repeated_deploy_changes_nothing_but_answers_ready_again() {
        CommandHandler handler = handler();
        handler.handle(deploy("d1"));
        database.calls.clear();
        AgentEvent again = handler.handle(deploy("d1"));
        assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_READY, again.getOutcome());
        assertEquals(List.of("admin admin"), database.calls);
    }

    @Test
    void never_puts_the_password_into_an_answer() {
        CommandHandler handler = handler();
        String answers = ProtoJsonSerde.toJson(handler.handle(deploy("d1"))) + ProtoJsonSerde.toJson(handler.handle(destroy("x")));
        assertFalse(answers.contains(PASSWORD));
    }

    @Test
    void a_password_sealed_with_another_key_fails_the_deploy_before_anything_changes() {
        SecretBox other = SecretBox.fromKeyFile(dir.resolve("other.key"));
        AgentCommand command = deploy("d1").toBuilder().setAdminPassword(other.seal(PASSWORD)).build();
        AgentEvent answer = handler().handle(command);
        assertEquals(AgentOutcome.AGENT_OUTCOME_FAILED, answer.getOutcome());
        assertTrue(answer.getReason().contains("cannot open the admin password"), answer.getReason());
        assertEquals(List.of(), database.calls);
    }

    @Test
    void destroy_stops_and_removes_and_a_repeated_destroy_answers_stopped_again() {
        CommandHandler handler = handler();
        handler.handle(deploy("d1"));
        database.calls.clear();
        assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_STOPPED, handler.handle(destroy("x1")).getOutcome());
        assertEquals(List.of("stop", "remove"), database.calls);
        database.calls.clear();
        AgentEvent again = handler.handle(destroy("x2"));
        assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_STOPPED, again.getOutcome());
        assertEquals("x2", again.getCommandId());
        assertEquals(List.of(), database.calls);
    }

    @Test
    void no_metric_sample_can_start_while_destroy_stops_and_removes_the_database() {
        CommandHandler handler = handler();
        handler.handle(deploy("d1"));
        List<Boolean> samplerCouldEnter = new ArrayList<>();
        database.duringStopOrRemove = () -> samplerCouldEnter.add(samplerEnters());
        assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_STOPPED, handler.handle(destroy("x1")).getOutcome());
        assertEquals(List.of(false, false), samplerCouldEnter, "the gate is shut during stop and during removal");
        assertTrue(samplerEnters(), "the gate opens again afterwards");
    }

    /** What the sampling thread would find: tried from another thread, as the sampler does. */
    private boolean samplerEnters() {
        return CompletableFuture.supplyAsync(() -> {
            boolean entered = sampling.tryEnter();
            if (entered) {
                sampling.exit();
            }
            return entered;
        }).join();
    }

    @Test
    void a_destroyed_instance_stays_destroyed_across_agent_restarts() {
        handler().handle(deploy("d1"));
        handler().handle(destroy("x1"));
        CommandHandler restarted = handler();
        assertTrue(restarted.recover().isEmpty());
        assertEquals(AgentOutcome.AGENT_OUTCOME_REFUSED, restarted.handle(deploy("d2")).getOutcome());
    }

    @Test
    void after_a_restart_starts_the_database_deployed_before_and_announces_it_under_the_deploy_id() {
        handler().handle(deploy("d1"));
        database.running = false;
        database.calls.clear();
        AgentEvent announced = handler().recover().orElseThrow();
        assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_READY, announced.getOutcome());
        assertEquals("d1", announced.getCommandId());
        assertEquals(1, announced.getEpoch());
        assertEquals(List.of("start SIZE_MEDIUM"), database.calls);
    }

    @Test
    void carries_out_the_first_command_handed_over_at_launch_and_deletes_its_file() throws Exception {
        java.nio.file.Files.createDirectories(files.dir());
        java.nio.file.Files.writeString(files.firstCommand(), ProtoJsonSerde.toJson(deploy("d1")));
        CommandHandler handler = handler();
        AgentEvent answer = handler.recover().orElseThrow();
        assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_READY, answer.getOutcome());
        assertEquals("d1", answer.getCommandId());
        assertEquals(List.of("prepare SIZE_MEDIUM", "start SIZE_MEDIUM", "admin admin", "writable UNTIL_FIRST_REPLICA"), database.calls);
        assertFalse(java.nio.file.Files.exists(files.firstCommand()));
        database.calls.clear();
        assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_READY, handler.handle(deploy("d1")).getOutcome(),
                "the same DEPLOY arriving on the topic is answered as a repeat");
        assertEquals(List.of("admin admin"), database.calls);
    }

    @Test
    void ignores_and_deletes_a_first_command_that_does_not_decode_or_is_for_another_instance() throws Exception {
        java.nio.file.Files.createDirectories(files.dir());
        java.nio.file.Files.writeString(files.firstCommand(), "{broken");
        assertTrue(handler().recover().isEmpty());
        assertFalse(java.nio.file.Files.exists(files.firstCommand()));
        java.nio.file.Files.writeString(files.firstCommand(), ProtoJsonSerde.toJson(deploy("d1").toBuilder().setInstanceId("other-1").build()));
        assertTrue(handler().recover().isEmpty());
        assertEquals(List.of(), database.calls);
    }

    @Test
    void remembers_the_highest_epoch_and_refuses_older_commands() {
        CommandHandler handler = handler();
        handler.handle(deploy("d1").toBuilder().setEpoch(3).build());
        assertEquals(3, handler().highestEpoch());
        AgentEvent stale = handler().handle(destroy("x1").toBuilder().setEpoch(2).build());
        assertEquals(AgentOutcome.AGENT_OUTCOME_REFUSED, stale.getOutcome());
        assertTrue(database.running);
    }

    @Test
    void answers_unsupported_operations_with_refused() {
        AgentEvent answer = handler().handle(AgentCommand.newBuilder().setCommandId("b").setInstanceId("acme-orders-1")
                .setOp(AgentOp.AGENT_OP_UNSPECIFIED).build());
        assertEquals(AgentOutcome.AGENT_OUTCOME_REFUSED, answer.getOutcome());
        assertTrue(answer.getReason().startsWith("not supported yet"));
    }

    // Roles.

    private AgentCommand replicaDeploy(String id) {
        return deploy(id).toBuilder().setRole(Role.ROLE_REPLICA).build();
    }

    private AgentCommand roleCommand(String id, AgentOp op, long epoch) {
        return AgentCommand.newBuilder().setCommandId(id).setInstanceId("acme-orders-1").setOp(op).setEpoch(epoch).build();
    }

    private AgentCommand replicate(String id, long epoch) {
        return roleCommand(id, AgentOp.AGENT_OP_REPLICATE, epoch).toBuilder().setPrimaryAddress("127.10.0.9")
                .setPrimaryInstanceId("acme-orders-2").setReplicationPassword(box.seal("repl-secret")).build();
    }

    @Test
    void a_primary_deploy_with_a_replication_password_creates_the_replication_user_before_taking_writes() {
        handler().handle(deploy("d1").toBuilder().setRole(Role.ROLE_PRIMARY).setReplicationPassword(box.seal("r"))
                .setDurability(Durability.DURABILITY_ASYNC).build());
        assertEquals(List.of("prepare SIZE_MEDIUM", "start SIZE_MEDIUM", "admin admin", "replication-user", "writable OFF"),
                database.calls);
    }

    @Test
    void a_replica_deploy_writes_nothing_and_stays_read_only() {
        AgentEvent ready = handler().handle(replicaDeploy("d1"));
        assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_READY, ready.getOutcome(), ready.getReason());
        assertEquals(List.of("prepare SIZE_MEDIUM", "start SIZE_MEDIUM"), database.calls);
        assertTrue(database.readOnly);
        assertEquals(new RoleFacts(Role.ROLE_REPLICA, false, 1, ""), handler().roleFacts());
        database.calls.clear();
        assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_READY, handler().handle(replicaDeploy("d1")).getOutcome());
        assertEquals(List.of(), database.calls, "a repeated DEPLOY of a replica writes no user either");
    }

    @Test
    void a_restarted_primary_comes_back_read_only_and_fenced_and_a_repeated_deploy_does_not_change_that() {
        handler().handle(deploy("d1"));
        database.running = false;
        database.calls.clear();
        AgentEvent back = handler().recover().orElseThrow();
        assertTrue(back.getReason().contains("read-only until PROMOTE"), back.getReason());
        assertTrue(back.getReadOnly(), "the answer says so, for the reconciler");
        assertTrue(database.readOnly);
        assertEquals(new RoleFacts(Role.ROLE_PRIMARY, true, 1, ""), handler().roleFacts());
        database.calls.clear();
        AgentEvent again = handler().handle(deploy("d1"));
        assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_READY, again.getOutcome());
        assertEquals(List.of(), database.calls, "no user written on a read-only primary: it would be a transaction of its own");
        assertTrue(database.readOnly);
        assertFalse(handler().writablePrimary());
    }

    @Test
    void a_primary_whose_server_stopped_starts_read_only_on_a_repeated_deploy() {
        assertFalse(handler().handle(deploy("d1")).getReadOnly(), "a first deploy of a primary is writable");
        database.running = false;
        database.calls.clear();
        AgentEvent started = handler().handle(deploy("d1"));
        assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_READY, started.getOutcome());
        assertEquals(List.of("start SIZE_MEDIUM"), database.calls);
        assertTrue(handler().roleFacts().fenced());
    }

    @Test
    void promote_stops_replicating_takes_writes_fixes_grants_and_answers_the_position() {
        CommandHandler handler = handler();
        handler.handle(replicaDeploy("d1"));
        handler.handle(replicate("r1", 1));
        database.calls.clear();
        database.position = "0-7-42";
        AgentEvent promoted = handler.handle(roleCommand("p1", AgentOp.AGENT_OP_PROMOTE, 2).toBuilder().setWaitForGtid("0-7-42").build());
        assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, promoted.getOutcome(), promoted.getReason());
        assertEquals("0-7-42", promoted.getGtidPosition());
        assertEquals(List.of("stop-replicating 0-7-42", "restrict admin", "take-writes LOSSLESS"), database.calls);
        assertEquals(new RoleFacts(Role.ROLE_PRIMARY, false, 2, ""), handler.roleFacts());
        assertTrue(handler.writablePrimary());
    }

    @Test
    void a_promote_that_cannot_reach_its_position_fails_and_leaves_the_replica_as_it_was() {
        handler().handle(replicaDeploy("d1"));
        handler().handle(replicate("r1", 1));
        database.stopReplicatingFails = new IllegalStateException("did not apply up to 0-7-50 within 10000 ms");
        database.calls.clear();
        AgentEvent failed = handler().handle(roleCommand("p1", AgentOp.AGENT_OP_PROMOTE, 2).toBuilder().setWaitForGtid("0-7-50").build());
        assertEquals(AgentOutcome.AGENT_OUTCOME_FAILED, failed.getOutcome());
        assertTrue(failed.getReason().contains("0-7-50"), failed.getReason());
        assertEquals(List.of("stop-replicating 0-7-50"), database.calls);
        assertTrue(database.readOnly);
        assertEquals(new RoleFacts(Role.ROLE_REPLICA, false, 1, "acme-orders-2"), handler().roleFacts(), "epoch not raised either");
    }

    @Test
    void a_restarted_primary_takes_writes_again_on_a_promote_of_the_same_epoch() {
        handler().handle(deploy("d1").toBuilder().setEpoch(4).build());
        database.running = false;
        CommandHandler restarted = handler();
        restarted.recover();
        database.calls.clear();
        AgentEvent promoted = restarted.handle(roleCommand("p1", AgentOp.AGENT_OP_PROMOTE, 4).toBuilder()
                .setDurability(Durability.DURABILITY_ASYNC).build());
        assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, promoted.getOutcome(), promoted.getReason());
        assertEquals(List.of("stop-replicating", "restrict admin", "take-writes OFF"), database.calls);
        assertFalse(restarted.roleFacts().fenced());
    }

    @Test
    void a_restarted_semi_sync_primary_waits_for_a_replica_only_once_one_attached() {
        handler().handle(deploy("d1").toBuilder().setEpoch(4).build());
        database.running = false;
        CommandHandler restarted = handler();
        restarted.recover();
        database.calls.clear();
        AgentEvent promoted = restarted.handle(roleCommand("p1", AgentOp.AGENT_OP_PROMOTE, 4).toBuilder()
                .setDurability(Durability.DURABILITY_SEMI_SYNC).build());
        assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, promoted.getOutcome(), promoted.getReason());
        // it may be a deployment without replicas: blocking every commit there would block it for good
        assertEquals(List.of("stop-replicating", "restrict admin", "take-writes UNTIL_FIRST_REPLICA"), database.calls);
    }

    @Test
    void a_replica_promoted_in_a_deployment_that_wants_no_replicas_does_not_wait_for_one() {
        CommandHandler handler = handler();
        handler.handle(replicaDeploy("d1"));
        handler.handle(replicate("r1", 1));
        database.calls.clear();
        AgentEvent promoted = handler.handle(roleCommand("p1", AgentOp.AGENT_OP_PROMOTE, 2).toBuilder().setReplicasWanted(0).build());
        assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, promoted.getOutcome(), promoted.getReason());
        assertEquals(List.of("stop-replicating", "restrict admin", "take-writes OFF"), database.calls);
        assertEquals(SemiSyncWait.SEMI_SYNC_WAIT_OFF, promoted.getSemiSyncWait());
    }

    @Test
    void a_first_primary_of_a_deployment_without_replicas_never_waits() {
        handler().handle(deploy("d1").toBuilder().setReplicasWanted(0).build());
        assertEquals(List.of("prepare SIZE_MEDIUM", "start SIZE_MEDIUM", "admin admin", "writable OFF"), database.calls);
    }

    @Test
    void a_writable_primary_told_it_has_no_replicas_stops_waiting_and_says_so() {
        CommandHandler handler = handler();
        handler.handle(deploy("d1").toBuilder().setEpoch(2).setRole(Role.ROLE_PRIMARY).build());
        database.calls.clear();
        AgentEvent done = handler.handle(roleCommand("s1", AgentOp.AGENT_OP_SET_REPLICAS_WANTED, 2).toBuilder()
                .setReplicasWanted(0).build());
        assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, done.getOutcome(), done.getReason());
        assertEquals(SemiSyncWait.SEMI_SYNC_WAIT_OFF, done.getSemiSyncWait());
        assertEquals(List.of("commit-wait OFF"), database.calls);
        AgentEvent again = handler.handle(roleCommand("s2", AgentOp.AGENT_OP_SET_REPLICAS_WANTED, 2).toBuilder()
                .setReplicasWanted(1).build());
        assertEquals(SemiSyncWait.SEMI_SYNC_WAIT_UNTIL_FIRST_REPLICA, again.getSemiSyncWait());
        assertTrue(handler.writablePrimary(), "read_only untouched");
    }

    @Test
    void a_fenced_primary_is_not_told_its_replicas_its_promote_carries_them() {
        handler().handle(deploy("d1").toBuilder().setEpoch(2).setRole(Role.ROLE_PRIMARY).build());
        handler().handle(roleCommand("f1", AgentOp.AGENT_OP_FENCE, 2));
        database.calls.clear();
        AgentEvent refused = handler().handle(roleCommand("s1", AgentOp.AGENT_OP_SET_REPLICAS_WANTED, 2).toBuilder()
                .setReplicasWanted(0).build());
        assertEquals(AgentOutcome.AGENT_OUTCOME_REFUSED, refused.getOutcome());
        assertEquals(AgentReason.AGENT_REASON_WRONG_STATE, refused.getReasonCode());
        assertEquals(List.of(), database.calls);
    }

    @Test
    void replicate_makes_a_verified_replica_of_the_named_primary() {
        handler().handle(deploy("d1"));
        database.calls.clear();
        AgentEvent done = handler().handle(replicate("r1", 2));
        assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, done.getOutcome(), done.getReason());
        assertEquals("0-1-1", done.getGtidPosition());
        assertEquals(List.of("replicate 127.10.0.9 verified semi-sync"), database.calls);
        assertEquals(new RoleFacts(Role.ROLE_REPLICA, false, 2, "acme-orders-2"), handler().roleFacts());
        assertFalse(handler().writablePrimary());
    }

    @Test
    void replicate_in_a_deployment_without_tls_encrypts_without_verifying() {
        handler().handle(deploy("d1").toBuilder().setTlsMode(TlsMode.TLS_MODE_DISABLED).build());
        database.calls.clear();
        handler().handle(replicate("r1", 1).toBuilder().setDurability(Durability.DURABILITY_ASYNC).build());
        assertEquals(List.of("replicate 127.10.0.9 unverified async"), database.calls);
    }

    @Test
    void replicate_answers_failed_diverged_when_the_primary_cannot_continue_this_history() {
        handler().handle(deploy("d1"));
        database.replication = new DatabaseServer.Replication(DatabaseServer.Link.BROKEN,
                new ReplicationError(ReplicationFault.REPLICATION_FAULT_DIVERGED, "diverged: Got fatal error 1236 from master"), "0-1-9");
        AgentEvent failed = handler().handle(replicate("r1", 2));
        assertEquals(AgentOutcome.AGENT_OUTCOME_FAILED, failed.getOutcome());
        assertTrue(failed.getReason().startsWith("diverged: "), failed.getReason());
        assertEquals("0-1-9", failed.getGtidPosition());
    }

    @Test
    void replicate_answers_done_while_the_primary_is_not_reachable_yet() {
        handler().handle(replicaDeploy("d1"));
        database.replication = new DatabaseServer.Replication(DatabaseServer.Link.CONNECTING,
                new ReplicationError(ReplicationFault.REPLICATION_FAULT_CONNECTION, "connection (2003): refused"), "");
        AgentEvent done = handler().handle(replicate("r1", 1));
        assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, done.getOutcome());
        assertTrue(done.getReason().contains("not connected yet: connection (2003)"), done.getReason());
    }

    @Test
    void fence_makes_the_primary_read_only_and_answers_its_position() {
        handler().handle(deploy("d1"));
        database.calls.clear();
        database.position = "0-1-77";
        AgentEvent fenced = handler().handle(roleCommand("f1", AgentOp.AGENT_OP_FENCE, 2));
        assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, fenced.getOutcome(), fenced.getReason());
        assertEquals("0-1-77", fenced.getGtidPosition());
        assertEquals(List.of("read-only"), database.calls);
        assertEquals(new RoleFacts(Role.ROLE_PRIMARY, true, 2, ""), handler().roleFacts());
        assertEquals(AgentOutcome.AGENT_OUTCOME_REFUSED, handler().handle(roleCommand("p0", AgentOp.AGENT_OP_PROMOTE, 1)).getOutcome(),
                "a promote of the epoch before is stale");
    }

    @Test
    void a_primary_whose_lease_ran_out_fences_itself_once_and_stays_so_until_promoted() {
        CommandHandler handler = handler();
        handler.handle(deploy("d1"));
        database.calls.clear();
        handler.fenceForLostLease(1500);
        handler.fenceForLostLease(1700);
        assertEquals(List.of("read-only"), database.calls);
        assertEquals(new RoleFacts(Role.ROLE_PRIMARY, true, 1, ""), handler().roleFacts());
        assertFalse(handler.writablePrimary());
        handler.handle(roleCommand("p1", AgentOp.AGENT_OP_PROMOTE, 1));
        assertTrue(handler.writablePrimary());
    }

    @Test
    void only_role_changes_raise_the_epoch() {
        CommandHandler handler = handler();
        handler.handle(deploy("d1"));
        handler.handle(makeCsr("r1").toBuilder().setEpoch(5).build());
        assertEquals(1, handler.highestEpoch());
        handler.handle(roleCommand("f1", AgentOp.AGENT_OP_FENCE, 3));
        assertEquals(3, handler.highestEpoch());
    }

    // Certificates. The test CA signs with the real clock, so these handlers run on it too.

    private static final List<String> NAMES = List.of("orders.acme.db.test", "orders-1.acme.db.test");
    private final TestCa ca = TestCa.root("test CA");

    private static AgentCommand makeCsr(String requestId) {
        return AgentCommand.newBuilder().setCommandId("csr-" + requestId).setInstanceId("acme-orders-1")
                .setOp(AgentOp.AGENT_OP_MAKE_CSR).setEpoch(1).setCertRequestId(requestId).addAllDnsNames(NAMES).build();
    }

    private static AgentCommand install(String requestId, String chainPem, String caPem) {
        return AgentCommand.newBuilder().setCommandId("install-" + requestId).setInstanceId("acme-orders-1")
                .setOp(AgentOp.AGENT_OP_INSTALL_CERT).setEpoch(1).setCertRequestId(requestId).setCertChainPem(chainPem)
                .setCaBundlePem(caPem).build();
    }

    /** A deployed, running database whose TLS files are in place, as after a real server's start. */
    private CommandHandler deployedWithTls(TlsMode mode) {
        CommandHandler handler = handler(Clock.systemUTC());
        handler.handle(deploy("d1").toBuilder().setTlsMode(mode).build());
        new ServerTls(files).ensureLive(Instant.now());
        database.calls.clear();
        return handler;
    }

    private AgentEvent csrAndInstall(CommandHandler handler, String requestId) {
        AgentEvent csr = handler.handle(makeCsr(requestId));
        assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, csr.getOutcome(), csr.getReason());
        X509Certificate leaf = ca.sign(csr.getCsrPem());
        return handler.handle(install(requestId, ca.chainPem(leaf), ca.pem()));
    }

    @Test
    void makes_a_csr_and_answers_done_with_it_and_the_same_request_gets_the_same_csr_again() {
        CommandHandler handler = deployedWithTls(TlsMode.TLS_MODE_ACME);
        AgentEvent first = handler.handle(makeCsr("r1"));
        assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, first.getOutcome(), first.getReason());
        assertEquals("r1", first.getCertRequestId());
        assertTrue(first.getCsrPem().startsWith("-----BEGIN CERTIFICATE REQUEST-----"), first.getCsrPem());
        assertFalse(ProtoJsonSerde.toJson(first).contains("PRIVATE KEY"));
        assertEquals(first.getCsrPem(), handler.handle(makeCsr("r1")).getCsrPem());
        assertEquals(List.of(), database.calls, "a CSR does not touch the server");
    }

    @Test
    void installs_a_certificate_reloads_tls_and_keeps_requiring_secure_transport_after_a_restart() {
        CommandHandler handler = deployedWithTls(TlsMode.TLS_MODE_ACME);
        AgentEvent installed = csrAndInstall(handler, "r1");
        assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, installed.getOutcome(), installed.getReason());
        X509Certificate live = new ServerTls(files).liveLeaf().orElseThrow();
        assertEquals(live.getSerialNumber().toString(16), installed.getCertSerial());
        assertEquals("r1", installed.getCertRequestId());
        assertEquals(List.of("reload-tls tls-only"), database.calls);
        AgentState saved = AgentState.load(files.stateFile());
        assertEquals("r1", saved.certRequestId());
        assertEquals(installed.getCertSerial(), saved.certSerial());

        database.running = false;
        database.calls.clear();
        handler(Clock.systemUTC()).recover();
        assertEquals(List.of("start SIZE_MEDIUM tls-only"), database.calls, "a restarted server refuses plain connections too");
    }

    @Test
    void installing_the_same_chain_again_answers_done_and_changes_nothing() {
        CommandHandler handler = deployedWithTls(TlsMode.TLS_MODE_ACME);
        AgentEvent csr = handler.handle(makeCsr("r1"));
        AgentCommand install = install("r1", ca.chainPem(ca.sign(csr.getCsrPem())), ca.pem());
        AgentEvent first = handler.handle(install);
        database.calls.clear();
        AgentEvent again = handler.handle(install);
        assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, again.getOutcome(), again.getReason());
        assertEquals(first.getCertSerial(), again.getCertSerial());
        assertTrue(again.getReason().contains("already installed"), again.getReason());
        assertEquals(List.of(), database.calls);
    }

    @Test
    void a_chain_for_another_key_is_refused_and_the_current_certificate_stays() {
        CommandHandler handler = deployedWithTls(TlsMode.TLS_MODE_ACME);
        csrAndInstall(handler, "r1");
        X509Certificate before = new ServerTls(files).liveLeaf().orElseThrow();
        database.calls.clear();
        handler.handle(makeCsr("r2"));
        String foreignCsr = new ServerTls(new InstanceFiles(dir.resolve("elsewhere"))).csr("x", NAMES);
        AgentEvent refused = handler.handle(install("r2", ca.chainPem(ca.sign(foreignCsr)), ca.pem()));
        assertEquals(AgentOutcome.AGENT_OUTCOME_REFUSED, refused.getOutcome());
        assertTrue(refused.getReason().contains("another key"), refused.getReason());
        assertEquals("r2", refused.getCertRequestId());
        assertEquals(before, new ServerTls(files).liveLeaf().orElseThrow());
        assertEquals(List.of(), database.calls);
        assertEquals("r1", AgentState.load(files.stateFile()).certRequestId());
    }

    @Test
    void a_server_that_does_not_take_the_new_certificate_keeps_the_old_files_and_the_answer_is_failed() {
        CommandHandler handler = deployedWithTls(TlsMode.TLS_MODE_ACME);
        X509Certificate bootstrap = new ServerTls(files).liveLeaf().orElseThrow();
        database.failReload = true;
        AgentEvent failed = csrAndInstall(handler, "r1");
        assertEquals(AgentOutcome.AGENT_OUTCOME_FAILED, failed.getOutcome());
        assertTrue(failed.getReason().contains("FLUSH SSL failed"), failed.getReason());
        assertEquals(bootstrap, new ServerTls(files).liveLeaf().orElseThrow());
        assertFalse(AgentState.load(files.stateFile()).certificateInstalled());

        database.failReload = false;
        AgentEvent retried = csrAndInstall(handler, "r1");
        assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, retried.getOutcome(), retried.getReason());
    }

    @Test
    void a_deployment_without_tls_gets_the_certificate_but_keeps_plain_connections_until_a_deploy_turns_tls_on() {
        CommandHandler handler = deployedWithTls(TlsMode.TLS_MODE_DISABLED);
        assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, csrAndInstall(handler, "r1").getOutcome());
        assertEquals(List.of("reload-tls"), database.calls);
        database.calls.clear();
        handler.handle(deploy("d2").toBuilder().setTlsMode(TlsMode.TLS_MODE_ACME).build());
        assertEquals(List.of("reload-tls tls-only", "admin admin"), database.calls);
        database.calls.clear();
        handler.handle(deploy("d3").toBuilder().setTlsMode(TlsMode.TLS_MODE_ACME).build());
        assertEquals(List.of("admin admin"), database.calls, "no reload when nothing changes");
    }

    @Test
    void destroy_removes_the_record_of_the_certificate() {
        CommandHandler handler = deployedWithTls(TlsMode.TLS_MODE_ACME);
        csrAndInstall(handler, "r1");
        handler.handle(destroy("x1"));
        assertFalse(AgentState.load(files.stateFile()).certificateInstalled());
        assertEquals(AgentOutcome.AGENT_OUTCOME_REFUSED, handler.handle(makeCsr("r2")).getOutcome());
    }

    // Actions echoed and reason codes: what the reconciler decides on, never the text.

    private static ActionKey action(ActionKind kind, long epoch) {
        return ActionKey.newBuilder().setKind(kind).setInstanceId("acme-orders-1").setEpoch(epoch).build();
    }

    private AgentCommand withAction(AgentCommand command, ActionKind kind) {
        return command.toBuilder().setAction(action(kind, command.getEpoch())).build();
    }

    @Test
    void every_answer_echoes_the_action_of_its_command_repeats_included() {
        CommandHandler handler = handler();
        List<AgentCommand> commands = List.of(
                withAction(deploy("d1"), ActionKind.ACTION_KIND_DEPLOY),
                withAction(deploy("d1"), ActionKind.ACTION_KIND_DEPLOY),
                withAction(replicate("r1", 2), ActionKind.ACTION_KIND_REPLICATE),
                withAction(replicate("r0", 1), ActionKind.ACTION_KIND_REPLICATE),
                withAction(roleCommand("p1", AgentOp.AGENT_OP_PROMOTE, 3), ActionKind.ACTION_KIND_PROMOTE),
                withAction(roleCommand("f1", AgentOp.AGENT_OP_FENCE, 4), ActionKind.ACTION_KIND_FENCE),
                withAction(deploy("d2").toBuilder().clearSize().setEpoch(4).build(), ActionKind.ACTION_KIND_DEPLOY),
                withAction(destroy("x1").toBuilder().setEpoch(4).build(), ActionKind.ACTION_KIND_STOP_DATABASE),
                withAction(destroy("x1").toBuilder().setEpoch(4).build(), ActionKind.ACTION_KIND_STOP_DATABASE));
        for (AgentCommand command : commands) {
            AgentEvent answer = handler.handle(command);
            assertEquals(command.getAction(), answer.getAction(), command.getCommandId() + " answered " + answer.getOutcome());
        }
        AgentEvent unasked = handler.handle(replicate("r2", 4));
        assertFalse(unasked.hasAction(), "a command without an action gets an answer without one");
    }

    @Test
    void the_first_command_handed_over_at_launch_is_answered_with_its_action() throws Exception {
        AgentCommand first = withAction(deploy("d1"), ActionKind.ACTION_KIND_DEPLOY);
        java.nio.file.Files.createDirectories(files.dir());
        java.nio.file.Files.writeString(files.firstCommand(), ProtoJsonSerde.toJson(first));
        AgentEvent answer = handler().recover().orElseThrow();
        assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_READY, answer.getOutcome());
        assertEquals(first.getAction(), answer.getAction());
    }

    @Test
    void after_a_restart_the_unasked_ready_carries_the_action_of_the_deploy_that_created_the_database() {
        AgentCommand created = withAction(deploy("d1"), ActionKind.ACTION_KIND_DEPLOY);
        handler().handle(created);
        handler().handle(withAction(deploy("d2").toBuilder().setEpoch(2).build(), ActionKind.ACTION_KIND_DEPLOY));
        database.running = false;
        AgentEvent announced = handler().recover().orElseThrow();
        assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_READY, announced.getOutcome());
        assertEquals("d1", announced.getCommandId());
        assertEquals(created.getAction(), announced.getAction(), "kept in the state file beside the DEPLOY's id");
        assertEquals(AgentReason.AGENT_REASON_UNSPECIFIED, announced.getReasonCode());
    }

    @Test
    void after_a_restart_a_deploy_that_carried_no_action_is_announced_without_one() {
        handler().handle(deploy("d1"));
        database.running = false;
        AgentEvent announced = handler().recover().orElseThrow();
        assertEquals("d1", announced.getCommandId());
        assertFalse(announced.hasAction());
    }

    @Test
    void a_server_that_does_not_start_after_a_restart_is_announced_failed_as_a_database_error_with_the_deploy_action() {
        AgentCommand created = withAction(deploy("d1"), ActionKind.ACTION_KIND_DEPLOY);
        handler().handle(created);
        database.running = false;
        database.startFails = new IllegalStateException("mariadbd exited while starting");
        AgentEvent announced = handler().recover().orElseThrow();
        assertEquals(AgentOutcome.AGENT_OUTCOME_FAILED, announced.getOutcome());
        assertEquals(AgentReason.AGENT_REASON_DATABASE_ERROR, announced.getReasonCode());
        assertEquals(created.getAction(), announced.getAction());
        assertTrue(announced.getReason().endsWith("mariadbd exited while starting"), announced.getReason());
    }

    /** One case of {@link #answers_with_a_reason_code}: set up a handler, send the command, return the answer. */
    private interface Case {
        AgentEvent answer(CommandHandlerTest test);
    }

    private static ReplicationError fault(ReplicationFault fault, String text) {
        return new ReplicationError(fault, text);
    }

    private AgentEvent replicateWith(DatabaseServer.Link link, ReplicationError error) {
        handler().handle(replicaDeploy("d1"));
        database.replication = new DatabaseServer.Replication(link, error, "0-1-9");
        return handler().handle(replicate("r1", 1));
    }

    private AgentEvent deployed(AgentCommand command) {
        handler().handle(deploy("d1"));
        return handler().handle(command);
    }

    static Stream<Arguments> codes() {
        return Stream.of(
                code("a stale epoch is refused as STALE_EPOCH", t -> {
                    t.handler().handle(t.deploy("d1").toBuilder().setEpoch(3).build());
                    return t.handler().handle(t.replicate("r1", 2));
                }, AgentOutcome.AGENT_OUTCOME_REFUSED, AgentReason.AGENT_REASON_STALE_EPOCH),
                code("a stale epoch wins over a wrong state", t -> {
                    t.handler().handle(t.deploy("d1").toBuilder().setEpoch(3).build());
                    t.handler().handle(destroy("x1").toBuilder().setEpoch(3).build());
                    return t.handler().handle(t.deploy("d2").toBuilder().setEpoch(2).build());
                }, AgentOutcome.AGENT_OUTCOME_REFUSED, AgentReason.AGENT_REASON_STALE_EPOCH),
                code("REPLICATE while the link connects is DONE with NOT_CONNECTED_YET",
                        t -> t.replicateWith(DatabaseServer.Link.CONNECTING,
                                fault(ReplicationFault.REPLICATION_FAULT_CONNECTION, "connection (2003): refused")),
                        AgentOutcome.AGENT_OUTCOME_DONE, AgentReason.AGENT_REASON_NOT_CONNECTED_YET),
                code("REPLICATE streaming is DONE with no code",
                        t -> t.replicateWith(DatabaseServer.Link.STREAMING, ReplicationError.NONE),
                        AgentOutcome.AGENT_OUTCOME_DONE, AgentReason.AGENT_REASON_UNSPECIFIED),
                code("REPLICATE already replicating is DONE with no code",
                        t -> t.replicateWith(DatabaseServer.Link.ALREADY, ReplicationError.NONE),
                        AgentOutcome.AGENT_OUTCOME_DONE, AgentReason.AGENT_REASON_UNSPECIFIED),
                code("REPLICATE already pointed there while the link reconnects is DONE with NOT_CONNECTED_YET",
                        t -> t.replicateWith(DatabaseServer.Link.ALREADY,
                                fault(ReplicationFault.REPLICATION_FAULT_CONNECTION, "connection (2003): refused")),
                        AgentOutcome.AGENT_OUTCOME_DONE, AgentReason.AGENT_REASON_NOT_CONNECTED_YET),
                code("REPLICATE on a diverged history is FAILED with DIVERGED",
                        t -> t.replicateWith(DatabaseServer.Link.BROKEN, fault(ReplicationFault.REPLICATION_FAULT_DIVERGED, "diverged: x")),
                        AgentOutcome.AGENT_OUTCOME_FAILED, AgentReason.AGENT_REASON_DIVERGED, ReplicationFault.REPLICATION_FAULT_DIVERGED),
                code("REPLICATE from a primary that purged the binlogs is FAILED with CANNOT_CATCH_UP",
                        t -> t.replicateWith(DatabaseServer.Link.BROKEN,
                                fault(ReplicationFault.REPLICATION_FAULT_CANNOT_CATCH_UP, "cannot catch up: x")),
                        AgentOutcome.AGENT_OUTCOME_FAILED, AgentReason.AGENT_REASON_CANNOT_CATCH_UP,
                        ReplicationFault.REPLICATION_FAULT_CANNOT_CATCH_UP),
                code("REPLICATE broken for another reason is FAILED with REPLICATION_BROKEN",
                        t -> t.replicateWith(DatabaseServer.Link.BROKEN, fault(ReplicationFault.REPLICATION_FAULT_APPLY, "applying failed")),
                        AgentOutcome.AGENT_OUTCOME_FAILED, AgentReason.AGENT_REASON_REPLICATION_BROKEN, ReplicationFault.REPLICATION_FAULT_APPLY),
                code("the code follows the fault, not the words",
                        t -> t.replicateWith(DatabaseServer.Link.BROKEN,
                                fault(ReplicationFault.REPLICATION_FAULT_CANNOT_CATCH_UP, "diverged: misleading words")),
                        AgentOutcome.AGENT_OUTCOME_FAILED, AgentReason.AGENT_REASON_CANNOT_CATCH_UP,
                        ReplicationFault.REPLICATION_FAULT_CANNOT_CATCH_UP),
                code("PROMOTE before anything is deployed is refused as WRONG_STATE",
                        t -> t.handler().handle(t.roleCommand("p1", AgentOp.AGENT_OP_PROMOTE, 1)),
                        AgentOutcome.AGENT_OUTCOME_REFUSED, AgentReason.AGENT_REASON_WRONG_STATE),
                code("DEPLOY of a destroyed instance is refused as WRONG_STATE", t -> {
                    t.handler().handle(t.deploy("d1"));
                    t.handler().handle(destroy("x1"));
                    return t.handler().handle(t.deploy("d2"));
                }, AgentOutcome.AGENT_OUTCOME_REFUSED, AgentReason.AGENT_REASON_WRONG_STATE),
                code("REPLICATE on a stopped server is refused as WRONG_STATE", t -> {
                    t.handler().handle(t.deploy("d1"));
                    t.database.running = false;
                    return t.handler().handle(t.replicate("r1", 1));
                }, AgentOutcome.AGENT_OUTCOME_REFUSED, AgentReason.AGENT_REASON_WRONG_STATE),
                code("INSTALL_CERT for a request whose key is not here is refused as WRONG_STATE",
                        t -> t.deployed(install("r9", "-----BEGIN CERTIFICATE-----", "-----BEGIN CERTIFICATE-----")),
                        AgentOutcome.AGENT_OUTCOME_REFUSED, AgentReason.AGENT_REASON_WRONG_STATE),
                code("MAKE_CSR of a request made before for other names is refused as WRONG_STATE", t -> {
                    t.deployed(makeCsr("r1"));
                    return t.handler().handle(makeCsr("r1").toBuilder().clearDnsNames().addDnsNames("other.acme.db.test").build());
                }, AgentOutcome.AGENT_OUTCOME_REFUSED, AgentReason.AGENT_REASON_WRONG_STATE),
                code("a command wrong in itself is refused with no code",
                        t -> t.handler().handle(t.deploy("d1").toBuilder().clearSize().build()),
                        AgentOutcome.AGENT_OUTCOME_REFUSED, AgentReason.AGENT_REASON_UNSPECIFIED),
                code("an operation not supported is refused with no code",
                        t -> t.handler().handle(t.roleCommand("b1", AgentOp.AGENT_OP_UNSPECIFIED, 1)),
                        AgentOutcome.AGENT_OUTCOME_REFUSED, AgentReason.AGENT_REASON_UNSPECIFIED),
                code("a chain that does not parse is refused with no code", t -> {
                    t.deployed(makeCsr("r9"));
                    return t.handler().handle(install("r9", "not a certificate", "-----BEGIN CERTIFICATE-----"));
                },
                        AgentOutcome.AGENT_OUTCOME_REFUSED, AgentReason.AGENT_REASON_UNSPECIFIED),
                code("PROMOTE that the server cannot carry out is FAILED with DATABASE_ERROR", t -> {
                    t.handler().handle(t.replicaDeploy("d1"));
                    t.database.stopReplicatingFails = new IllegalStateException("did not apply up to 0-7-50 within 10000 ms");
                    return t.handler().handle(t.roleCommand("p1", AgentOp.AGENT_OP_PROMOTE, 2).toBuilder().setWaitForGtid("0-7-50").build());
                }, AgentOutcome.AGENT_OUTCOME_FAILED, AgentReason.AGENT_REASON_DATABASE_ERROR),
                code("DEPLOY whose server does not start is FAILED with DATABASE_ERROR", t -> {
                    t.database.startFails = new IllegalStateException("mariadbd did not answer within 30 s");
                    return t.handler().handle(t.deploy("d1"));
                }, AgentOutcome.AGENT_OUTCOME_FAILED, AgentReason.AGENT_REASON_DATABASE_ERROR),
                code("a secret that does not open is FAILED with no code: the server did nothing wrong", t -> {
                    SecretBox other = SecretBox.fromKeyFile(t.dir.resolve("other.key"));
                    return t.handler().handle(t.deploy("d1").toBuilder().setAdminPassword(other.seal(PASSWORD)).build());
                }, AgentOutcome.AGENT_OUTCOME_FAILED, AgentReason.AGENT_REASON_UNSPECIFIED),
                code("a deploy carried out has no code", t -> t.handler().handle(t.deploy("d1")),
                        AgentOutcome.AGENT_OUTCOME_DATABASE_READY, AgentReason.AGENT_REASON_UNSPECIFIED),
                code("FENCE of a stopped server is DONE with no code", t -> {
                    t.handler().handle(t.deploy("d1"));
                    t.database.running = false;
                    return t.handler().handle(t.roleCommand("f1", AgentOp.AGENT_OP_FENCE, 2));
                }, AgentOutcome.AGENT_OUTCOME_DONE, AgentReason.AGENT_REASON_UNSPECIFIED));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("codes")
    void answers_with_a_reason_code(String behaviour, Case scenario, AgentOutcome outcome, AgentReason code, ReplicationFault fault) {
        AgentEvent answer = scenario.answer(this);
        assertEquals(outcome, answer.getOutcome(), answer.getReason());
        assertEquals(code, answer.getReasonCode(), answer.getReason());
        assertEquals(fault, answer.getReplicationFault(), "replication_fault");
        assertFalse(answer.getReason().isBlank(), "the text for people stays");
    }

    private static Arguments code(String behaviour, Case scenario, AgentOutcome outcome, AgentReason code) {
        return code(behaviour, scenario, outcome, code, ReplicationFault.REPLICATION_FAULT_UNSPECIFIED);
    }

    private static Arguments code(String behaviour, Case scenario, AgentOutcome outcome, AgentReason code, ReplicationFault fault) {
        return Arguments.of(behaviour, scenario, outcome, code, fault);
    }
}
