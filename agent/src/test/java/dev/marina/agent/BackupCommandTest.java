package dev.marina.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.agent.backup.BackupJobs;
import dev.marina.agent.backup.BackupRunner;
import dev.marina.agent.backup.BackupTools;
import dev.marina.agent.backup.FakeTools;
import dev.marina.agent.backup.ObjectStoreFactory;
import dev.marina.agent.backup.ServerLogin;
import dev.marina.agent.metrics.SamplingGate;
import dev.marina.objectstore.ObjectStoreException;
import dev.marina.schemas.v1.ActionKey;
import dev.marina.schemas.v1.ActionKind;
import dev.marina.schemas.v1.AgentCommand;
import dev.marina.schemas.v1.AgentEvent;
import dev.marina.schemas.v1.AgentOp;
import dev.marina.schemas.v1.AgentOutcome;
import dev.marina.schemas.v1.AgentReason;
import dev.marina.schemas.v1.Engine;
import dev.marina.schemas.v1.Size;
import dev.marina.service.SecretBox;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** BACKUP through the handler: off the command thread, one at a time, answered when it ends. Scripted tools, the local s3proxy as the store. */
class BackupCommandTest {

    @TempDir
    Path dir;

    private final InstanceIdentity identity = new InstanceIdentity("acme-orders-1", "acme/orders", "127.10.0.3");
    private final FakeDatabase database = new FakeDatabase();
    private final BlockingQueue<AgentEvent> later = new LinkedBlockingQueue<>();
    private SecretBox box;
    private InstanceFiles files;
    private dev.marina.objectstore.ObjectStoreConfig storeConfig;
    private dev.marina.objectstore.S3ObjectStore store;
    private CommandHandler handler;
    private BackupJobs jobs;

