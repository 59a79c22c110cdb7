package dev.marina.agent.decision;

import static dev.marina.agent.decision.Action.ANNOUNCE_UPDATED;
import static dev.marina.agent.decision.Action.DEPLOY;
import static dev.marina.agent.decision.Action.REFUSE;
import static dev.marina.agent.decision.Action.UPDATE_LIVE;
import static dev.marina.agent.decision.Action.UPDATE_RESTART;
import static dev.marina.schemas.v1.AgentReason.AGENT_REASON_CHANGE_NOT_ALLOWED;
import static dev.marina.schemas.v1.AgentReason.AGENT_REASON_UNSPECIFIED;
import static dev.marina.schemas.v1.AgentReason.AGENT_REASON_WRONG_STATE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.marina.schemas.v1.AgentCommand;
import dev.marina.schemas.v1.AgentOp;
import dev.marina.schemas.v1.AgentReason;
import dev.marina.schemas.v1.Engine;
import dev.marina.schemas.v1.Role;
import dev.marina.schemas.v1.SealedSecret;
import dev.marina.schemas.v1.ServerConfig;
import dev.marina.schemas.v1.Size;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** UPDATE, and DEPLOY's config (builds, parameters), as tables. */
class UpdateDecisionsTest {

    private static final List<String> INSTALLED = List.of("10.11.18", "10.11.19");
    private static final ServerConfig RUNS = config("10.11.18", Size.SIZE_SMALL, Map.of("max_connections", "100"));

    /** A replica running {@link #RUNS}, no backup. */
    private static Facts replica() {
        return new Facts(LocalState.RUNNING, 3, "10.11.19", Role.ROLE_REPLICA, true, false, INSTALLED, RUNS, false);
    }

