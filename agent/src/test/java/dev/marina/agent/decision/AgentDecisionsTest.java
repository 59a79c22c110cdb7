package dev.marina.agent.decision;

import static dev.marina.agent.decision.Action.ANNOUNCE_FENCED;
import static dev.marina.agent.decision.Action.ARCHIVE_BINLOGS;
import static dev.marina.agent.decision.Action.BACKUP;
import static dev.marina.agent.decision.Action.ANNOUNCE_READY;
import static dev.marina.agent.decision.Action.ANNOUNCE_STOPPED;
import static dev.marina.agent.decision.Action.DEPLOY;
import static dev.marina.agent.decision.Action.DESTROY;
import static dev.marina.agent.decision.Action.FENCE;
import static dev.marina.agent.decision.Action.INSTALL_CERT;
import static dev.marina.agent.decision.Action.MAKE_CSR;
import static dev.marina.agent.decision.Action.NOTHING;
import static dev.marina.agent.decision.Action.PROMOTE;
import static dev.marina.agent.decision.Action.REFUSE;
import static dev.marina.agent.decision.Action.REPLICATE;
import static dev.marina.agent.decision.Action.START;
import static dev.marina.agent.decision.LocalState.DESTROYED;
import static dev.marina.agent.decision.LocalState.NO_DATA;
import static dev.marina.agent.decision.LocalState.RUNNING;
import static dev.marina.agent.decision.LocalState.STOPPED;
import static dev.marina.schemas.v1.AgentReason.AGENT_REASON_STALE_EPOCH;
import static dev.marina.schemas.v1.AgentReason.AGENT_REASON_UNSPECIFIED;
import static dev.marina.schemas.v1.AgentReason.AGENT_REASON_WRONG_STATE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.marina.schemas.v1.AgentCommand;
import dev.marina.schemas.v1.AgentOp;
import dev.marina.schemas.v1.AgentReason;
import dev.marina.schemas.v1.BinlogArchiveSettings;
import dev.marina.schemas.v1.DeploymentRef;
import dev.marina.schemas.v1.Engine;
import dev.marina.schemas.v1.RestoreSource;
import dev.marina.schemas.v1.Role;
import dev.marina.schemas.v1.SealedSecret;
import dev.marina.schemas.v1.Size;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class AgentDecisionsTest {

    private static final String INSTALLED = "10.11.19";

    static Stream<Arguments> commands() {
        return Stream.of(
                row("deploys when the instance has no data yet", NO_DATA, 0, deploy(c -> c), DEPLOY, "no data"),
                row("starts the server when data exists but nothing answers", STOPPED, 0, deploy(c -> c), START, ""),
                row("announces ready again when the database already runs", RUNNING, 0, deploy(c -> c), ANNOUNCE_READY, ""),
                row("refuses to deploy a destroyed instance again", DESTROYED, 0, deploy(c -> c), REFUSE, "destroyed"),
                row("accepts a version that names only major and minor", NO_DATA, 0, deploy(c -> c.setVersion("10.11")), DEPLOY, ""),
                row("accepts the exact installed version", NO_DATA, 0, deploy(c -> c.setVersion("10.11.19")), DEPLOY, ""),
                row("accepts no version as the installed one", NO_DATA, 0, deploy(c -> c.clearVersion()), DEPLOY, ""),
                row("refuses a version that is not installed", NO_DATA, 0, deploy(c -> c.setVersion("11.4")), REFUSE, "11.4 is not installed"),
                row("refuses a version that only shares a prefix", NO_DATA, 0, deploy(c -> c.setVersion("10.1")), REFUSE, "not installed"),
                row("refuses another engine", NO_DATA, 0, deploy(c -> c.setEngine(Engine.ENGINE_MYSQL)), REFUSE, "ENGINE_MYSQL"),
                row("refuses a command without engine", NO_DATA, 0, deploy(c -> c.clearEngine()), REFUSE, "not supported"),
                row("refuses a deploy without size", NO_DATA, 0, deploy(c -> c.clearSize()), REFUSE, "size"),
                row("refuses an empty admin user", NO_DATA, 0, deploy(c -> c.setAdminUser("")), REFUSE, "not a valid user name"),
                row("refuses an admin user with a quote in it", NO_DATA, 0, deploy(c -> c.setAdminUser("a'b")), REFUSE, "not a valid"),
                row("refuses root as admin user", NO_DATA, 0, deploy(c -> c.setAdminUser("root")), REFUSE, "reserved"),
                row("refuses the agent's own user as admin user", NO_DATA, 0, deploy(c -> c.setAdminUser("marina_agent")), REFUSE, "reserved"),
                row("refuses a deploy without admin password", NO_DATA, 0, deploy(c -> c.clearAdminPassword()), REFUSE, "password"),
                row("checks the command before the state", DESTROYED, 0, deploy(c -> c.setAdminUser("")), REFUSE, "user name"),
                row("deploys from a backup when the instance has no data yet", NO_DATA, 0, restoring(r -> r), DEPLOY, "restoring backup b1"),
                row("starts on data restored before, not restoring again", STOPPED, 0, restoring(r -> r), START, "data present"),
                row("announces ready on restored data that runs, not restoring again", RUNNING, 0, restoring(r -> r), ANNOUNCE_READY, ""),
                row("accepts a backup of a server that never wrote", NO_DATA, 0, restoring(r -> r.setGtidPosition("")), DEPLOY, ""),
                row("accepts a position of several domains", NO_DATA, 0, restoring(r -> r.setGtidPosition("0-1-42,1-2-7")), DEPLOY, ""),
                row("refuses a restore without backup id", NO_DATA, 0, restoring(r -> r.clearBackupId()), REFUSE, "restore: backup id \"\""),
                row("refuses a backup id that would leave its folder", NO_DATA, 0, restoring(r -> r.setBackupId("..")), REFUSE, "not a safe"),
                row("refuses a restore without source deployment", NO_DATA, 0, restoring(r -> r.clearSource()), REFUSE, "source tenant"),
                row("refuses a source name with a slash", NO_DATA, 0, restoring(r -> r.setSource(DeploymentRef.newBuilder()
                        .setTenant("acme").setName("a/b"))), REFUSE, "source name \"a/b\""),
                row("refuses a restore without key", NO_DATA, 0, restoring(r -> r.clearBackupKey()), REFUSE, "restore: backup key is missing"),
                row("refuses a restore without key id", NO_DATA, 0, restoring(r -> r.clearBackupKeyId()), REFUSE, "backup key id is missing"),
                row("refuses a position that is not one (it goes into SET GLOBAL)", NO_DATA, 0,
                        restoring(r -> r.setGtidPosition("0-1-1'; DROP")), REFUSE, "not a GTID position"),
                row("destroys a running database", RUNNING, 0, destroy(), DESTROY, ""),
                row("destroys a stopped database", STOPPED, 0, destroy(), DESTROY, ""),
                row("destroys an instance that never got data, so a late deploy is refused", NO_DATA, 0, destroy(), DESTROY, ""),
                row("answers stopped again when destroyed already", DESTROYED, 0, destroy(), ANNOUNCE_STOPPED, "already destroyed"),
                row("refuses a command with an epoch lower than seen", RUNNING, 5, destroy().toBuilder().setEpoch(4).build(), REFUSE, "stale epoch 4"),
                row("accepts a command with the highest epoch seen", RUNNING, 5, destroy().toBuilder().setEpoch(5).build(), DESTROY, ""),
                row("accepts a command with a newer epoch", RUNNING, 5, destroy().toBuilder().setEpoch(6).build(), DESTROY, ""),
                row("promotes a running database", RUNNING, 0, op(AgentOp.AGENT_OP_PROMOTE), PROMOTE, ""),
                row("promotes with a position to reach first", RUNNING, 0, promote("0-1-42,1-2-7"), PROMOTE, ""),
                row("refuses a position to reach that is not a GTID position", RUNNING, 0, promote("0-1"), REFUSE, "not a GTID position"),
                row("refuses a position with a quote in it", RUNNING, 0, promote("0-1-1'"), REFUSE, "not a GTID position"),
                row("refuses to promote a stopped database", STOPPED, 0, op(AgentOp.AGENT_OP_PROMOTE), REFUSE, "not running"),
                row("refuses to promote before anything is deployed", NO_DATA, 0, op(AgentOp.AGENT_OP_PROMOTE), REFUSE, "no database deployed"),
                row("refuses to promote a destroyed instance", DESTROYED, 0, op(AgentOp.AGENT_OP_PROMOTE), REFUSE, "destroyed"),
                row("refuses a promote of an older epoch: a fenced primary waits for the current one", RUNNING, 7,
                        promote("").toBuilder().setEpoch(6).build(), REFUSE, "stale epoch 6"),
                row("promotes again at the same epoch (a primary that restarted read-only)", RUNNING, 7,
                        promote("").toBuilder().setEpoch(7).build(), PROMOTE, ""),
                row("replicates a running database", RUNNING, 0, replicate(c -> c), REPLICATE, ""),
                row("refuses to replicate without the primary's address", RUNNING, 0, replicate(c -> c.clearPrimaryAddress()), REFUSE, "primary_address is missing"),
                row("refuses an address that would break the statement", RUNNING, 0, replicate(c -> c.setPrimaryAddress("a' OR 1")), REFUSE, "not an address"),
                row("accepts an IPv6 address", RUNNING, 0, replicate(c -> c.setPrimaryAddress("fd00::7")), REPLICATE, ""),
                row("refuses to replicate without the primary's instance id", RUNNING, 0, replicate(c -> c.clearPrimaryInstanceId()), REFUSE, "primary_instance_id is missing"),
                row("refuses to replicate from itself", RUNNING, 0, replicate(c -> c.setPrimaryInstanceId("acme-orders-1")), REFUSE, "itself"),
                row("refuses to replicate without the replication password", RUNNING, 0, replicate(c -> c.clearReplicationPassword()), REFUSE, "replication password"),
                row("refuses to replicate on a stopped database", STOPPED, 0, replicate(c -> c), REFUSE, "not running"),
                row("refuses to replicate before anything is deployed", NO_DATA, 0, replicate(c -> c), REFUSE, "no database deployed"),
                row("refuses a replicate of an older epoch", RUNNING, 3, replicate(c -> c.setEpoch(2)), REFUSE, "stale epoch"),
                row("fences a running database", RUNNING, 0, op(AgentOp.AGENT_OP_FENCE), FENCE, ""),
                row("answers fenced for a stopped database: it starts read-only", STOPPED, 0, op(AgentOp.AGENT_OP_FENCE), ANNOUNCE_FENCED, "starts read-only"),
                row("answers fenced for an instance without data", NO_DATA, 0, op(AgentOp.AGENT_OP_FENCE), ANNOUNCE_FENCED, "nothing takes writes"),
                row("refuses to fence a destroyed instance", DESTROYED, 0, op(AgentOp.AGENT_OP_FENCE), REFUSE, "destroyed"),
                row("refuses a fence of an older epoch", RUNNING, 3, op(AgentOp.AGENT_OP_FENCE).toBuilder().setEpoch(1).build(), REFUSE, "stale epoch"),
                row("backs up a running database", RUNNING, 0, backup(c -> c), BACKUP, ""),
                row("refuses to back up a stopped database", STOPPED, 0, backup(c -> c), REFUSE, "not running"),
                row("refuses to back up before anything is deployed", NO_DATA, 0, backup(c -> c), REFUSE, "no database deployed"),
                row("refuses to back up a destroyed instance", DESTROYED, 0, backup(c -> c), REFUSE, "destroyed"),
                row("refuses a backup without id", RUNNING, 0, backup(c -> c.clearBackupId()), REFUSE, "backup id \"\""),
                row("refuses a backup id that would leave its folder", RUNNING, 0, backup(c -> c.setBackupId("../b1")), REFUSE, "not a safe"),
                row("refuses a backup without key", RUNNING, 0, backup(c -> c.clearBackupKey()), REFUSE, "backup key is missing"),
                row("refuses a backup without key id", RUNNING, 0, backup(c -> c.clearBackupKeyId()), REFUSE, "backup key id is missing"),
                row("refuses a backup of an older epoch", RUNNING, 3, backup(c -> c.setEpoch(2)), REFUSE, "stale epoch"),
                row("refuses an unspecified operation", NO_DATA, 0, op(AgentOp.AGENT_OP_UNSPECIFIED), REFUSE, "not supported yet"),
                row("keeps archive settings on a running primary", RUNNING, 0, archive(c -> c), ARCHIVE_BINLOGS, ""),
                row("keeps archive settings on a stopped server: archived once it is a writable primary", STOPPED, 0, archive(c -> c),
                        ARCHIVE_BINLOGS, "settings kept"),
                row("keeps archive settings before anything is deployed", NO_DATA, 0, archive(c -> c), ARCHIVE_BINLOGS, ""),
                row("refuses archive settings on a destroyed instance", DESTROYED, 0, archive(c -> c), REFUSE, "destroyed"),
                row("refuses archive settings of an older epoch", RUNNING, 3, archive(c -> c.setEpoch(2)), REFUSE, "stale epoch 2"),
                row("accepts archive settings of the current epoch", RUNNING, 3, archive(c -> c.setEpoch(3)), ARCHIVE_BINLOGS, ""),
                row("refuses ARCHIVE_BINLOGS without settings", RUNNING, 0, archive(c -> c.clearArchive()), REFUSE, "archive settings are missing"),
                row("refuses to archive without the backup key", RUNNING, 0, archive(c -> c.clearBackupKey()), REFUSE, "backup key is missing"),
                row("refuses to archive without the key id", RUNNING, 0, archive(c -> c.clearBackupKeyId()), REFUSE, "backup key id is missing"),
                row("turns archiving off without a key", RUNNING, 0, archive(c -> c.clearBackupKey().clearBackupKeyId()
                        .setArchive(BinlogArchiveSettings.newBuilder().setEnabled(false))), ARCHIVE_BINLOGS, "archiving off"),
                row("refuses a keep_after_gtid that is not a position", RUNNING, 0, archive(c -> c.setArchive(
                        BinlogArchiveSettings.newBuilder().setEnabled(true).setKeepAfterGtid("0-1-1'; PURGE"))), REFUSE, "keep_after_gtid"),
                row("deploys a primary that archives from the start", NO_DATA, 0, deploy(c -> c.setArchive(BinlogArchiveSettings.newBuilder()
                        .setEnabled(true)).setBackupKeyId("bk1").setBackupKey(SealedSecret.newBuilder().setCiphertext(ByteString.copyFromUtf8("s")))),
                        DEPLOY, ""),
                row("refuses a deploy that asks to archive without the key", NO_DATA, 0, deploy(c -> c.setArchive(
                        BinlogArchiveSettings.newBuilder().setEnabled(true))), REFUSE, "archive: the backup key is missing"),
                row("refuses a promote that asks to archive without the key", RUNNING, 0, promote("").toBuilder().setArchive(
                        BinlogArchiveSettings.newBuilder().setEnabled(true)).build(), REFUSE, "archive: the backup key is missing"),
                row("makes a csr for a running database", RUNNING, 0, csr(c -> c), MAKE_CSR, ""),
                row("makes a csr for a stopped database: only files are touched", STOPPED, 0, csr(c -> c), MAKE_CSR, ""),
                row("refuses a csr before anything is deployed", NO_DATA, 0, csr(c -> c), REFUSE, "no database deployed"),
                row("refuses a csr on a destroyed instance", DESTROYED, 0, csr(c -> c), REFUSE, "destroyed"),
                row("refuses a csr without names", RUNNING, 0, csr(c -> c.clearDnsNames()), REFUSE, "no DNS names"),
                row("refuses a csr for a name with a space", RUNNING, 0, csr(c -> c.addDnsNames("a b.test")), REFUSE, "not a valid DNS name"),
                row("refuses a csr for a name with a slash", RUNNING, 0, csr(c -> c.addDnsNames("../etc")), REFUSE, "not a valid DNS name"),
                row("refuses a csr for a label longer than 63", RUNNING, 0, csr(c -> c.addDnsNames("a".repeat(64) + ".test")), REFUSE, "not a valid"),
                row("refuses a csr for a wildcard inside a name", RUNNING, 0, csr(c -> c.addDnsNames("a.*.test")), REFUSE, "not a valid"),
                row("accepts a wildcard as the whole first label", RUNNING, 0, csr(c -> c.addDnsNames("*.acme.db.test")), MAKE_CSR, ""),
                row("refuses repeated names", RUNNING, 0, csr(c -> c.addDnsNames("ORDERS.acme.db.test")), REFUSE, "repeat"),
                row("refuses more than 100 names", RUNNING, 0, csr(c -> {
                    for (int i = 0; i < 100; i++) {
                        c.addDnsNames("n" + i + ".acme.db.test");
                    }
                    return c;
                }), REFUSE, "at most 100"),
                row("refuses a csr without request id", RUNNING, 0, csr(c -> c.clearCertRequestId()), REFUSE, "not a safe file name"),
                row("refuses a request id that climbs out of the folder", RUNNING, 0, csr(c -> c.setCertRequestId("../x")), REFUSE, "not a safe file name"),
                row("checks the request before the state", DESTROYED, 0, csr(c -> c.clearDnsNames()), REFUSE, "no DNS names"),
                row("installs a certificate into a running database", RUNNING, 0, install(c -> c), INSTALL_CERT, ""),
                row("refuses to install into a stopped database", STOPPED, 0, install(c -> c), REFUSE, "not running"),
                row("refuses to install before anything is deployed", NO_DATA, 0, install(c -> c), REFUSE, "no database deployed"),
                row("refuses to install on a destroyed instance", DESTROYED, 0, install(c -> c), REFUSE, "destroyed"),
                row("refuses an install without chain", RUNNING, 0, install(c -> c.clearCertChainPem()), REFUSE, "certificate chain is missing"),
                row("refuses an install without CA bundle", RUNNING, 0, install(c -> c.setCaBundlePem(" ")), REFUSE, "CA bundle is missing"),
                row("refuses an install with an unsafe request id", RUNNING, 0, install(c -> c.setCertRequestId("a/b")), REFUSE, "safe file name"),
                row("checks the epoch before anything else", RUNNING, 5, install(c -> c.setEpoch(4).clearCertChainPem()), REFUSE, "stale epoch"),
                row("accepts an install with the highest epoch seen", RUNNING, 5, install(c -> c.setEpoch(5)), INSTALL_CERT, ""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("commands")
    void decides(String behaviour, LocalState state, long highestEpoch, AgentCommand command, Action expected, String reasonPart) {
        Decision decision = AgentDecisions.decide(new Facts(state, highestEpoch, INSTALLED), command);
        assertEquals(expected, decision.action(), decision.reason());
        assertTrue(decision.reason().contains(reasonPart), "reason \"" + decision.reason() + "\" should contain \"" + reasonPart + "\"");
    }

    static Stream<Arguments> codes() {
        return Stream.of(
                code("a stale epoch is STALE_EPOCH", RUNNING, 5, destroy().toBuilder().setEpoch(4).build(), AGENT_REASON_STALE_EPOCH),
                code("stale archive settings are STALE_EPOCH", RUNNING, 5, archive(c -> c.setEpoch(4)), AGENT_REASON_STALE_EPOCH),
                code("archive settings for a destroyed instance are WRONG_STATE", DESTROYED, 0, archive(c -> c), AGENT_REASON_WRONG_STATE),
                code("a stale promote is STALE_EPOCH", RUNNING, 7, promote("").toBuilder().setEpoch(6).build(), AGENT_REASON_STALE_EPOCH),
                code("a stale replicate is STALE_EPOCH", RUNNING, 3, replicate(c -> c.setEpoch(2)), AGENT_REASON_STALE_EPOCH),
                code("a stale fence is STALE_EPOCH", RUNNING, 3, op(AgentOp.AGENT_OP_FENCE).toBuilder().setEpoch(1).build(),
                        AGENT_REASON_STALE_EPOCH),
                code("the epoch is checked before the state: STALE_EPOCH", DESTROYED, 5, deploy(c -> c.setEpoch(4)), AGENT_REASON_STALE_EPOCH),
                code("the epoch is checked before the fields: STALE_EPOCH", RUNNING, 5, install(c -> c.setEpoch(4).clearCertChainPem()),
                        AGENT_REASON_STALE_EPOCH),
                code("deploying a destroyed instance is WRONG_STATE", DESTROYED, 0, deploy(c -> c), AGENT_REASON_WRONG_STATE),
                code("promoting a stopped database is WRONG_STATE", STOPPED, 0, op(AgentOp.AGENT_OP_PROMOTE), AGENT_REASON_WRONG_STATE),
                code("promoting before anything is deployed is WRONG_STATE", NO_DATA, 0, op(AgentOp.AGENT_OP_PROMOTE), AGENT_REASON_WRONG_STATE),
                code("promoting a destroyed instance is WRONG_STATE", DESTROYED, 0, op(AgentOp.AGENT_OP_PROMOTE), AGENT_REASON_WRONG_STATE),
                code("replicating on a stopped database is WRONG_STATE", STOPPED, 0, replicate(c -> c), AGENT_REASON_WRONG_STATE),
                code("replicating before anything is deployed is WRONG_STATE", NO_DATA, 0, replicate(c -> c), AGENT_REASON_WRONG_STATE),
                code("fencing a destroyed instance is WRONG_STATE", DESTROYED, 0, op(AgentOp.AGENT_OP_FENCE), AGENT_REASON_WRONG_STATE),
                code("a csr before anything is deployed is WRONG_STATE", NO_DATA, 0, csr(c -> c), AGENT_REASON_WRONG_STATE),
                code("a csr on a destroyed instance is WRONG_STATE", DESTROYED, 0, csr(c -> c), AGENT_REASON_WRONG_STATE),
                code("installing into a stopped database is WRONG_STATE", STOPPED, 0, install(c -> c), AGENT_REASON_WRONG_STATE),
                code("installing before anything is deployed is WRONG_STATE", NO_DATA, 0, install(c -> c), AGENT_REASON_WRONG_STATE),
                code("a version not installed is wrong in itself: no code", NO_DATA, 0, deploy(c -> c.setVersion("11.4")),
                        AGENT_REASON_UNSPECIFIED),
                code("a field is checked before the state: no code", DESTROYED, 0, deploy(c -> c.setAdminUser("")), AGENT_REASON_UNSPECIFIED),
                code("an address that would break the statement: no code", RUNNING, 0, replicate(c -> c.setPrimaryAddress("a' OR 1")),
                        AGENT_REASON_UNSPECIFIED),
                code("an operation not supported: no code", NO_DATA, 0, op(AgentOp.AGENT_OP_UNSPECIFIED), AGENT_REASON_UNSPECIFIED),
                code("a backup of a stopped database is WRONG_STATE", STOPPED, 0, backup(c -> c), AGENT_REASON_WRONG_STATE),
                code("a backup without key is wrong in itself: no code", RUNNING, 0, backup(c -> c.clearBackupKey()), AGENT_REASON_UNSPECIFIED),
                code("an accepted command: no code", RUNNING, 0, replicate(c -> c), AGENT_REASON_UNSPECIFIED),
                code("fencing a stopped database is answered DONE: no code", STOPPED, 0, op(AgentOp.AGENT_OP_FENCE), AGENT_REASON_UNSPECIFIED),
                code("destroying again is answered STOPPED: no code", DESTROYED, 0, destroy(), AGENT_REASON_UNSPECIFIED));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("codes")
    void decides_with_a_code(String behaviour, LocalState state, long highestEpoch, AgentCommand command, AgentReason code) {
        Decision decision = AgentDecisions.decide(new Facts(state, highestEpoch, INSTALLED), command);
        assertEquals(code, decision.code(), decision.action() + ": " + decision.reason());
    }

    private static Arguments code(String behaviour, LocalState state, long highestEpoch, AgentCommand command, AgentReason code) {
        return Arguments.of(behaviour, state, highestEpoch, command, code);
    }

    static Stream<Arguments> writableAfterDeploy() {
        return Stream.of(
                Arguments.of("a primary's first deploy makes it writable", Role.ROLE_PRIMARY, false, true),
                Arguments.of("a deploy without a role is a primary's (deployments from before replication)", Role.ROLE_UNSPECIFIED, false, true),
                Arguments.of("a replica's deploy never does", Role.ROLE_REPLICA, false, false),
                Arguments.of("a later deploy of a primary leaves it read-only (restarted: it waits for PROMOTE)", Role.ROLE_PRIMARY, true, false),
                Arguments.of("a later deploy of a replica neither", Role.ROLE_REPLICA, true, false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("writableAfterDeploy")
    void deploy_makes_writable(String behaviour, Role role, boolean deployedBefore, boolean writable) {
        assertEquals(writable, AgentDecisions.deployMakesWritable(new Facts(RUNNING, 0, INSTALLED, Role.ROLE_PRIMARY, deployedBefore),
                deploy(c -> c.setRole(role))));
    }

    static Stream<Arguments> replicasWanted() {
        return Stream.of(
                Arguments.of("sets a writable primary's commit wait", RUNNING, true, Action.SET_COMMIT_WAIT, AGENT_REASON_UNSPECIFIED),
                Arguments.of("a read-only server learns it from the PROMOTE that makes it writable", RUNNING, false, REFUSE,
                        AGENT_REASON_WRONG_STATE),
                Arguments.of("a stopped server starts read-only: likewise", STOPPED, false, REFUSE, AGENT_REASON_WRONG_STATE),
                Arguments.of("nothing deployed", NO_DATA, false, REFUSE, AGENT_REASON_WRONG_STATE),
                Arguments.of("destroyed", DESTROYED, false, REFUSE, AGENT_REASON_WRONG_STATE));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("replicasWanted")
    void replicas_wanted(String behaviour, LocalState state, boolean writablePrimary, Action expected, AgentReason code) {
        Decision decision = AgentDecisions.decide(new Facts(state, 2, INSTALLED, Role.ROLE_PRIMARY, true, writablePrimary),
                op(AgentOp.AGENT_OP_SET_REPLICAS_WANTED).toBuilder().setEpoch(2).setReplicasWanted(0).build());
        assertEquals(expected, decision.action(), decision.reason());
        assertEquals(code, decision.code(), decision.reason());
    }

    @Test
    void archive_settings_are_kept_on_any_role_but_only_a_writable_primary_archives() {
        Decision primary = AgentDecisions.decide(new Facts(RUNNING, 2, INSTALLED, Role.ROLE_PRIMARY, true, true),
                archive(c -> c.setEpoch(2)));
        assertEquals(ARCHIVE_BINLOGS, primary.action());
        assertTrue(primary.reason().contains("writable primary: archiving"), primary.reason());
        Decision replica = AgentDecisions.decide(new Facts(RUNNING, 2, INSTALLED, Role.ROLE_REPLICA, true, false),
                archive(c -> c.setEpoch(2)));
        assertEquals(ARCHIVE_BINLOGS, replica.action());
        assertTrue(replica.reason().contains("archived while a writable primary"), replica.reason());
    }

    @Test
    void a_stale_replicas_wanted_is_refused() {
        Decision decision = AgentDecisions.decide(new Facts(RUNNING, 3, INSTALLED, Role.ROLE_PRIMARY, true, true),
                op(AgentOp.AGENT_OP_SET_REPLICAS_WANTED).toBuilder().setEpoch(2).build());
        assertEquals(AGENT_REASON_STALE_EPOCH, decision.code());
    }

    static Stream<Arguments> restoreFinishes() {
        return Stream.of(
                Arguments.of("the first deploy from a backup adopts the restored data", true, false, true),
                Arguments.of("a deploy after READY leaves the restored data's users and position alone", true, true, false),
                Arguments.of("a deploy without restore never does", false, false, false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("restoreFinishes")
    void finishes_a_restore(String behaviour, boolean restore, boolean deployedBefore, boolean finishes) {
        AgentCommand command = restore ? restoring(r -> r) : deploy(c -> c);
        assertEquals(finishes, AgentDecisions.finishesRestore(new Facts(STOPPED, 0, INSTALLED, Role.ROLE_PRIMARY, deployedBefore), command));
    }

    static Stream<Arguments> epochRaisers() {
        return Stream.of(
                Arguments.of(AgentOp.AGENT_OP_DEPLOY, true), Arguments.of(AgentOp.AGENT_OP_PROMOTE, true),
                Arguments.of(AgentOp.AGENT_OP_REPLICATE, true), Arguments.of(AgentOp.AGENT_OP_FENCE, true),
                Arguments.of(AgentOp.AGENT_OP_DESTROY, false), Arguments.of(AgentOp.AGENT_OP_MAKE_CSR, false),
                Arguments.of(AgentOp.AGENT_OP_INSTALL_CERT, false), Arguments.of(AgentOp.AGENT_OP_SET_REPLICAS_WANTED, false),
                Arguments.of(AgentOp.AGENT_OP_ARCHIVE_BINLOGS, false));
    }

    @ParameterizedTest(name = "{0} raises the epoch: {1}")
    @MethodSource("epochRaisers")
    void role_changes_raise_the_epoch(AgentOp op, boolean raises) {
        assertEquals(raises, AgentDecisions.raisesEpoch(op));
    }

    static Stream<Arguments> starts() {
        return Stream.of(
                Arguments.of("starts a database that was deployed and is not running", STOPPED, START),
                Arguments.of("adopts a database that still runs", RUNNING, START),
                Arguments.of("does nothing on an instance without data", NO_DATA, NOTHING),
                Arguments.of("does nothing on a destroyed instance", DESTROYED, NOTHING));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("starts")
    void at_agent_start(String behaviour, LocalState state, Action expected) {
        assertEquals(expected, AgentDecisions.onStart(state).action());
    }

    private static Arguments row(String behaviour, LocalState state, long highestEpoch, AgentCommand command,
            Action expected, String reasonPart) {
        return Arguments.of(behaviour, state, highestEpoch, command, expected, reasonPart);
    }

    private static AgentCommand restoring(UnaryOperator<RestoreSource.Builder> change) {
        RestoreSource.Builder restore = RestoreSource.newBuilder().setSource(DeploymentRef.newBuilder().setTenant("acme").setName("shop"))
                .setBackupId("b1").setBackupKey(SealedSecret.newBuilder().setCiphertext(ByteString.copyFromUtf8("sealed")))
                .setBackupKeyId("bk-1").setGtidPosition("0-1-42");
        return deploy(c -> c.setRestore(change.apply(restore)));
    }

    private static AgentCommand deploy(UnaryOperator<AgentCommand.Builder> change) {
        AgentCommand.Builder command = AgentCommand.newBuilder()
                .setCommandId("acme/orders/1/deploy/acme-orders-1")
                .setInstanceId("acme-orders-1")
                .setOp(AgentOp.AGENT_OP_DEPLOY)
                .setEngine(Engine.ENGINE_MARIADB)
                .setVersion("10.11")
                .setSize(Size.SIZE_SMALL)
                .setAdminUser("admin")
                .setAdminPassword(SealedSecret.newBuilder().setKeyId("k").setCiphertext(ByteString.copyFromUtf8("sealed")));
        return change.apply(command).build();
    }

    private static AgentCommand csr(UnaryOperator<AgentCommand.Builder> change) {
        AgentCommand.Builder command = op(AgentOp.AGENT_OP_MAKE_CSR).toBuilder()
                .setCertRequestId("acme-orders-1.cert-7")
                .addDnsNames("orders.acme.db.test")
                .addDnsNames("orders-1.acme.db.test");
        return change.apply(command).build();
    }

    private static AgentCommand install(UnaryOperator<AgentCommand.Builder> change) {
        AgentCommand.Builder command = op(AgentOp.AGENT_OP_INSTALL_CERT).toBuilder()
                .setCertRequestId("acme-orders-1.cert-7")
                .setCertChainPem("-----BEGIN CERTIFICATE-----\n…")
                .setCaBundlePem("-----BEGIN CERTIFICATE-----\n…");
        return change.apply(command).build();
    }

    private static AgentCommand archive(UnaryOperator<AgentCommand.Builder> change) {
        AgentCommand.Builder command = op(AgentOp.AGENT_OP_ARCHIVE_BINLOGS).toBuilder()
                .setArchive(BinlogArchiveSettings.newBuilder().setEnabled(true).setKeepAfterGtid("0-1-42"))
                .setBackupKeyId("bk1")
                .setBackupKey(SealedSecret.newBuilder().setKeyId("k").setCiphertext(ByteString.copyFromUtf8("sealed")));
        return change.apply(command).build();
    }

    private static AgentCommand backup(UnaryOperator<AgentCommand.Builder> change) {
        AgentCommand.Builder command = op(AgentOp.AGENT_OP_BACKUP).toBuilder()
                .setBackupId("b-20261202-1")
                .setBackupKeyId("bk1")
                .setBackupKey(SealedSecret.newBuilder().setKeyId("k").setCiphertext(ByteString.copyFromUtf8("sealed")));
        return change.apply(command).build();
    }

    private static AgentCommand promote(String waitForGtid) {
        return op(AgentOp.AGENT_OP_PROMOTE).toBuilder().setWaitForGtid(waitForGtid).build();
    }

    private static AgentCommand replicate(UnaryOperator<AgentCommand.Builder> change) {
        AgentCommand.Builder command = op(AgentOp.AGENT_OP_REPLICATE).toBuilder()
                .setPrimaryAddress("127.10.250.7")
                .setPrimaryInstanceId("acme-orders-2")
                .setReplicationPassword(SealedSecret.newBuilder().setKeyId("k").setCiphertext(ByteString.copyFromUtf8("sealed")));
        return change.apply(command).build();
    }

    private static AgentCommand destroy() {
        return op(AgentOp.AGENT_OP_DESTROY);
    }

    private static AgentCommand op(AgentOp op) {
        return AgentCommand.newBuilder().setCommandId("c").setInstanceId("acme-orders-1").setOp(op).build();
    }
}
