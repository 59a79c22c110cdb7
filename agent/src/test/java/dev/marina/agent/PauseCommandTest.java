package dev.marina.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.agent.database.DatabaseServer;
import dev.marina.agent.metrics.SamplingGate;
import dev.marina.schemas.v1.ActionKey;
import dev.marina.schemas.v1.ActionKind;
import dev.marina.schemas.v1.AgentCommand;
import dev.marina.schemas.v1.AgentEvent;
import dev.marina.schemas.v1.AgentOp;
import dev.marina.schemas.v1.AgentOutcome;
import dev.marina.schemas.v1.Durability;
import dev.marina.schemas.v1.Engine;
import dev.marina.schemas.v1.Size;
import dev.marina.service.SecretBox;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PAUSE and RESUME through the handler, on a fake database: what is stopped, armed, kept and announced. */
class PauseCommandTest {

    @TempDir
    Path dir;

    private final InstanceIdentity identity = new InstanceIdentity("acme-orders-1", "acme/orders", "127.10.0.3");
    private final FakeDatabase database = new FakeDatabase();
    private final SamplingGate sampling = new SamplingGate();
    private final Clock clock = Clock.fixed(Instant.parse("2026-12-03T10:00:00Z"), ZoneOffset.UTC);
    private final List<AgentEvent> unasked = new ArrayList<>();
    private SecretBox box;
    private InstanceFiles files;

    @BeforeEach
    void setUp() {
        box = SecretBox.fromKeyFile(dir.resolve("platform.key"));
        files = new InstanceFiles(dir.resolve("instance"));
    }

    private CommandHandler handler() {
        CommandHandler handler = new CommandHandler(identity, files, database, () -> box, new AgentMetrics(new SimpleMeterRegistry()),
                sampling, clock);
        handler.useUnaskedEvents(unasked::add);
        return handler;
    }

    private AgentCommand deploy() {
        return AgentCommand.newBuilder().setCommandId("deploy-1").setInstanceId("acme-orders-1").setOp(AgentOp.AGENT_OP_DEPLOY)
                .setEngine(Engine.ENGINE_MARIADB).setVersion("10.11").setSize(Size.SIZE_SMALL).setAdminUser("admin")
                .setAdminPassword(box.seal("pw")).setDurability(Durability.DURABILITY_SEMI_SYNC).setEpoch(1).build();
    }

    private static AgentCommand command(String id, AgentOp op, long epoch, boolean wake) {
        return AgentCommand.newBuilder().setCommandId(id).setInstanceId("acme-orders-1").setOp(op).setEpoch(epoch).setWakeOnConnect(wake)
                .setAction(ActionKey.newBuilder().setKind(op == AgentOp.AGENT_OP_PAUSE ? ActionKind.ACTION_KIND_PAUSE
                        : ActionKind.ACTION_KIND_RESUME).setRequest(1)).build();
    }

    @Test
    void pause_with_wake_on_connect_fails_clearly_without_the_listener_program_and_changes_nothing() {
        CommandHandler handler = handler();
        handler.handle(deploy());
        database.wakeMissing = "wake on connect needs /usr/bin/systemd-socket-activate (Debian package systemd); run ./marina deps";
        database.calls.clear();
        AgentEvent failed = handler.handle(command("pause-1", AgentOp.AGENT_OP_PAUSE, 1, true));
        assertEquals(AgentOutcome.AGENT_OUTCOME_FAILED, failed.getOutcome());
        assertTrue(failed.getReason().contains("Debian package systemd"), failed.getReason());
        assertEquals(ActionKind.ACTION_KIND_PAUSE, failed.getAction().getKind());
        assertEquals(List.of(), database.calls, "nothing stopped");
        assertFalse(handler.roleFacts().paused());
    }

    @Test
    void a_paused_primary_is_armed_writable_stays_paused_across_an_agent_restart_and_is_announced_when_woken() {
        CommandHandler handler = handler();
        handler.handle(deploy());
        assertTrue(handler.writablePrimary());
        database.calls.clear();
        AgentEvent paused = handler.handle(command("pause-1", AgentOp.AGENT_OP_PAUSE, 2, true));
        assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_STOPPED, paused.getOutcome(), paused.getReason());
        assertTrue(paused.getPaused());
        assertEquals(List.of("stop", "arm-wake writable"), database.calls);
        assertTrue(database.paused, "the agent no longer dials the server");
        assertTrue(sampling.paused());
        assertFalse(handler.writablePrimary(), "a paused server takes no writes (no lease, no archive)");
        RoleFacts facts = handler.roleFacts();
        assertTrue(facts.paused());
        assertTrue(facts.wakeOnConnect());

        // A restarted agent keeps it paused and starts nothing.
        database.calls.clear();
        CommandHandler restarted = handler();
        assertTrue(restarted.recover().isEmpty());
        assertEquals(List.of(), database.calls, "nothing started; the listener runs still");
        assertTrue(restarted.roleFacts().paused());

        // A client's connection wakes it: announced unasked, writable, at the PAUSE's epoch, echoing the DEPLOY.
        database.wake = DatabaseServer.WakeState.WOKEN;
        restarted.watchWake();
        assertEquals(1, unasked.size());
        AgentEvent woken = unasked.get(0);
        assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_READY, woken.getOutcome());
        assertTrue(woken.getWoken());
        assertFalse(woken.getReadOnly());
        assertEquals(2, woken.getEpoch());
        assertEquals("deploy-1", woken.getCommandId());
        assertTrue(restarted.writablePrimary());
        assertFalse(restarted.roleFacts().paused());
        assertFalse(sampling.paused());

        // RESUME of the woken server: READY again, nothing started.
        database.calls.clear();
        AgentEvent resumed = restarted.handle(command("resume-1", AgentOp.AGENT_OP_RESUME, 2, false));
        assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_READY, resumed.getOutcome(), resumed.getReason());
        assertEquals(ActionKind.ACTION_KIND_RESUME, resumed.getAction().getKind());
        assertEquals(List.of(), database.calls);
    }

    @Test
    void resume_starts_a_paused_primary_writable_and_a_fenced_one_is_armed_read_only() {
        CommandHandler handler = handler();
        handler.handle(deploy());
        handler.handle(command("pause-1", AgentOp.AGENT_OP_PAUSE, 2, false));
        database.calls.clear();
        AgentEvent resumed = handler.handle(command("resume-1", AgentOp.AGENT_OP_RESUME, 3, false));
        assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_READY, resumed.getOutcome(), resumed.getReason());
        assertFalse(resumed.getReadOnly());
        assertEquals("start SIZE_SMALL", database.calls.get(0));
        assertTrue(database.calls.get(1).startsWith("writable"), database.calls.toString());
        assertEquals(3, handler.highestEpoch());

        // Fenced while paused: woken read-only.
        handler.handle(command("pause-2", AgentOp.AGENT_OP_PAUSE, 3, true));
        database.calls.clear();
        AgentEvent fenced = handler.handle(command("fence-1", AgentOp.AGENT_OP_FENCE, 4, false));
        assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, fenced.getOutcome(), fenced.getReason());
        assertEquals(List.of("arm-wake read-only"), database.calls);
    }
}