    static Stream<Arguments> updates() {
        return Stream.of(
                row("answers again when the server runs the config already", replica(), update(RUNS), ANNOUNCE_UPDATED,
                        AGENT_REASON_UNSPECIFIED, "already runs"),
                row("answers again when the parameters differ only in spelling", replica(),
                        update(config("10.11.18", Size.SIZE_SMALL, Map.of("max_connections", " 100"))), ANNOUNCE_UPDATED,
                        AGENT_REASON_UNSPECIFIED, ""),
                row("sets a changed dynamic parameter live", replica(),
                        update(config("10.11.18", Size.SIZE_SMALL, Map.of("max_connections", "200"))), UPDATE_LIVE,
                        AGENT_REASON_UNSPECIFIED, "dynamic"),
                row("sets a dropped dynamic parameter live (back to its default)", replica(),
                        update(config("10.11.18", Size.SIZE_SMALL, Map.of())), UPDATE_LIVE, AGENT_REASON_UNSPECIFIED, ""),
                row("sets dynamic parameters live on a writable primary too", primary(),
                        update(config("10.11.18", Size.SIZE_SMALL, Map.of("max_connections", "200", "wait_timeout", "60"))),
                        UPDATE_LIVE, AGENT_REASON_UNSPECIFIED, ""),
                row("restarts for a newer patch", replica(), update(config("10.11.19", Size.SIZE_SMALL, Map.of("max_connections", "100"))),
                        UPDATE_RESTART, AGENT_REASON_UNSPECIFIED, "to 10.11.19"),
                row("restarts for the newest patch of a series", replica(), update(config("10.11", Size.SIZE_SMALL,
                        Map.of("max_connections", "100"))), UPDATE_RESTART, AGENT_REASON_UNSPECIFIED, "to 10.11.19"),
                row("restarts for an older patch", facts(config("10.11.19", Size.SIZE_SMALL, Map.of()), false, false),
                        update(config("10.11.18", Size.SIZE_SMALL, Map.of())), UPDATE_RESTART, AGENT_REASON_UNSPECIFIED, ""),
                row("restarts for another size", replica(), update(config("10.11.18", Size.SIZE_MEDIUM, Map.of("max_connections", "100"))),
                        UPDATE_RESTART, AGENT_REASON_UNSPECIFIED, "SIZE_MEDIUM"),
                row("keeps the size when the command leaves it out", replica(), update(config("10.11.18", Size.SIZE_UNSPECIFIED,
                        Map.of("max_connections", "100"))), ANNOUNCE_UPDATED, AGENT_REASON_UNSPECIFIED, ""),
                row("restarts for a static parameter", replica(), update(config("10.11.18", Size.SIZE_SMALL,
                        Map.of("max_connections", "100", "performance_schema", "on"))), UPDATE_RESTART, AGENT_REASON_UNSPECIFIED, ""),
                row("refuses a restart of a writable primary", primary(), update(config("10.11.19", Size.SIZE_SMALL,
                        Map.of("max_connections", "100"))), REFUSE, AGENT_REASON_WRONG_STATE, "after a switchover"),
                row("refuses a restart while a backup runs", facts(RUNS, false, true), update(config("10.11.19", Size.SIZE_SMALL,
                        Map.of())), REFUSE, AGENT_REASON_WRONG_STATE, "backup runs"),
                row("restarts a fenced primary (it takes no writes)", new Facts(LocalState.RUNNING, 3, "10.11.19", Role.ROLE_PRIMARY,
                        true, false, INSTALLED, RUNS, false), update(config("10.11.19", Size.SIZE_SMALL, Map.of())), UPDATE_RESTART,
                        AGENT_REASON_UNSPECIFIED, ""),
                row("refuses another series", new Facts(LocalState.RUNNING, 3, "10.11.19", Role.ROLE_REPLICA, true, false,
                        List.of("10.6.20", "10.11.18", "10.11.19"), RUNS, false), update(config("10.6.20", Size.SIZE_SMALL, Map.of())),
                        REFUSE, AGENT_REASON_CHANGE_NOT_ALLOWED, "not supported by MariaDB"),
                row("refuses a version not installed, saying how to get it", replica(), update(config("10.11.17", Size.SIZE_SMALL,
                        Map.of())), REFUSE, AGENT_REASON_UNSPECIFIED, "./marina deps"),
                row("refuses a parameter off the allow-list", replica(), update(config("10.11.18", Size.SIZE_SMALL,
                        Map.of("datadir", "/tmp"))), REFUSE, AGENT_REASON_UNSPECIFIED, "datadir: is not a parameter"),
                row("refuses a value out of range", replica(), update(config("10.11.18", Size.SIZE_SMALL,
                        Map.of("max_connections", "1"))), REFUSE, AGENT_REASON_UNSPECIFIED, "max_connections"),
                row("refuses a value that would inject SQL", replica(), update(config("10.11.18", Size.SIZE_SMALL,
                        Map.of("sql_mode", "'; DROP TABLE x; --"))), REFUSE, AGENT_REASON_UNSPECIFIED, "sql_mode"),
                row("refuses an update of a stopped server", new Facts(LocalState.STOPPED, 3, "10.11.19", Role.ROLE_REPLICA, true, false,
                        INSTALLED, RUNS, false), update(RUNS), REFUSE, AGENT_REASON_WRONG_STATE, "not running"),
                row("refuses an update of an instance without data", new Facts(LocalState.NO_DATA, 0, "10.11.19"), update(RUNS), REFUSE,
                        AGENT_REASON_WRONG_STATE, "no database"),
                row("refuses an update of a destroyed instance", new Facts(LocalState.DESTROYED, 3, "10.11.19"), update(RUNS), REFUSE,
                        AGENT_REASON_WRONG_STATE, "destroyed"),
                row("refuses an update of a stale epoch", replica(), update(RUNS).toBuilder().setEpoch(2).build(), REFUSE,
                        AgentReason.AGENT_REASON_STALE_EPOCH, "stale"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("updates")
    void decidesUpdates(String behaviour, Facts facts, AgentCommand command, Action expected, AgentReason code, String reasonPart) {
        Decision decision = AgentDecisions.decide(facts, command);
        assertEquals(expected, decision.action(), decision.reason());
        assertEquals(code, decision.code(), decision.reason());
        assertTrue(decision.reason().contains(reasonPart), decision.reason());
    }

    @Test
    void updateIsNoRoleChange() {
        assertEquals(false, AgentDecisions.raisesEpoch(AgentOp.AGENT_OP_UPDATE));
    }

    @Test
    void targetResolvesTheSeriesKeepsTheSizeAndNormalizesParameters() {
        ServerConfig target = AgentDecisions.target(replica(), update(config("10.11", Size.SIZE_UNSPECIFIED,
                Map.of("slow_query_log", "1", "sql_mode", "strict_trans_tables,ansi_quotes"))));
        assertEquals(config("10.11.19", Size.SIZE_SMALL, Map.of("slow_query_log", "ON", "sql_mode", "ANSI_QUOTES,STRICT_TRANS_TABLES")),
                target);
    }

    static Stream<Arguments> deploys() {
        return Stream.of(
                Arguments.of("deploys an unpacked build by its exact version", deploy(config("10.11.18", Size.SIZE_SMALL, Map.of())), DEPLOY, ""),
                Arguments.of("deploys with valid parameters", deploy(config("10.11.19", Size.SIZE_SMALL, Map.of("max_connections", "50"))),
                        DEPLOY, ""),
                Arguments.of("takes size from the config when the old field is unset", deploy(config("10.11", Size.SIZE_LARGE, Map.of()))
                        .toBuilder().clearSize().build(), DEPLOY, ""),
                Arguments.of("refuses a build that is not installed, saying how to get it", deploy(config("10.11.17", Size.SIZE_SMALL,
                        Map.of())), REFUSE, "run ./marina deps"),
                Arguments.of("refuses invalid parameters before anything is written", deploy(config("10.11.19", Size.SIZE_SMALL,
                        Map.of("performance_schema", "maybe"))), REFUSE, "performance_schema"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("deploys")
    void decidesDeployConfigs(String behaviour, AgentCommand command, Action expected, String reasonPart) {
        Decision decision = AgentDecisions.decide(new Facts(LocalState.NO_DATA, 0, "10.11.19", Role.ROLE_UNSPECIFIED, false, false,
                INSTALLED, null, false), command);
        assertEquals(expected, decision.action(), decision.reason());
        assertTrue(decision.reason().contains(reasonPart), decision.reason());
    }

    private static Facts primary() {
        return new Facts(LocalState.RUNNING, 3, "10.11.19", Role.ROLE_PRIMARY, true, true, INSTALLED, RUNS, false);
    }

    private static Facts facts(ServerConfig runs, boolean writablePrimary, boolean backup) {
        return new Facts(LocalState.RUNNING, 3, "10.11.19", writablePrimary ? Role.ROLE_PRIMARY : Role.ROLE_REPLICA, true,
                writablePrimary, INSTALLED, runs, backup);
    }

    private static Arguments row(String behaviour, Facts facts, AgentCommand command, Action expected, AgentReason code,
            String reasonPart) {
        return Arguments.of(behaviour, facts, command, expected, code, reasonPart);
    }

    static ServerConfig config(String version, Size size, Map<String, String> parameters) {
        return ServerConfig.newBuilder().setVersion(version).setSize(size).putAllParameters(parameters).build();
    }

    private static AgentCommand update(ServerConfig config) {
        return AgentCommand.newBuilder().setCommandId("acme/orders/9/update/acme-orders-1").setInstanceId("acme-orders-1")
                .setOp(AgentOp.AGENT_OP_UPDATE).setEpoch(3).setConfig(config).build();
    }

    private static AgentCommand deploy(ServerConfig config) {
        return AgentCommand.newBuilder().setCommandId("acme/orders/1/deploy/acme-orders-1").setInstanceId("acme-orders-1")
                .setOp(AgentOp.AGENT_OP_DEPLOY).setEngine(Engine.ENGINE_MARIADB).setVersion(config.getVersion())
                .setSize(config.getSize()).setConfig(config).setAdminUser("admin")
                .setAdminPassword(SealedSecret.newBuilder().setKeyId("k").setCiphertext(ByteString.copyFromUtf8("sealed"))).build();
    }
}
