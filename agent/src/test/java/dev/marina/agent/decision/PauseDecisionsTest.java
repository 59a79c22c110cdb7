package dev.marina.agent.decision;

import static dev.marina.agent.decision.LocalState.DESTROYED;
import static dev.marina.agent.decision.LocalState.NO_DATA;
import static dev.marina.agent.decision.LocalState.RUNNING;
import static dev.marina.agent.decision.LocalState.STOPPED;
import static dev.marina.schemas.v1.AgentReason.AGENT_REASON_STALE_EPOCH;
import static dev.marina.schemas.v1.AgentReason.AGENT_REASON_UNSPECIFIED;
import static dev.marina.schemas.v1.AgentReason.AGENT_REASON_WRONG_STATE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.schemas.v1.AgentCommand;
import dev.marina.schemas.v1.AgentOp;
import dev.marina.schemas.v1.AgentReason;
import dev.marina.schemas.v1.Engine;
import dev.marina.schemas.v1.Role;
import dev.marina.schemas.v1.SealedSecret;
import dev.marina.schemas.v1.Size;
import com.google.protobuf.ByteString;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** PAUSE and RESUME: what the agent does, given what the instance holds. */
class PauseDecisionsTest {

    private static final String INSTALLED = "10.11.19";

    /** state, paused, backup running, highest epoch. */
    private static Facts facts(LocalState state, boolean paused, boolean backupRunning, long epoch) {
        return new Facts(state, epoch, INSTALLED, Role.ROLE_PRIMARY, true, !paused && state == RUNNING, null, null, backupRunning, paused);
    }

    private static AgentCommand command(AgentOp op, long epoch) {
        return AgentCommand.newBuilder().setCommandId("c1").setInstanceId("i1").setOp(op).setEpoch(epoch).setWakeOnConnect(true).build();
    }

    static Stream<Arguments> rows() {
        AgentOp pause = AgentOp.AGENT_OP_PAUSE;
        AgentOp resume = AgentOp.AGENT_OP_RESUME;
        return Stream.of(
                row("pauses a running server", facts(RUNNING, false, false, 3), pause, 3, Action.PAUSE, AGENT_REASON_UNSPECIFIED, "running"),
                row("pauses a server that does not run (keeps it stopped)", facts(STOPPED, false, false, 3), pause, 3, Action.PAUSE,
                        AGENT_REASON_UNSPECIFIED, "not running"),
                row("a repeated PAUSE keeps it paused", facts(STOPPED, true, false, 3), pause, 3, Action.PAUSE, AGENT_REASON_UNSPECIFIED,
                        "paused already"),
                row("refuses to pause while a backup runs here", facts(RUNNING, false, true, 3), pause, 3, Action.REFUSE,
                        AGENT_REASON_WRONG_STATE, "backup"),
                row("refuses to pause nothing deployed", facts(NO_DATA, false, false, 0), pause, 1, Action.REFUSE, AGENT_REASON_WRONG_STATE,
                        "no database"),
                row("refuses to pause a destroyed instance", facts(DESTROYED, false, false, 3), pause, 3, Action.REFUSE,
                        AGENT_REASON_WRONG_STATE, "destroyed"),
                row("refuses a PAUSE of an older epoch", facts(RUNNING, false, false, 4), pause, 3, Action.REFUSE, AGENT_REASON_STALE_EPOCH,
                        "stale epoch 3"),
                row("resumes a paused server", facts(STOPPED, true, false, 3), resume, 3, Action.RESUME, AGENT_REASON_UNSPECIFIED, "paused"),
                row("resumes at a higher epoch", facts(STOPPED, true, false, 3), resume, 5, Action.RESUME, AGENT_REASON_UNSPECIFIED, "paused"),
                row("announces a running server again (woken, or resumed before)", facts(RUNNING, false, false, 3), resume, 3,
                        Action.ANNOUNCE_RESUMED, AGENT_REASON_UNSPECIFIED, "running already"),
                row("refuses to resume a server stopped without a PAUSE", facts(STOPPED, false, false, 3), resume, 3, Action.REFUSE,
                        AGENT_REASON_WRONG_STATE, "not paused"),
                row("refuses a RESUME of an older epoch", facts(STOPPED, true, false, 4), resume, 3, Action.REFUSE, AGENT_REASON_STALE_EPOCH,
                        "stale epoch"),
                row("refuses to resume nothing deployed", facts(NO_DATA, false, false, 0), resume, 1, Action.REFUSE, AGENT_REASON_WRONG_STATE,
                        "no database"),
                row("refuses to resume a destroyed instance", facts(DESTROYED, false, false, 3), resume, 3, Action.REFUSE,
                        AGENT_REASON_WRONG_STATE, "destroyed"));
    }

    private static Arguments row(String name, Facts facts, AgentOp op, long epoch, Action action, AgentReason code, String reason) {
        return Arguments.of(name, facts, command(op, epoch), action, code, reason);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void decides(String name, Facts facts, AgentCommand command, Action action, AgentReason code, String reason) {
        Decision decision = AgentDecisions.decide(facts, command);
        assertEquals(action, decision.action(), decision.reason());
        assertEquals(code, decision.code(), decision.reason());
        assertTrue(decision.reason().contains(reason), decision.reason());
    }

    @Test
    void a_paused_server_is_not_started_by_a_deploy() {
        AgentCommand deploy = AgentCommand.newBuilder().setCommandId("d").setInstanceId("i1").setOp(AgentOp.AGENT_OP_DEPLOY).setEpoch(3)
                .setEngine(Engine.ENGINE_MARIADB).setSize(Size.SIZE_SMALL).setAdminUser("shop").setAdminPassword(
                        SealedSecret.newBuilder().setCiphertext(ByteString.copyFromUtf8("x"))).build();
        Decision decision = AgentDecisions.decide(facts(STOPPED, true, false, 3), deploy);
        assertEquals(Action.REFUSE, decision.action(), decision.reason());
        assertEquals(AGENT_REASON_WRONG_STATE, decision.code());
        assertEquals(Action.START, AgentDecisions.decide(facts(STOPPED, false, false, 3), deploy).action());
    }

    @Test
    void the_agent_keeps_a_paused_instance_paused_at_its_start() {
        assertEquals(Action.PAUSE, AgentDecisions.onStart(STOPPED, true).action());
        assertEquals(Action.START, AgentDecisions.onStart(STOPPED, false).action());
        assertEquals(Action.NOTHING, AgentDecisions.onStart(DESTROYED, true).action());
    }

    @Test
    void pause_and_resume_raise_the_epoch_a_woken_primary_writes_at() {
        assertTrue(AgentDecisions.raisesEpoch(AgentOp.AGENT_OP_RESUME));
        assertTrue(AgentDecisions.raisesEpoch(AgentOp.AGENT_OP_PAUSE));
    }
}
