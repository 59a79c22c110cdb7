package dev.marina.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.agent.archive.ArchiveSettings;
import dev.marina.agent.archive.BinlogArchiver;
import dev.marina.agent.metrics.SamplingGate;
import dev.marina.schemas.v1.AgentCommand;
import dev.marina.schemas.v1.AgentEvent;
import dev.marina.schemas.v1.AgentOp;
import dev.marina.schemas.v1.AgentOutcome;
import dev.marina.schemas.v1.BinlogArchiveSettings;
import dev.marina.schemas.v1.Engine;
import dev.marina.schemas.v1.Role;
import dev.marina.schemas.v1.Size;
import dev.marina.service.SecretBox;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ARCHIVE_BINLOGS and {@code archive} on DEPLOY/PROMOTE through the command handler: what is kept, and what the archiver is told. */
class ArchiveCommandTest {

    private static final String KEY = Base64.getEncoder().encodeToString(new byte[32]);

    @TempDir
    Path dir;

    private final InstanceIdentity identity = new InstanceIdentity("acme-orders-1", "acme/orders", "127.10.0.3");
    private final FakeDatabase database = new FakeDatabase();
    private final Clock clock = Clock.fixed(Instant.parse("2026-12-01T10:00:00Z"), ZoneOffset.UTC);
    private SecretBox box;
    private InstanceFiles files;

    @BeforeEach
    void setUp() {
        box = SecretBox.fromKeyFile(dir.resolve("platform.key"));
        files = new InstanceFiles(dir.resolve("instance"));
    }

    private CommandHandler handler() {
        return new CommandHandler(identity, files, database, () -> box, new AgentMetrics(new SimpleMeterRegistry()), new SamplingGate(),
                clock);
    }

    private AgentCommand.Builder command(String id, AgentOp op, long epoch) {
        return AgentCommand.newBuilder().setCommandId(id).setInstanceId("acme-orders-1").setOp(op).setEpoch(epoch);
    }

    private AgentCommand deploy(Role role) {
        return command("d1", AgentOp.AGENT_OP_DEPLOY, 1).setEngine(Engine.ENGINE_MARIADB).setVersion("10.11").setSize(Size.SIZE_MEDIUM)
                .setAdminUser("admin").setAdminPassword(box.seal("pw")).setRole(role).build();
    }

    private AgentCommand archive(long epoch, boolean enabled, String keepAfter) {
        AgentCommand.Builder c = command("a-" + epoch + enabled, AgentOp.AGENT_OP_ARCHIVE_BINLOGS, epoch)
                .setArchive(BinlogArchiveSettings.newBuilder().setEnabled(enabled).setKeepAfterGtid(keepAfter));
        return enabled ? c.setBackupKeyId("bk-7").setBackupKey(box.seal(KEY)).build() : c.build();
    }

    @Test
    void keeps_the_settings_sealed_and_owner_only_and_a_restarted_agent_archives_again_after_promote() throws Exception {
        CommandHandler handler = handler();
        database.position = "0-1-5";
        assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_READY, handler.handle(deploy(Role.ROLE_PRIMARY)).getOutcome());
        assertTrue(handler.archivePlan().session().isEmpty(), "not told to archive yet");
        assertFalse(handler.archivePlan().keepBinlogs());