    @BeforeEach
    void setUp() throws Exception {
        box = SecretBox.fromKeyFile(dir.resolve("platform.key"));
        files = new InstanceFiles(dir.resolve("instance"));
        storeConfig = dev.marina.testkit.SharedObjectStore.freshConfig();
        store = new dev.marina.objectstore.S3ObjectStore(storeConfig);
        handler = new CommandHandler(identity, files, database, () -> box, new AgentMetrics(new SimpleMeterRegistry()),
                new SamplingGate(), Clock.systemUTC());
        AgentEvent ready = handler.handle(AgentCommand.newBuilder().setCommandId("d1").setInstanceId("acme-orders-1")
                .setOp(AgentOp.AGENT_OP_DEPLOY).setEngine(Engine.ENGINE_MARIADB).setSize(Size.SIZE_SMALL).setAdminUser("admin")
                .setAdminPassword(box.seal("pw")).setEpoch(1).build());
        assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_READY, ready.getOutcome());
        Files.writeString(files.agentSecret(), "agent-pw\n");
    }

    @AfterEach
    void tearDown() {
        if (jobs != null) {
            jobs.close();
        }
        store.close();
    }

    private void useTool(String script, ObjectStoreFactory stores) throws Exception {
        BackupTools tools = FakeTools.backup(dir.resolve("bin"), script);
        jobs = new BackupJobs(stores, new BackupRunner(tools, ServerLogin.of(files), files.dir(), Clock.systemUTC()));
        handler.useBackups(jobs, later::add);
    }

    private AgentCommand backup(String commandId, String backupId) {
        byte[] key = new byte[32];
        return AgentCommand.newBuilder().setCommandId(commandId).setInstanceId("acme-orders-1").setOp(AgentOp.AGENT_OP_BACKUP)
                .setEpoch(1).setBackupId(backupId).setBackupKeyId("bk1")
                .setBackupKey(box.seal(Base64.getEncoder().encodeToString(key)))
                .setAction(ActionKey.newBuilder().setKind(ActionKind.ACTION_KIND_BACKUP).setSubject(backupId))
                .build();
    }

    private AgentEvent next() throws InterruptedException {
        AgentEvent event = later.poll(20, TimeUnit.SECONDS);
        assertTrue(event != null, "an answer within 20 s");
        return event;
    }

    @Test
    void answers_done_with_the_manifest_once_the_backup_ends() throws Exception {
        useTool(FakeTools.succeeding("seq 1 10000"), () -> new dev.marina.objectstore.S3ObjectStore(storeConfig));
        assertNull(handler.handle(backup("c1", "b1")), "answered later, off the command thread");
        AgentEvent done = next();
        assertEquals("c1", done.getCommandId());
        assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, done.getOutcome(), done.getReason());
        assertEquals(ActionKind.ACTION_KIND_BACKUP, done.getAction().getKind());
        assertEquals("b1", done.getAction().getSubject());
        assertEquals("b1", done.getBackup().getBackupId());
        assertEquals("bk1", done.getBackup().getKeyId());
        assertEquals("0-7-3", done.getBackup().getGtidPosition());
        assertEquals("acme", done.getBackup().getDeployment().getTenant());
        assertTrue(store.head("acme/orders/backups/b1/manifest.json").isPresent());
    }

    @Test
    void one_backup_at_a_time_while_other_commands_go_on() throws Exception {
        Path go = dir.resolve("go");
        useTool("while [ ! -f " + go + " ]; do sleep 0.05; done\n" + FakeTools.succeeding("seq 1 100"), () -> new dev.marina.objectstore.S3ObjectStore(storeConfig));
        assertNull(handler.handle(backup("c1", "b1")));

        AgentEvent other = handler.handle(backup("c2", "b2"));
        assertEquals(AgentOutcome.AGENT_OUTCOME_REFUSED, other.getOutcome());
        assertEquals(AgentReason.AGENT_REASON_WRONG_STATE, other.getReasonCode());
        assertEquals("backup b1 is running: one backup at a time", other.getReason());
        assertNull(handler.handle(backup("c1", "b1")), "the same command again: harmless");
        assertNull(handler.handle(backup("c3", "b1")), "another command for the same backup attaches to it");
        AgentEvent deploy = handler.handle(AgentCommand.newBuilder().setCommandId("d2").setInstanceId("acme-orders-1")
                .setOp(AgentOp.AGENT_OP_DEPLOY).setEngine(Engine.ENGINE_MARIADB).setSize(Size.SIZE_SMALL).setAdminUser("admin")
                .setAdminPassword(box.seal("pw")).setEpoch(1).build());
        assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_READY, deploy.getOutcome(), "the command thread is not held up");
        assertTrue(later.isEmpty());

        Files.createFile(go);
        List<String> answered = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            AgentEvent event = next();
            assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, event.getOutcome(), event.getReason());
            answered.add(event.getCommandId());
        }
        assertEquals(List.of("c1", "c3"), answered);
        jobs.awaitIdle(Duration.ofSeconds(5));
        assertNull(later.poll(300, TimeUnit.MILLISECONDS), "c1 is answered once");

        // Done: the next backup runs; the same backup again answers its manifest.
        assertNull(handler.handle(backup("c4", "b1")));
        AgentEvent again = next();
        assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, again.getOutcome());
        assertEquals("b1", again.getBackup().getBackupId());
    }

    @Test
    void an_agent_stopping_midway_kills_the_backup_and_lists_nothing() throws Exception {
        Path started = dir.resolve("started");
        useTool("touch " + started + "\nseq 1 1000\nwhile true; do sleep 0.05; done\n" + FakeTools.succeeding("seq 1 5"), () -> new dev.marina.objectstore.S3ObjectStore(storeConfig));
        assertNull(handler.handle(backup("c1", "b1")));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!Files.exists(started) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        jobs.close();
        AgentEvent failed = next();
        assertEquals(AgentOutcome.AGENT_OUTCOME_FAILED, failed.getOutcome());
        assertEquals(AgentReason.AGENT_REASON_BACKUP_TOOL_FAILED, failed.getReasonCode());
        assertTrue(failed.getReason().startsWith("the backup was cancelled (the agent is stopping)"), failed.getReason());
        assertTrue(store.list("").isEmpty(), "no manifest, no data object: " + store.list(""));
    }

    @Test
    void a_failing_tool_answers_failed_with_backup_tool_failed() throws Exception {
        useTool("echo 'Access denied' >&2; exit 1", () -> new dev.marina.objectstore.S3ObjectStore(storeConfig));
        assertNull(handler.handle(backup("c1", "b1")));
        AgentEvent failed = next();
        assertEquals(AgentOutcome.AGENT_OUTCOME_FAILED, failed.getOutcome());
        assertEquals(AgentReason.AGENT_REASON_BACKUP_TOOL_FAILED, failed.getReasonCode());
        assertEquals("mariadb-backup failed with exit code 1: Access denied", failed.getReason());
        assertEquals("b1", failed.getAction().getSubject());
    }

    @Test
    void a_store_that_cannot_be_opened_answers_failed_with_object_store_error() throws Exception {
        useTool(FakeTools.succeeding("seq 1 100"), () -> {
            throw new ObjectStoreException("no object store configured: object-store.properties is missing");
        });
        assertNull(handler.handle(backup("c1", "b1")));
        AgentEvent failed = next();
        assertEquals(AgentOutcome.AGENT_OUTCOME_FAILED, failed.getOutcome());
        assertEquals(AgentReason.AGENT_REASON_OBJECT_STORE_ERROR, failed.getReasonCode());
        assertEquals("cannot open the object store: no object store configured: object-store.properties is missing", failed.getReason());
    }

    @Test
    void the_agent_without_its_store_config_answers_object_store_error() throws Exception {
        useTool(FakeTools.succeeding("seq 1 100"), ObjectStoreFactory.fromInstanceFolder(files.dir()));
        assertNull(handler.handle(backup("c1", "b1")));
        AgentEvent failed = next();
        assertEquals(AgentReason.AGENT_REASON_OBJECT_STORE_ERROR, failed.getReasonCode());
        assertTrue(failed.getReason().contains("object-store.properties is missing"), failed.getReason());
    }

    @Test
    void without_backups_set_up_backup_fails_at_once() {
        AgentEvent failed = handler.handle(backup("c1", "b1"));
        assertEquals(AgentOutcome.AGENT_OUTCOME_FAILED, failed.getOutcome());
        assertEquals(AgentReason.AGENT_REASON_OBJECT_STORE_ERROR, failed.getReasonCode());
    }

    @Test
    void a_key_that_does_not_open_fails_before_anything_runs() throws Exception {
        useTool(FakeTools.succeeding("seq 1 100"), () -> new dev.marina.objectstore.S3ObjectStore(storeConfig));
        SecretBox other = SecretBox.fromKeyFile(dir.resolve("other.key"));
        AgentEvent failed = handler.handle(backup("c1", "b1").toBuilder().setBackupKey(other.seal("x")).build());
        assertEquals(AgentOutcome.AGENT_OUTCOME_FAILED, failed.getOutcome());
        assertTrue(failed.getReason().startsWith("cannot open the backup key"), failed.getReason());
        AgentEvent notAKey = handler.handle(backup("c2", "b1").toBuilder().setBackupKey(box.seal("c2hvcnQ=")).build());
        assertEquals("the backup key is unusable: a backup key is 32 bytes, not 5", notAKey.getReason());
        assertTrue(store.list("").isEmpty());
    }
}