        AgentEvent done = handler.handle(archive(1, true, "0-1-3"));
        assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, done.getOutcome(), done.getReason());
        assertTrue(done.hasArchive(), "answered with the coverage");
        assertEquals("archiving binary logs", done.getReason());
        BinlogArchiver.Session session = handler.archivePlan().session().orElseThrow();
        assertEquals(1, session.epoch());
        assertEquals("0-1-5", session.promotedAt(), "where the first DEPLOY left it writable");
        assertEquals("bk-7", session.key().id());
        assertEquals("0-1-3", session.keepAfterGtid());

        Path file = ArchiveSettings.file(files);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertFalse(Files.readString(file).contains(KEY), "the key stays sealed on disk");

        // A new agent process: the primary is fenced until PROMOTE, its binary logs still kept from expiring.
        database.position = "0-1-9";
        CommandHandler restarted = handler();
        BinlogArchiver.Plan fenced = restarted.archivePlan();
        assertTrue(fenced.session().isEmpty(), "a fenced primary does not archive");
        assertTrue(fenced.keepBinlogs(), "but keeps its binary logs");
        AgentEvent promoted = restarted.handle(command("p2", AgentOp.AGENT_OP_PROMOTE, 2).build());
        assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, promoted.getOutcome(), promoted.getReason());
        BinlogArchiver.Session again = restarted.archivePlan().session().orElseThrow();
        assertEquals(2, again.epoch());
        assertEquals("0-1-9", again.promotedAt());
        // PROMOTE repeated at the same epoch keeps the position the term began at.
        database.position = "0-1-20";
        restarted.handle(command("p2-again", AgentOp.AGENT_OP_PROMOTE, 2).build());
        assertEquals("0-1-9", restarted.archivePlan().session().orElseThrow().promotedAt());

        // Off: nothing archived, the binary logs expire again.
        assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, restarted.handle(archive(2, false, "")).getOutcome());
        assertTrue(restarted.archivePlan().session().isEmpty());
        assertFalse(restarted.archivePlan().keepBinlogs());
    }

    @Test
    void a_replica_keeps_the_settings_and_archives_once_promoted_with_them() {
        CommandHandler handler = handler();
        assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_READY, handler.handle(deploy(Role.ROLE_REPLICA)).getOutcome());
        AgentEvent kept = handler.handle(archive(1, true, ""));
        assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, kept.getOutcome(), kept.getReason());
        assertTrue(kept.getReason().contains("archived while a writable primary"), kept.getReason());
        assertTrue(handler.archivePlan().session().isEmpty());
        assertFalse(handler.archivePlan().keepBinlogs(), "a replica's binary logs expire as usual");
        database.position = "0-1-77";
        handler.handle(command("p2", AgentOp.AGENT_OP_PROMOTE, 2).build());
        BinlogArchiver.Session session = handler.archivePlan().session().orElseThrow();
        assertEquals("0-1-77", session.promotedAt());
        assertEquals(2, session.epoch());
    }

    @Test
    void a_promote_carrying_settings_keeps_them_and_a_stale_archive_command_is_refused() {
        CommandHandler handler = handler();
        handler.handle(deploy(Role.ROLE_REPLICA));
        AgentEvent promoted = handler.handle(command("p3", AgentOp.AGENT_OP_PROMOTE, 3)
                .setArchive(BinlogArchiveSettings.newBuilder().setEnabled(true)).setBackupKeyId("bk-9").setBackupKey(box.seal(KEY)).build());
        assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, promoted.getOutcome(), promoted.getReason());
        assertEquals("bk-9", handler.archivePlan().session().orElseThrow().key().id());
        AgentEvent stale = handler.handle(archive(2, false, ""));
        assertEquals(AgentOutcome.AGENT_OUTCOME_REFUSED, stale.getOutcome());
        assertTrue(handler.archivePlan().session().isPresent(), "a stale command changed nothing");
    }

    @Test
    void a_key_that_does_not_open_fails_and_keeps_nothing() {
        CommandHandler handler = handler();
        handler.handle(deploy(Role.ROLE_PRIMARY));
        AgentEvent failed = handler.handle(archive(1, true, "").toBuilder().setBackupKey(box.seal("not base64 of 32 bytes!")).build());
        assertEquals(AgentOutcome.AGENT_OUTCOME_FAILED, failed.getOutcome());
        assertTrue(failed.getReason().contains("backup key is unusable"), failed.getReason());
        assertTrue(handler.archivePlan().session().isEmpty());
    }
}
