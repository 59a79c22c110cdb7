package dev.marina.agent;

import dev.marina.agent.archive.ArchiveSettings;
import dev.marina.agent.archive.BinlogArchiver;
import dev.marina.agent.archive.BinlogServer;
import dev.marina.agent.backup.BackupDecisions;
import dev.marina.agent.backup.BackupJobs;
import dev.marina.agent.backup.BackupKey;
import dev.marina.agent.backup.BackupRunner;
import dev.marina.agent.backup.ObjectStoreFactory;
import dev.marina.agent.backup.BinlogReplay;
import dev.marina.agent.backup.ReplayTools;
import dev.marina.agent.backup.RestoreRunner;
import dev.marina.agent.backup.ServerLogin;
import dev.marina.agent.archive.ArchiveChain;
import dev.marina.agent.archive.ArchiveIndex;
import dev.marina.agent.replication.GtidPosition;
import dev.marina.schemas.v1.AgentOp;
import dev.marina.schemas.v1.BackupManifest;
import dev.marina.agent.database.TemplateDataDirectory;
import dev.marina.objectstore.ObjectStore;
import dev.marina.schemas.v1.RestoreSource;
import dev.marina.agent.database.DatabaseFailure;
import dev.marina.agent.database.DatabaseServer;
import dev.marina.agent.database.SemiSync;
import dev.marina.agent.decision.Action;
import dev.marina.agent.decision.AgentDecisions;
import dev.marina.agent.decision.Decision;
import dev.marina.agent.decision.Facts;
import dev.marina.agent.decision.Lease;
import dev.marina.agent.decision.LocalState;
import dev.marina.agent.metrics.SamplingGate;
import dev.marina.agent.tls.ServerTls;
import dev.marina.agent.tls.TlsRefusal;
import dev.marina.agent.replication.ReplicationError;
import dev.marina.schemas.v1.ActionKey;
import dev.marina.schemas.v1.AgentCommand;
import dev.marina.schemas.v1.AgentEvent;
import dev.marina.schemas.v1.AgentOutcome;
import dev.marina.schemas.v1.AgentReason;
import dev.marina.schemas.v1.ArchiveCoverage;
import dev.marina.schemas.v1.Role;
import dev.marina.schemas.v1.SealedSecret;
import dev.marina.schemas.v1.SemiSyncWait;
import dev.marina.schemas.v1.Size;
import dev.marina.schemas.v1.TlsMode;
import dev.marina.service.SecretBox;
import dev.marina.service.Timestamps;
import java.time.Clock;
import java.time.Duration;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.jboss.logging.Logger;

/**
 * Carries out commands: gathers the facts, lets {@link AgentDecisions} decide, applies the effects to
 * the database and the state file, and builds the answer. Runs on the command thread only.
 *
 * <p>The admin password is opened from its sealed form just before use and lives only in this
 * method's frame; it never reaches a log line, an answer or a file (the server gets its hash).
 *
 * <p>Roles: only a primary's first DEPLOY and PROMOTE make the server writable, each granting the
 * primary's {@link Lease}; FENCE, a lost lease ({@link #fenceForLostLease}, from the fencing thread)
 * and any restart leave a primary read-only and {@code fenced} until the next PROMOTE. Making writable
 * and fencing happen under one lock, so the two threads never interleave them.
 *
 * <p>Answers: every answer to a command echoes its {@code action}; an event sent unasked (a restart's
 * DATABASE_READY or FAILED) echoes the action of the DEPLOY that created the database, kept in the state file
 * beside its command id. Beside the text for people, {@code reason_code} says why for the reconciler:
 * the decision's code for a refusal, DATABASE_ERROR when the server failed (anything the {@link DatabaseServer}
 * threw), and for REPLICATE NOT_CONNECTED_YET or the classified fault of a broken link.
 */
public final class CommandHandler {

    private static final Logger LOG = Logger.getLogger(CommandHandler.class);

    private final InstanceIdentity identity;
    private final InstanceFiles files;
    private final DatabaseServer database;
    private final Supplier<SecretBox> secrets;
    private final AgentMetrics metrics;
    private final SamplingGate sampling;
    private final Clock clock;
    private final ServerTls tls;
    private final Lease lease;
    private final Duration promoteWait;
    private final Object stateLock = new Object();
    /** Held while read_only is switched and the role recorded (command thread, fencing thread). */
    private final Object roleLock = new Object();
    private volatile AgentState state;
    /** Backups run off this thread; their answers go out through {@code laterAnswers}. Unset: BACKUP fails. */
    private volatile BackupJobs backups;
    private volatile java.util.function.Consumer<AgentEvent> laterAnswers;
    private volatile java.util.function.Consumer<AgentEvent> unasked;
    /** A woken server's DATABASE_READY the broker did not take yet: sent again at the next watch. */
    private AgentEvent wokenPending;
    /** Held while a paused server is stopped, armed, woken or resumed (command thread, wake watch). */
    private final Object pauseLock = new Object();
    /** When the wake listener may be armed again after it could not be (nanoTime). */
    private long rearmAfter;
    /** Where DEPLOY with {@code restore} reads its backup from. Unset: such a DEPLOY fails. */
    private volatile ObjectStoreFactory restoreStores;
    private volatile RestoreRunner restorer;
    /** The programs a point-in-time replay runs. */
    private volatile ReplayTools replayTools = ReplayTools.installed();
    /** What this instance was told about archiving its binary logs (binlog-archive.properties). */
    private volatile ArchiveSettings archiveSettings;
    /** Archives a writable primary's binary logs; unset: ARCHIVE_BINLOGS only keeps the settings. */
    private volatile BinlogArchiver archiver;

    /** How long REPLICATE watches a new link before answering (a diverged history shows within a few 100 ms). */
    static final Duration REPLICATE_CHECK = Duration.ofSeconds(3);
    /** The default for how long PROMOTE waits for wait_for_gtid and for the relay log to be applied. */
    public static final Duration PROMOTE_WAIT = Duration.ofSeconds(10);

    /** @param sampling shut while the database is stopped and removed, so no metric sample is taken meanwhile */
    public CommandHandler(InstanceIdentity identity, InstanceFiles files, DatabaseServer database, Supplier<SecretBox> secrets,
            AgentMetrics metrics, SamplingGate sampling, Clock clock) {
        this(identity, files, database, secrets, metrics, sampling, clock, new Lease(Duration.ofSeconds(1)), PROMOTE_WAIT);
    }

    /**
     * @param lease       the primary's lease, renewed by acknowledged heartbeats and granted by DEPLOY/PROMOTE
     * @param promoteWait how long PROMOTE waits for wait_for_gtid and for the received transactions to be applied
     */
    public CommandHandler(InstanceIdentity identity, InstanceFiles files, DatabaseServer database, Supplier<SecretBox> secrets,
            AgentMetrics metrics, SamplingGate sampling, Clock clock, Lease lease, Duration promoteWait) {
        this.lease = lease;
        this.promoteWait = promoteWait;
        this.identity = identity;
        this.files = files;
        this.database = DatabaseFailure.marking(database);
        this.secrets = secrets;
        this.metrics = metrics;
        this.sampling = sampling;
        this.clock = clock;
        this.tls = new ServerTls(files);
        this.state = AgentState.load(files.stateFile());
        this.archiveSettings = ArchiveSettings.load(ArchiveSettings.file(files));
        if (database instanceof BinlogServer binlogs) {
            // Before any start: my.cnf keeps the binary logs of an archiving primary from expiring.
            try {
                binlogs.keepBinaryLogs(keepsBinlogs(state, archiveSettings));
            } catch (RuntimeException e) {
                LOG.warnf("binary log expiry not set yet (the archiver sets it) reason=%s", e.getMessage());
            }
        }
        if (state.writablePrimary()) {
            // A new agent process: the primary it finds is read-only until PROMOTE (recovery makes the server so),
            // and no lease is held for it meanwhile.
            update(AgentState::withFenced);
        }
        // A paused server is never dialed (a connection would wake it), by the heartbeat or the metrics either.
        database.markPaused(state.paused());
        sampling.markPaused(state.paused());
    }

    /** Where the events sent unasked go (a woken server's DATABASE_READY); it throws when the broker does not take one. */
    public void useUnaskedEvents(java.util.function.Consumer<AgentEvent> events) {
        this.unasked = events;
    }

    /**
     * Lets BACKUP run: {@code jobs} runs them off the command thread, {@code answers} writes their answers when they
     * end (it throws when the broker does not take one; it is tried again).
     */
    public void useBackups(BackupJobs jobs, java.util.function.Consumer<AgentEvent> answers) {
        this.laterAnswers = answers;
        this.backups = jobs;
    }

    /** Lets a writable primary archive its binary logs with {@code archiver} (which asks {@link #archivePlan}). */
    public void useArchive(BinlogArchiver archiver) {
        this.archiver = archiver;
    }

    /**
     * What the archiver is to do now (its thread asks every interval): archive while this instance is a writable
     * primary told to archive; keep the binary logs from expiring while it is a primary told to archive (a fenced one
     * too: its files wait for its next term or are covered by its successor's).
     */
    public BinlogArchiver.Plan archivePlan() {
        AgentState now = state;
        ArchiveSettings settings = archiveSettings;
        boolean keep = keepsBinlogs(now, settings);
        if (!keep || !now.writablePrimary()) {
            return BinlogArchiver.Plan.idle(keep);
        }
        BackupKey key;
        try {
            key = BackupKey.fromBase64(settings.keyId(), openSecret(settings.sealedKey(), "backup key for the binary-log archive"));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("the backup key for the binary-log archive is unusable: " + e.getMessage(), e);
        }
        long epoch = settings.promotedEpoch() > 0 ? settings.promotedEpoch() : now.highestEpoch();
        return new BinlogArchiver.Plan(true, Optional.of(new BinlogArchiver.Session(epoch, settings.promotedAt(), key,
                settings.keepAfterGtid())));
    }

    private static boolean keepsBinlogs(AgentState state, ArchiveSettings settings) {
        return settings.enabled() && state.phase() == AgentState.Phase.DEPLOYED && state.role() == Role.ROLE_PRIMARY;
    }

    /** Lets DEPLOY start from a backup: read from {@code stores}, restored by {@code runner}. */
    public void useRestores(ObjectStoreFactory stores, RestoreRunner runner) {
        this.restorer = runner;
        this.restoreStores = stores;
    }

    /** The programs a DEPLOY with a point in time replays archived binary logs with (a test's broken ones). */
    public void useReplayTools(ReplayTools tools) {
        this.replayTools = tools;
    }

    /** The highest accepted epoch, for heartbeats (read from another thread). */
    public long highestEpoch() {
        return state.highestEpoch();
    }

    /** The agent's side of a heartbeat (read from the heartbeat thread). */
    public RoleFacts roleFacts() {
        AgentState now = state;
        return new RoleFacts(now.role(), now.fenced(), now.highestEpoch(), now.replicationSource(), now.paused(),
                now.pause().wakeOnConnect());
    }

    public Lease lease() {
        return lease;
    }

    /** True while this instance is a primary the agent lets take writes (read from the heartbeat thread). */
    public boolean writablePrimary() {
        return state.writablePrimary();
    }

    /**
     * The lease ran out: read-only now, recorded as fenced, until a PROMOTE with an epoch at least this
     * instance's. Called on the fencing thread; throws when the server cannot be reached (the caller tries
     * again at the next check).
     */
    public void fenceForLostLease(long sinceRenewalMs) {
        String position;
        synchronized (roleLock) {
            if (!state.writablePrimary()) {
                return;
            }
            position = database.makeReadOnly();
            update(AgentState::withFenced);
        }
        LOG.warnf("primary fenced itself: heartbeats not acknowledged deployment=%s instance=%s since_renewal_ms=%d lease_ms=%d "
                + "epoch=%d position=%s", identity.deploymentKey(), identity.instanceId(), sinceRenewalMs, lease.length().toMillis(),
                state.highestEpoch(), position);
    }

    /**
     * At agent start, without a command: a database deployed here before is started again (or adopted
     * when it still runs) and announced READY, echoing the id of the DEPLOY that created it.
     */
    public Optional<AgentEvent> recover() {
        LocalState local = observe();
        Decision decision = AgentDecisions.onStart(local, state.paused());
        if (decision.action() == Action.PAUSE) {
            return recoverPaused();
        }
        LOG.infof("agent started state=%s action=%s why=%s", local, decision.action(), decision.reason());
        if (decision.action() != Action.START) {
            return firstCommand();
        }
        if (database.restorePending()) {
            // Restored data not adopted yet (source's passwords, no GTID position): only the next DEPLOY may start it.
            LOG.infof("restored data waits for DEPLOY deployment=%s instance=%s", identity.deploymentKey(), identity.instanceId());
            return firstCommand();
        }
        try {
            // A primary is read-only after any restart (the agent's or the server's) until the reconciler PROMOTEs it again.
            update(AgentState::withFenced);
            String how = startDatabase(state.size());
            return Optional.of(event(state.deployCommandId(), deployAction(), AgentOutcome.AGENT_OUTCOME_DATABASE_READY,
                    "database " + how.toLowerCase() + " after an agent restart" + readOnlyNote(), state.highestEpoch()).build());
        } catch (RuntimeException e) {
            LOG.errorf(e, "database did not start after an agent restart reason=%s", e.getMessage());
            return Optional.of(event(state.deployCommandId(), deployAction(), AgentOutcome.AGENT_OUTCOME_FAILED,
                    "database did not start after an agent restart: " + e.getMessage(), state.highestEpoch())
                    .setReasonCode(failureCode(e)).build());
        }
    }

    /**
     * The command the provisioner handed over with the launch (see docs/local-data-plane.md): carried
     * out before the consumer is even set up, so a new database does not wait for it. The file is
     * deleted whatever it holds: a broken one must not be retried at every start, and the same
     * command also comes on the topic.
     */
    private Optional<AgentEvent> firstCommand() {
        java.nio.file.Path file = files.firstCommand();
        if (!java.nio.file.Files.exists(file)) {
            return Optional.empty();
        }
        byte[] bytes;
        try {
            bytes = java.nio.file.Files.readAllBytes(file);
            java.nio.file.Files.delete(file);
        } catch (java.io.IOException e) {
            LOG.warnf("first command unreadable file=%s reason=%s", file, e.getMessage());
            return Optional.empty();
        }
        var decoded = dev.marina.schemas.serde.ProtoJsonSerde.fromJson(AgentCommand.getDefaultInstance(), bytes);
        if (!decoded.isOk()) {
            LOG.warnf("first command ignored file=%s reason=%s", file, ((dev.marina.schemas.serde.Decoded.Failed<?>) decoded).reason());
            return Optional.empty();
        }
        AgentCommand command = decoded.value();
        if (!command.getInstanceId().equals(identity.instanceId())) {
            LOG.warnf("first command ignored: it is for instance %s", command.getInstanceId());
            return Optional.empty();
        }
        return Optional.of(handle(command));
    }

    /**
     * Handles a command meant for this instance and returns the answer; never throws. Returns null when the answer
     * follows later: a BACKUP that started (or joined the one running) is answered when it ends.
     */
    public AgentEvent handle(AgentCommand command) {
        long started = System.nanoTime();
        // A client may have woken a paused server: that is handled (and announced) before the command is decided.
        watchWake();
        if (command.getOp() == AgentOp.AGENT_OP_DEPLOY) {
            try {
                discardInterruptedReplay();
            } catch (RuntimeException e) {
                LOG.errorf("command failed command=%s op=%s reason=%s", command.getCommandId(), command.getOp(), e.getMessage());
                return answer(command, AgentOutcome.AGENT_OUTCOME_FAILED, "restored data of an interrupted replay cannot be "
                        + "discarded: " + e.getMessage()).toBuilder().setReasonCode(failureCode(e)).build();
            }
        }
        Facts facts = facts(command);
        Decision decision = AgentDecisions.decide(facts, command);
        LOG.infof("command received command=%s op=%s epoch=%d state=%s action=%s why=%s", command.getCommandId(),
                command.getOp(), command.getEpoch(), facts.state(), decision.action(), decision.reason());
        AgentEvent answer;
        try {
            boolean restoring = AgentDecisions.finishesRestore(facts, command);
            if (command.hasArchive() && decision.action() != Action.REFUSE && decision.action() != Action.ARCHIVE_BINLOGS
                    && (command.getOp() == dev.marina.schemas.v1.AgentOp.AGENT_OP_DEPLOY
                    || command.getOp() == dev.marina.schemas.v1.AgentOp.AGENT_OP_PROMOTE)) {
                keepArchiveSettings(command);
            }
            answer = switch (decision.action()) {
                case DEPLOY -> deploy(command, AgentDecisions.deployMakesWritable(facts, command));
                case START -> start(command, AgentDecisions.deployMakesWritable(facts, command), restoring);
                case ANNOUNCE_READY -> announceReady(command, AgentDecisions.deployMakesWritable(facts, command), restoring);
                case PROMOTE -> promote(command);
                case REPLICATE -> replicate(command);
                case FENCE -> fence(command);
                case SET_COMMIT_WAIT -> setCommitWait(command);
                case ANNOUNCE_FENCED -> announceFenced(command, decision.reason());
                case DESTROY -> destroy(command);
                case ANNOUNCE_STOPPED -> answer(command, AgentOutcome.AGENT_OUTCOME_DATABASE_STOPPED, decision.reason());
                case MAKE_CSR -> makeCsr(command);
                case INSTALL_CERT -> installCert(command);
                case BACKUP -> backup(command);
                case ARCHIVE_BINLOGS -> archiveBinlogs(command);
                case UPDATE_LIVE -> updateLive(command, facts);
                case UPDATE_RESTART -> updateRestart(command, facts);
                case PAUSE -> pause(command);
                case RESUME -> resume(command);
                case ANNOUNCE_RESUMED -> answer(command, AgentOutcome.AGENT_OUTCOME_DATABASE_READY, "running already" + readOnlyNote());
                case ANNOUNCE_UPDATED -> answer(command, AgentOutcome.AGENT_OUTCOME_DONE, decision.reason()).toBuilder()
                        .setRunning(database.running()).build();
                case REFUSE -> answer(command, AgentOutcome.AGENT_OUTCOME_REFUSED, decision.reason()).toBuilder()
                        .setReasonCode(decision.code()).build();
                case NOTHING -> throw new IllegalStateException("no action for a command");
            };
            if (decision.action() != Action.REFUSE && AgentDecisions.raisesEpoch(command.getOp())
                    && command.getEpoch() > state.highestEpoch()) {
                update(s -> s.withEpoch(command.getEpoch()));
            }
        } catch (TlsRefusal e) {
            answer = answer(command, AgentOutcome.AGENT_OUTCOME_REFUSED, e.getMessage()).toBuilder()
                    .setCertRequestId(command.getCertRequestId()).setReasonCode(e.code()).build();
        } catch (RuntimeException e) {
            LOG.errorf("command failed command=%s op=%s reason=%s", command.getCommandId(), command.getOp(), e.getMessage());
            LOG.debug("command failure", e);
            answer = answer(command, AgentOutcome.AGENT_OUTCOME_FAILED, e.getMessage()).toBuilder()
                    .setReasonCode(failureCode(e)).build();
        }
        if (answer == null) {
            LOG.infof("command accepted, answered when it ends command=%s op=%s", command.getCommandId(), command.getOp());
            return null;
        }
        metrics.commandHandled(command.getOp(), answer.getOutcome());
        LOG.infof("command answered command=%s outcome=%s reason_code=%s reason=%s took_ms=%d", command.getCommandId(),
                answer.getOutcome(), answer.getReasonCode(), answer.getReason(), (System.nanoTime() - started) / 1_000_000);
        return answer;
    }

    private AgentEvent deploy(AgentCommand command, boolean writable) {
        // Open the secrets first: a command we cannot carry out completely must change nothing.
        String password = adminPassword(command);
        String replicationPassword = replicationPassword(command);
        BackupKey restoreKey = command.hasRestore() ? restoreKey(command.getRestore()) : null;
        // A point in time the archive cannot reach is refused before anything is restored.
        ArchiveChain.ReplayPlan replayPlan = replays(command) ? planReplay(command.getRestore()) : null;
        // Recorded before the data appears, so data on disk always comes with its size (restart recovery needs it).
        update(s -> s.deployed(command.getSize(), command.getAdminUser(), command.getCommandId(), command.getAction())
                .withTlsMode(command.getTlsMode())
                .withRole(command.getRole()).withDurability(command.getDurability()));
        if (!writable) {
            update(AgentState::withFenced);
        }
        // The build and parameters the new server runs, recorded before its data appears (agent restarts start the same).
        database.configure(deployedConfig(command));
        if (restoreKey != null) {
            restoreInto(command.getRestore(), restoreKey, files.restoreStaging(), replayPlan != null);
            database.prepareRestored(command.getSize(), files.restoreStaging(), replayPlan != null);
        } else {
            database.prepare(command.getSize());
        }
        startDatabase(command.getSize());
        if (restoreKey != null) {
            Runnable replay = replayPlan == null ? NO_REPLAY : () -> replayArchive(command.getRestore(), replayPlan, restoreKey);
            adoptRestored(command, password, replicationPassword, replay);
        }
        if (writable) {
            becomeFirstPrimary(command, password, replicationPassword);
        }
        // A replica writes nothing of its own (no GTID of its own): its users arrive through replication.
        update(AgentState::withReady);
        return answer(command, AgentOutcome.AGENT_OUTCOME_DATABASE_READY, "deployed as " + roleName() + readOnlyNote());
    }

    private AgentEvent start(AgentCommand command, boolean writable, boolean restoring) {
        String password = adminPassword(command);
        String replicationPassword = replicationPassword(command);
        if (state.phase() != AgentState.Phase.DEPLOYED) {
            update(s -> s.deployed(command.getSize(), command.getAdminUser(), command.getCommandId(), command.getAction()));
        }
        if (!state.ready()) {
            update(s -> s.withRole(command.getRole()).withDurability(command.getDurability()));
        }
        // A server that stopped comes back read-only: a primary stays so until PROMOTE (unless it never took writes yet).
        update(s -> s.withTlsMode(command.getTlsMode()).withFenced());
        startDatabase(state.size());
        if (restoring) {
            adoptRestored(command, password, replicationPassword, NO_REPLAY);
        }
        if (writable) {
            becomeFirstPrimary(command, password, replicationPassword);
        }
        update(AgentState::withReady);
        return answer(command, AgentOutcome.AGENT_OUTCOME_DATABASE_READY, "started on existing data" + readOnlyNote());
    }

    private AgentEvent announceReady(AgentCommand command, boolean writable, boolean restoring) {
        String password = adminPassword(command);
        String replicationPassword = replicationPassword(command);
        // A DEPLOY carries the deployment's TLS mode: turning TLS off (or on again) applies at once.
        boolean required = state.secureTransportRequired();
        update(s -> s.withTlsMode(command.getTlsMode()));
        if (state.secureTransportRequired() != required) {
            database.reloadTls(state.secureTransportRequired());
        }
        if (restoring) {
            adoptRestored(command, password, replicationPassword, NO_REPLAY);
        }
        if (writable) {
            // The first DEPLOY stopped after the server started (a crash): finish it.
            update(s -> s.withRole(command.getRole()).withDurability(command.getDurability()));
            becomeFirstPrimary(command, password, replicationPassword);
        } else if (state.writablePrimary()) {
            // Only a writable primary writes users: anything written on a read-only or replica server would be a
            // transaction the primary lacks (a diverged history).
            database.ensureAdminUser(command.getAdminUser(), password);
            if (!replicationPassword.isEmpty()) {
                database.ensureReplicationUser(replicationPassword);
            }
        }
        update(AgentState::withReady);
        return answer(command, AgentOutcome.AGENT_OUTCOME_DATABASE_READY, "already running" + readOnlyNote());
    }

    /**
     * A primary's first DEPLOY: its users (binlogged, so replicas receive them; a restore adopted them, unbinlogged),
     * then writable with a fresh lease.
     */
    private void becomeFirstPrimary(AgentCommand command, String password, String replicationPassword) {
        if (!command.hasRestore()) {
            database.ensureAdminUser(command.getAdminUser(), password);
            if (!replicationPassword.isEmpty()) {
                database.ensureReplicationUser(replicationPassword);
            }
        }
        synchronized (roleLock) {
            lease.granted(System.nanoTime());
            database.makeWritable(SemiSync.atFirstDeploy(state.semiSync(), SemiSync.replicasWanted(command)));
            update(AgentState::primary);
        }
        recordPromotion(command.getEpoch(), database.binlogPosition());
    }

    /**
     * Restores the DEPLOY's backup into {@code staging} (a leftover of an earlier attempt removed first); on any
     * failure nothing stays there and DEPLOY answers FAILED (RESTORE_FAILED). With {@code replays}, a point in time
     * before the backup started is refused first: the backup already holds what came after it.
     */
    private void restoreInto(RestoreSource restore, BackupKey key, Path staging, boolean replays) {
        String what = "backup " + restore.getBackupId() + " of " + restore.getSource().getTenant() + "/" + restore.getSource().getName();
        ObjectStoreFactory stores = restoreStores;
        RestoreRunner runner = restorer;
        if (stores == null || runner == null) {
            throw new RestoreFailed(what + " cannot be restored: no object store is set up for this agent", null);
        }
        long started = System.nanoTime();
        try {
            TemplateDataDirectory.deleteTree(staging);
            try (ObjectStore store = stores.open()) {
                if (replays) {
                    BackupManifest manifest = RestoreRunner.manifest(store, restore.getSource(), restore.getBackupId());
                    Instant pointInTime = Timestamps.toInstant(restore.getPointInTime());
                    if (manifest.hasStartedAt() && pointInTime.isBefore(Timestamps.toInstant(manifest.getStartedAt()))) {
                        throw new RestoreFailed(what + " cannot be replayed to " + pointInTime + ": the backup started at "
                                + Timestamps.toInstant(manifest.getStartedAt()) + " and holds what was committed after that point", null);
                    }
                }
                runner.restore(store, restore.getSource(), restore.getBackupId(), key, staging);
            }
        } catch (RestoreFailed e) {
            throw e;
        } catch (RuntimeException e) {
            try {
                TemplateDataDirectory.deleteTree(staging);
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw new RestoreFailed(what + " not restored: " + e.getMessage(), e);
        }
        LOG.infof("backup restored deployment=%s instance=%s backup=%s source=%s/%s gtid=%s took_ms=%d", identity.deploymentKey(),
                identity.instanceId(), restore.getBackupId(), restore.getSource().getTenant(), restore.getSource().getName(),
                restore.getGtidPosition(), (System.nanoTime() - started) / 1_000_000);
    }

    /** Replays only on a primary (any role but REPLICA, as {@link AgentDecisions#deployMakesWritable}) of a restore with a point in time. */
    static boolean replays(AgentCommand command) {
        return command.hasRestore() && command.getRestore().hasPointInTime() && command.getRole() != Role.ROLE_REPLICA;
    }

    /** Stands where a DEPLOY replays nothing; restored data marked for a replay never gets here (it is discarded first). */
    private static final Runnable NO_REPLAY = () -> {
        throw new IllegalStateException("restored data is marked for a point-in-time replay this DEPLOY does not carry");
    };

    /**
     * Restored data marked for a replay that a DEPLOY finds (a crash or a failure during an earlier one): a replay may have
     * applied part of a file, and a replay on top of that would apply transactions twice or skip some. Discarded whole;
     * the DEPLOY then finds no data and restores from scratch.
     */
    private void discardInterruptedReplay() {
        if (!database.replayInterrupted()) {
            return;
        }
        LOG.warnf("restored data of an interrupted point-in-time replay discarded; restoring from scratch deployment=%s instance=%s",
                identity.deploymentKey(), identity.instanceId());
        sampling.shutWhile(database::discardRestored);
    }

    /** The archived binary logs to replay from the backup's position to before the point in time; refused: RESTORE_FAILED. */
    private ArchiveChain.ReplayPlan planReplay(RestoreSource restore) {
        Instant pointInTime = Timestamps.toInstant(restore.getPointInTime());
        String what = "point-in-time restore of " + restore.getSource().getTenant() + "/" + restore.getSource().getName() + " to "
                + pointInTime;
        ObjectStoreFactory stores = restoreStores;
        if (stores == null) {
            throw new RestoreFailed(what + " cannot be carried out: no object store is set up for this agent", null);
        }
        try (ObjectStore store = stores.open()) {
            ArchiveChain chain = ArchiveChain.of(ArchiveIndex.read(store, restore.getSource()));
            ArchiveChain.ReplayPlan plan = chain.plan(restore.getGtidPosition(), pointInTime);
            LOG.infof("point-in-time replay planned deployment=%s instance=%s source=%s/%s from=%s point_in_time=%s files=%d archive=%s",
                    identity.deploymentKey(), identity.instanceId(), restore.getSource().getTenant(), restore.getSource().getName(),
                    restore.getGtidPosition(), pointInTime, plan.steps().size(), chain.describe());
            return plan;
        } catch (ArchiveChain.ArchiveRefusal e) {
            throw new RestoreFailed(what + " refused: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new RestoreFailed(what + ": the archive cannot be read: " + e.getMessage(), e);
        }
    }

    /**
     * Replays {@code plan} into the running restored server (binlogged with the source's GTIDs), then checks that the
     * server's binary log ends at the last transaction replayed (the backup's position when nothing was before the
     * point in time). Any failure: RESTORE_FAILED, and the data stays marked, to be discarded.
     */
    private void replayArchive(RestoreSource restore, ArchiveChain.ReplayPlan plan, BackupKey key) {
        String what = "point-in-time replay of " + restore.getSource().getTenant() + "/" + restore.getSource().getName() + " to "
                + plan.pointInTime();
        String context = "deployment=" + identity.deploymentKey() + " instance=" + identity.instanceId();
        BinlogReplay.Result result;
        try (ObjectStore store = restoreStores.open()) {
            result = new BinlogReplay(replayTools, ServerLogin.of(files), files.replayWork(), files.replayLog())
                    .replay(store, plan, key, context);
        } catch (RuntimeException e) {
            // A ReplayFailure names the object, file or tool; anything else (the store) says what it is itself.
            throw new RestoreFailed(what + " failed: " + e.getMessage(), e);
        }
        String expected = result.lastGtid().isEmpty() ? domainZero(restore.getGtidPosition()) : result.lastGtid();
        String position = database.binlogPosition();
        String actual = domainZero(position);
        if (!Objects.equals(expected, actual)) {
            throw new RestoreFailed(replayPositionMismatch(what, expected, position), null);
        }
        double seconds = Math.max(result.millis(), 1) / 1000.0;
        LOG.infof("point-in-time replay done %s point_in_time=%s files=%d bytes=%d transactions=%d last_gtid=%s gtid_binlog_pos=%s "
                + "took_ms=%d mb_per_s=%.1f", context, plan.pointInTime(), result.files(), result.bytes(), result.transactions(),
                result.lastGtid().isEmpty() ? "(none; the backup's position)" : result.lastGtid(), position, result.millis(),
                result.bytes() / 1e6 / seconds);
    }

    /** The reason when the server's binary log does not end where the replay's output did. */
    static String replayPositionMismatch(String what, String expected, String position) {
        return what + " cannot be trusted: the last transaction replayed is " + (expected.isEmpty() ? "(none)" : expected)
                + ", but the server's binary log is at " + (position.isEmpty() ? "(empty)" : position);
    }

    /** The domain-0 GTID of a position; "" when it has none. */
    static String domainZero(String position) {
        if (position == null || position.isBlank()) {
            return "";
        }
        GtidPosition.Gtid gtid = GtidPosition.parse(position).byDomain().get(0L);
        return gtid == null ? "" : gtid.toString();
    }

    /**
     * This deployment's admin and replication users on the restored data, and its GTID position (first time only),
     * after {@code replay}. A failure with the data marked for a replay discards it: no data stays that a later DEPLOY
     * would start on; one of the replay answers RESTORE_FAILED.
     */
    private void adoptRestored(AgentCommand command, String password, String replicationPassword, Runnable replay) {
        try {
            database.adoptRestored(command.getAdminUser(), password, replicationPassword, command.getRestore().getGtidPosition(), replay);
        } catch (RuntimeException e) {
            RuntimeException failure = e instanceof DatabaseFailure && e.getCause() instanceof RestoreFailed restoreFailed
                    ? restoreFailed : e;
            if (database.replayInterrupted()) {
                try {
                    sampling.shutWhile(database::discardRestored);
                    LOG.warnf("restored data discarded after a failed point-in-time replay deployment=%s instance=%s",
                            identity.deploymentKey(), identity.instanceId());
                } catch (RuntimeException cleanup) {
                    failure.addSuppressed(cleanup);
                }
            }
            throw failure;
        }
    }

    private BackupKey restoreKey(RestoreSource restore) {
        try {
            return BackupKey.fromBase64(restore.getBackupKeyId(), openSecret(restore.getBackupKey(), "backup key to restore with"));
        } catch (RuntimeException e) {
            throw new RestoreFailed("backup " + restore.getBackupId() + " cannot be restored: " + e.getMessage(), e);
        }
    }

    /** DEPLOY's backup could not be restored: answered FAILED with RESTORE_FAILED. */
    private static final class RestoreFailed extends RuntimeException {
        RestoreFailed(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Waits for wait_for_gtid (switchover), applies what was received, stops replicating, then takes writes
     * with a fresh lease. Nothing but a restarted IO thread changes when a wait runs out (FAILED).
     */
    private AgentEvent promote(AgentCommand command) {
        long started = System.nanoTime();
        database.stopReplicating(command.getWaitForGtid(), promoteWait);
        String position;
        SemiSync.Master mode;
        synchronized (roleLock) {
            lease.granted(System.nanoTime());
            // A replica until now: the deployment has replicas, so commits wait for one from the first write on.
            boolean wasReplica = state.role() == Role.ROLE_REPLICA;
            update(s -> s.withDurability(command.getDurability()));
            // Grants from before read_only mattered (ALL PRIVILEGES) are fixed as soon as the server may write.
            mode = SemiSync.atPromote(state.semiSync(), wasReplica, SemiSync.replicasWanted(command));
            position = database.takeWrites(mode, state.adminUser());
            update(AgentState::primary);
        }
        recordPromotion(command.getEpoch(), position);
        LOG.infof("promoted deployment=%s instance=%s epoch=%d semi_sync=%s position=%s took_ms=%d", identity.deploymentKey(),
                identity.instanceId(), command.getEpoch(), state.semiSync(), position, (System.nanoTime() - started) / 1_000_000);
        return answer(command, AgentOutcome.AGENT_OUTCOME_DONE, "primary, writable").toBuilder().setGtidPosition(position)
                .setSemiSyncWait(SemiSync.waitOf(mode)).build();
    }

    /**
     * The deployment's replica count crossed 0: a primary that wants none stops waiting for a replica (and commits
     * blocked until now return); one that wants some waits once a replica attached.
     */
    private AgentEvent setCommitWait(AgentCommand command) {
        SemiSyncWait wait;
        synchronized (roleLock) {
            wait = database.setCommitWait(state.semiSync(), SemiSync.replicasWanted(command));
        }
        LOG.infof("commit wait set deployment=%s instance=%s replicas_wanted=%s semi_sync_wait=%s", identity.deploymentKey(),
                identity.instanceId(), command.hasReplicasWanted() ? command.getReplicasWanted() : "unset", wait);
        return answer(command, AgentOutcome.AGENT_OUTCOME_DONE, "commits " + (wait == SemiSyncWait.SEMI_SYNC_WAIT_OFF
                ? "do not wait for a replica" : "wait for a replica once one attached")).toBuilder().setSemiSyncWait(wait).build();
    }

    /**
     * Replicates read-only from the given primary, verifying its certificate chain against this instance's
     * CA bundle (the host name cannot be checked: MASTER_HOST is an address). A link the primary cannot continue
     * answers FAILED with its fault (DIVERGED, CANNOT_CATCH_UP) as {@code replication_fault} and as {@code reason_code};
     * a primary not reachable yet answers DONE with NOT_CONNECTED_YET (the link retries every second).
     */
    private AgentEvent replicate(AgentCommand command) {
        String password = openSecret(command.getReplicationPassword(), "replication password");
        // A deployment without TLS never gets a certificate to verify against: encrypted, not verified.
        Path ca = state.tlsMode() == TlsMode.TLS_MODE_DISABLED ? null : files.caBundle();
        synchronized (roleLock) {
            update(s -> s.withDurability(command.getDurability()).replicaOf(command.getPrimaryInstanceId()));
        }
        DatabaseServer.Replication link = database.replicate(new DatabaseServer.Source(command.getPrimaryAddress(), ca), password,
                state.semiSync(), REPLICATE_CHECK);
        LOG.infof("replication deployment=%s instance=%s primary=%s address=%s link=%s detail=%s position=%s", identity.deploymentKey(),
                identity.instanceId(), command.getPrimaryInstanceId(), command.getPrimaryAddress(), link.link(), link.detail(),
                link.position());
        String from = " from " + command.getPrimaryInstanceId() + " (" + command.getPrimaryAddress() + ")";
        AgentEvent answer = switch (link.link()) {
            // Already pointed there, but the link may be reconnecting (it has an error then): not up yet either.
            case ALREADY -> answer(command, AgentOutcome.AGENT_OUTCOME_DONE, "already replicating" + from).toBuilder()
                    .setReasonCode(link.error().isNone() ? AgentReason.AGENT_REASON_UNSPECIFIED : AgentReason.AGENT_REASON_NOT_CONNECTED_YET)
                    .build();
            case STREAMING -> answer(command, AgentOutcome.AGENT_OUTCOME_DONE, "replicating" + from);
            case CONNECTING -> answer(command, AgentOutcome.AGENT_OUTCOME_DONE, "replicating" + from + "; not connected yet: " + link.detail())
                    .toBuilder().setReasonCode(AgentReason.AGENT_REASON_NOT_CONNECTED_YET).build();
            case BROKEN -> answer(command, AgentOutcome.AGENT_OUTCOME_FAILED, link.detail()).toBuilder()
                    .setReasonCode(brokenLinkCode(link.error())).setReplicationFault(link.error().fault()).build();
        };
        return answer.toBuilder().setGtidPosition(link.position()).build();
    }

    /** Read-only at once, clients' connections ended; the position is what a switchover's target must reach. */
    private AgentEvent fence(AgentCommand command) {
        String position;
        synchronized (roleLock) {
            position = database.makeReadOnly();
            update(AgentState::withFenced);
        }
        return answer(command, AgentOutcome.AGENT_OUTCOME_DONE, "read-only").toBuilder().setGtidPosition(position).build();
    }

    private AgentEvent announceFenced(AgentCommand command, String reason) {
        if (state.phase() == AgentState.Phase.DEPLOYED) {
            update(AgentState::withFenced);
        }
        if (state.paused() && state.pause().wakeOnConnect()) {
            // A fenced primary must not wake writable: the listener starts the server read-only from now on.
            synchronized (pauseLock) {
                armWake();
            }
        }
        return answer(command, AgentOutcome.AGENT_OUTCOME_DONE, reason);
    }

    private String roleName() {
        return state.role() == Role.ROLE_REPLICA ? "replica" : "primary";
    }

    private String readOnlyNote() {
        return state.role() == Role.ROLE_PRIMARY && state.fenced() ? "; read-only until PROMOTE" : "";
    }

    /** A key that never leaves the instance and a CSR for it; the same CSR again for the same request id. */
    private AgentEvent makeCsr(AgentCommand command) {
        String csr = tls.csr(command.getCertRequestId(), command.getDnsNamesList());
        LOG.infof("certificate request ready request=%s names=%s", command.getCertRequestId(), command.getDnsNamesList());
        return answer(command, AgentOutcome.AGENT_OUTCOME_DONE, "certificate request made").toBuilder()
                .setCsrPem(csr)
                .setCertRequestId(command.getCertRequestId())
                .build();
    }

    /**
     * Checks the chain before touching anything (a refused chain leaves the current certificate serving),
     * makes it live with one symlink rename, reloads the server's TLS without a restart, and only then
     * records it, so that a crash in between makes a repeat of the command do the whole work again.
     */
    private AgentEvent installCert(AgentCommand command) {
        String requestId = command.getCertRequestId();
        ServerTls.Installation installation = tls.check(requestId, command.getCertChainPem(), command.getCaBundlePem(), clock.instant());
        String serial = installation.serial();
        if (tls.isLive(installation) && requestId.equals(state.certRequestId())) {
            return certificateAnswer(command, "certificate already installed", serial);
        }
        String previous = tls.makeLive(installation, clock.instant());
        AgentState next = state.withCertificate(requestId, serial);
        try {
            database.reloadTls(next.secureTransportRequired());
        } catch (RuntimeException e) {
            tls.relink(previous);
            throw e;
        }
        update(s -> s.withCertificate(requestId, serial));
        tls.removeUnneeded(requestId);
        LOG.infof("certificate installed request=%s serial=%s not_after=%s secure_transport_only=%s", requestId, serial,
                installation.chain().get(0).getNotAfter().toInstant(), next.secureTransportRequired());
        return certificateAnswer(command, "certificate installed", serial);
    }

    private AgentEvent certificateAnswer(AgentCommand command, String reason, String serial) {
        return answer(command, AgentOutcome.AGENT_OUTCOME_DONE, reason).toBuilder()
                .setCertSerial(serial)
                .setCertRequestId(command.getCertRequestId())
                .build();
    }

    /**
     * Starts the backup off this thread (or joins the same backup running) and returns null: the answer, DONE with
     * the manifest or FAILED with OBJECT_STORE_ERROR / BACKUP_TOOL_FAILED, goes out when it ends. Another backup
     * running: REFUSED (WRONG_STATE).
     */
    private AgentEvent backup(AgentCommand command) {
        BackupJobs jobs = backups;
        if (jobs == null) {
            return answer(command, AgentOutcome.AGENT_OUTCOME_FAILED, "no object store is set up for this agent").toBuilder()
                    .setReasonCode(AgentReason.AGENT_REASON_OBJECT_STORE_ERROR).build();
        }
        BackupKey key;
        try {
            key = BackupKey.fromBase64(command.getBackupKeyId(), openSecret(command.getBackupKey(), "backup key"));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("the backup key is unusable: " + e.getMessage(), e);
        }
        Role role = state.role() == Role.ROLE_REPLICA ? Role.ROLE_REPLICA : Role.ROLE_PRIMARY;
        BackupRunner.Request request = new BackupRunner.Request(command.getBackupId(), identity.deployment(), identity.instanceId(),
                role, key);
        java.util.function.Consumer<AgentEvent> answers = laterAnswers;
        BackupDecisions.Start start = jobs.start(request, new BackupJobs.Waiter(command.getCommandId(), outcome -> {
            AgentEvent answer = backupAnswer(command, outcome);
            answers.accept(answer);
            metrics.commandHandled(command.getOp(), answer.getOutcome());
            LOG.infof("command answered command=%s outcome=%s reason_code=%s reason=%s", command.getCommandId(),
                    answer.getOutcome(), answer.getReasonCode(), answer.getReason());
        }));
        if (start == BackupDecisions.Start.REFUSE) {
            return answer(command, AgentOutcome.AGENT_OUTCOME_REFUSED, BackupDecisions.refusal(jobs.running().orElse("another")))
                    .toBuilder().setReasonCode(AgentReason.AGENT_REASON_WRONG_STATE).build();
        }
        return null;
    }

    private AgentEvent backupAnswer(AgentCommand command, BackupJobs.Outcome outcome) {
        if (outcome.done()) {
            return answer(command, AgentOutcome.AGENT_OUTCOME_DONE, "backup " + command.getBackupId() + " complete").toBuilder()
                    .setBackup(outcome.manifest()).build();
        }
        return answer(command, AgentOutcome.AGENT_OUTCOME_FAILED, outcome.failure().getMessage()).toBuilder()
                .setReasonCode(outcome.failure().code()).build();
    }

    /**
     * Keeps the settings (and the sealed key, as received) so a restarted agent resumes; a writable primary archives
     * with them from the archiver's next pass. Answered DONE with the coverage as the index shows it now.
     */
    private AgentEvent archiveBinlogs(AgentCommand command) {
        keepArchiveSettings(command);
        BinlogArchiver running = archiver;
        ArchiveCoverage coverage = running == null
                ? ArchiveCoverage.newBuilder().setDeployment(identity.deployment()).setInstanceId(identity.instanceId())
                        .setLastError("no object store is set up for this agent").build()
                : running.coverageNow();
        String reason = !command.getArchive().getEnabled() ? "binary-log archiving off"
                : state.writablePrimary() ? "archiving binary logs" : "archive settings kept; archived while a writable primary";
        return answer(command, AgentOutcome.AGENT_OUTCOME_DONE, reason).toBuilder().setArchive(coverage).build();
    }

    /** The command's archive settings, kept; an enabling command's key must open (it is kept sealed). */
    private void keepArchiveSettings(AgentCommand command) {
        if (command.getArchive().getEnabled()) {
            try {
                BackupKey.fromBase64(command.getBackupKeyId(), openSecret(command.getBackupKey(), "backup key"));
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("the backup key is unusable: " + e.getMessage(), e);
            }
        }
        synchronized (stateLock) {
            ArchiveSettings next = archiveSettings.told(command.getArchive(), command.getBackupKey(), command.getBackupKeyId());
            next.save(ArchiveSettings.file(files));
            archiveSettings = next;
        }
        LOG.infof("archive settings kept deployment=%s instance=%s enabled=%s keep_after=%s key_id=%s", identity.deploymentKey(),
                identity.instanceId(), command.getArchive().getEnabled(), command.getArchive().getKeepAfterGtid(), command.getBackupKeyId());
    }

    /** Where this instance stood when it became primary at {@code epoch}: the archive cuts older epochs there. */
    private void recordPromotion(long epoch, String position) {
        synchronized (stateLock) {
            ArchiveSettings next = archiveSettings.promoted(epoch, position);
            if (next != archiveSettings) {
                next.save(ArchiveSettings.file(files));
                archiveSettings = next;
            }
        }
    }

    private AgentEvent destroy(AgentCommand command) {
        synchronized (pauseLock) {
            sampling.shutWhile(() -> {
                database.stop();
                database.removeData();
            });
            update(AgentState::destroyed);
            database.markPaused(false);
            sampling.markPaused(false);
        }
        return answer(command, AgentOutcome.AGENT_OUTCOME_DATABASE_STOPPED, "destroyed");
    }

    /** The facts a decision needs; the installed builds and the recorded config only for DEPLOY and UPDATE. */
    private Facts facts(AgentCommand command) {
        LocalState local = observe();
        boolean engine = command.getOp() == AgentOp.AGENT_OP_DEPLOY || command.getOp() == AgentOp.AGENT_OP_UPDATE;
        java.util.List<String> installed = null;
        dev.marina.schemas.v1.ServerConfig configured = null;
        if (engine) {
            try {
                installed = database.versions();
                configured = database.configured();
            } catch (RuntimeException e) {
                LOG.warnf("cannot list the installed builds reason=%s", e.getMessage());
            }
        }
        BackupJobs jobs = backups;
        boolean backupRunning = jobs != null && jobs.running().isPresent();
        return new Facts(local, state.highestEpoch(), installedVersion(), state.role(), state.ready(), state.writablePrimary(),
                installed, configured, backupRunning, state.paused());
    }

    /** What a first DEPLOY records: the exact build its version means here, its size and parameters (valid: decided). */
    private dev.marina.schemas.v1.ServerConfig deployedConfig(AgentCommand command) {
        dev.marina.schemas.v1.ServerConfig wanted = AgentDecisions.desired(command);
        String version = wanted.getVersion().isEmpty() ? database.version()
                : AgentDecisions.resolve(wanted.getVersion(), database.versions()).orElseThrow(() -> new IllegalStateException(
                        "version " + wanted.getVersion() + " is not installed here; " + dev.marina.agent.database.EngineCatalogue.RUN_DEPS));
        return wanted.toBuilder().setVersion(version).clearParameters()
                .putAllParameters(dev.marina.schemas.engine.ServerParameters.normalized(wanted.getParametersMap())).build();
    }

    /** How long UPDATE waits for open transactions when its command says 0. */
    private volatile Duration drainTimeout = Duration.ofSeconds(30);

    public void useDrainTimeout(Duration timeout) {
        this.drainTimeout = timeout;
    }

    /** UPDATE of dynamic parameters: SET GLOBAL each changed one, then record them for later starts. No restart. */
    private AgentEvent updateLive(AgentCommand command, Facts facts) {
        dev.marina.schemas.v1.ServerConfig current = facts.configured();
        dev.marina.schemas.v1.ServerConfig target = AgentDecisions.target(facts, command);
        var changes = dev.marina.schemas.engine.ServerParameters.changed(
                dev.marina.schemas.engine.ServerParameters.normalized(current.getParametersMap()), target.getParametersMap(),
                dev.marina.schemas.engine.ServerParameters.Apply.DYNAMIC);
        database.setParameters(changes);
        database.configure(current.toBuilder().clearParameters().putAllParameters(target.getParametersMap()).build());
        LOG.infof("parameters set live deployment=%s instance=%s changed=%s", identity.deploymentKey(), identity.instanceId(), changes);
        return answer(command, AgentOutcome.AGENT_OUTCOME_DONE, "set without a restart: " + changes.keySet()).toBuilder()
                .setRunning(database.running()).build();
    }

    /**
     * UPDATE that needs a restart: drain, stop, start on the target (mariadb-upgrade after a patch upgrade). A target that
     * does not start, or whose upgrade fails, is undone: the previous build and settings start again, FAILED UPDATE_FAILED.
     */
    private AgentEvent updateRestart(AgentCommand command, Facts facts) {
        dev.marina.schemas.v1.ServerConfig previous = facts.configured().toBuilder().setSize(state.size()).build();
        dev.marina.schemas.v1.ServerConfig target = AgentDecisions.target(facts, command);
        var from = dev.marina.schemas.engine.EngineVersion.parse(previous.getVersion());
        var to = dev.marina.schemas.engine.EngineVersion.parse(target.getVersion());
        boolean upgrade = from.isPresent() && to.isPresent()
                && dev.marina.schemas.engine.VersionChange.between(from.get(), to.get()).needsUpgradeTool();
        Duration timeout = command.getDrainTimeoutMs() > 0 ? Duration.ofMillis(command.getDrainTimeoutMs()) : drainTimeout;
        String drained = database.drain(timeout).text();
        LOG.infof("update restarting deployment=%s instance=%s from=%s to=%s drain=%s", identity.deploymentKey(), identity.instanceId(),
                AgentDecisions.describe(previous), AgentDecisions.describe(target), drained);
        sampling.shutWhile(database::stop);
        try {
            database.configure(target);
            update(s -> s.withSize(target.getSize()));
            startDatabase(target.getSize());
            if (upgrade) {
                database.upgrade();
            }
        } catch (RuntimeException e) {
            String why = e.getMessage();
            LOG.errorf("update failed, going back deployment=%s instance=%s to=%s reason=%s", identity.deploymentKey(),
                    identity.instanceId(), AgentDecisions.describe(previous), why);
            sampling.shutWhile(database::stop);
            database.configure(previous);
            update(s -> s.withSize(previous.getSize()));
            try {
                startDatabase(previous.getSize());
            } catch (RuntimeException back) {
                throw new IllegalStateException("update to " + AgentDecisions.describe(target) + " failed (" + why
                        + ") and the previous config did not start again: " + back.getMessage(), back);
            }
            return answer(command, AgentOutcome.AGENT_OUTCOME_FAILED, "update to " + AgentDecisions.describe(target) + " failed: "
                    + why + "; running " + AgentDecisions.describe(previous) + " again").toBuilder()
                    .setReasonCode(AgentReason.AGENT_REASON_UPDATE_FAILED).setRunning(database.running()).setDrain(drained).build();
        }
        return answer(command, AgentOutcome.AGENT_OUTCOME_DATABASE_READY, "restarted on " + AgentDecisions.describe(target)
                + (upgrade ? "; mariadb-upgrade done" : "") + readOnlyNote()).toBuilder().setDrain(drained).build();
    }

    /**
     * PAUSE: recorded first (a crash from here on leaves the instance paused: the restarted agent finishes it), then the
     * agent stops dialing the server, stops it (clean shutdown; open transactions roll back) and, for wake on connect,
     * arms the listener on its address. Answered DATABASE_STOPPED with paused. Repeated: stopped still, armed as told.
     */
    private AgentEvent pause(AgentCommand command) {
        boolean wake = command.getWakeOnConnect();
        if (wake) {
            Optional<String> missing = database.wakeUnavailable();
            if (missing.isPresent()) {
                return answer(command, AgentOutcome.AGENT_OUTCOME_FAILED, "cannot pause with wake on connect: " + missing.get());
            }
        }
        long started = System.nanoTime();
        synchronized (pauseLock) {
            boolean semiSyncWait;
            if (state.paused()) {
                semiSyncWait = state.pause().semiSyncWait();
            } else {
                // How commits waited before the pause: a woken or resumed primary waits again (once a replica attached).
                SemiSync.Reading reading = database.observe().semiSync();
                semiSyncWait = reading != null && reading.enabled();
            }
            boolean armed = state.paused() && database.wakeState() == DatabaseServer.WakeState.ARMED;
            update(s -> s.withPause(new AgentState.Pause(true, wake, semiSyncWait)));
            database.markPaused(true);
            sampling.markPaused(true);
            if (!(armed && wake)) {
                // Ends a listener too (one not wanted any more); a repeated PAUSE with wake keeps its listener listening.
                sampling.shutWhile(database::stop);
            }
            if (wake) {
                armWake();
            }
        }
        LOG.infof("paused deployment=%s instance=%s wake_on_connect=%s took_ms=%d", identity.deploymentKey(), identity.instanceId(),
                wake, (System.nanoTime() - started) / 1_000_000);
        return answer(command, AgentOutcome.AGENT_OUTCOME_DATABASE_STOPPED, wake
                ? "paused; the first connection to " + identity.endpoint() + " starts it" : "paused").toBuilder().setPaused(true).build();
    }

    /** The wake listener, with the start a paused primary that took writes gets: writable, semi-sync as before. Under pauseLock. */
    private void armWake() {
        boolean writable = state.primaryNotFenced();
        database.armWake(state.size(), state.secureTransportRequired(), state.semiSync(),
                new DatabaseServer.WakeStart(writable, writable && state.semiSync() && state.pause().semiSyncWait()));
    }

    /**
     * RESUME of a paused server: the listener ends, the server starts (read-only, like every start); a primary that took
     * writes when it was paused takes them again at the command's epoch (semi-sync as before: waiting once a replica
     * attached); a replica resumes replicating by itself from where it was (its settings are in its data directory).
     * Recorded as running only once it serves: a RESUME that fails leaves it paused, to be resumed again.
     */
    private AgentEvent resume(AgentCommand command) {
        long started = System.nanoTime();
        synchronized (pauseLock) {
            boolean writable = state.primaryNotFenced();
            SemiSync.Master mode = state.semiSync() && state.pause().semiSyncWait() ? SemiSync.Master.UNTIL_FIRST_REPLICA
                    : SemiSync.Master.OFF;
            database.markPaused(false);
            try {
                startDatabase(state.size());
                if (writable) {
                    synchronized (roleLock) {
                        lease.granted(System.nanoTime());
                        database.makeWritable(mode);
                    }
                }
            } catch (RuntimeException e) {
                database.markPaused(true);
                throw e;
            }
            update(s -> s.withPause(AgentState.Pause.NONE));
            sampling.markPaused(false);
        }
        LOG.infof("resumed deployment=%s instance=%s role=%s took_ms=%d", identity.deploymentKey(), identity.instanceId(), roleName(),
                (System.nanoTime() - started) / 1_000_000);
        return answer(command, AgentOutcome.AGENT_OUTCOME_DATABASE_READY, "resumed as " + roleName() + readOnlyNote());
    }

    /**
     * Called every few milliseconds by the wake watch (and before each command): when a client's connection started a
     * paused server, the agent waits until it answers, records it running and sends DATABASE_READY unasked with woken;
     * a listener that died is armed again. Reads the process table only while the listener waits (never dials).
     */
    public void watchWake() {
        java.util.function.Consumer<AgentEvent> events = unasked;
        AgentEvent pending;
        synchronized (pauseLock) {
            if (wokenPending == null) {
                AgentState now = state;
                if (!now.paused() || !now.pause().wakeOnConnect() || now.phase() != AgentState.Phase.DEPLOYED) {
                    return;
                }
                DatabaseServer.WakeState wake = database.wakeState();
                if (wake == DatabaseServer.WakeState.ARMED) {
                    return;
                }
                if (wake == DatabaseServer.WakeState.NONE) {
                    rearm();
                    return;
                }
                wokenPending = woken();
            }
            pending = wokenPending;
            if (events == null) {
                return;
            }
            try {
                events.accept(pending);
                wokenPending = null;
            } catch (RuntimeException e) {
                LOG.warnf("woken event not sent yet deployment=%s instance=%s reason=%s", identity.deploymentKey(), identity.instanceId(),
                        e.getMessage());
            }
        }
    }

    /** The listener is gone without waking the server (killed, crashed): armed again, at most once a second. */
    private void rearm() {
        if (System.nanoTime() - rearmAfter < 0) {
            return;
        }
        LOG.warnf("wake listener gone; arming it again deployment=%s instance=%s", identity.deploymentKey(), identity.instanceId());
        try {
            armWake();
        } catch (RuntimeException e) {
            rearmAfter = System.nanoTime() + Duration.ofSeconds(1).toNanos();
            LOG.errorf("wake listener not armed deployment=%s instance=%s reason=%s", identity.deploymentKey(), identity.instanceId(),
                    e.getMessage());
        }
    }

    /** A client's connection started the paused server: running again, announced. Under pauseLock. */
    private AgentEvent woken() {
        long started = System.nanoTime();
        try {
            database.awaitWoken();
        } catch (RuntimeException e) {
            LOG.errorf("woken server does not answer deployment=%s instance=%s reason=%s", identity.deploymentKey(), identity.instanceId(),
                    e.getMessage());
            return event(state.deployCommandId(), deployAction(), AgentOutcome.AGENT_OUTCOME_FAILED,
                    "woken by a client's connection, but the server does not answer: " + e.getMessage(), state.highestEpoch())
                    .setReasonCode(failureCode(e)).build();
        }
        synchronized (roleLock) {
            if (state.primaryNotFenced()) {
                // It started writable (its config said so): the lease guards it from now on, as after a PROMOTE.
                lease.granted(System.nanoTime());
            }
            update(s -> s.withPause(AgentState.Pause.NONE));
        }
        sampling.markPaused(false);
        LOG.infof("woken by a client's connection deployment=%s instance=%s role=%s answering_after_ms=%d", identity.deploymentKey(),
                identity.instanceId(), roleName(), (System.nanoTime() - started) / 1_000_000);
        return event(state.deployCommandId(), deployAction(), AgentOutcome.AGENT_OUTCOME_DATABASE_READY,
                "woken by a client's connection" + readOnlyNote(), state.highestEpoch()).setWoken(true).build();
    }

    /** At agent start, a paused instance stays paused: its listener armed again (or a server woken meanwhile announced). */
    private Optional<AgentEvent> recoverPaused() {
        LOG.infof("agent started state=PAUSED wake_on_connect=%s", state.pause().wakeOnConnect());
        synchronized (pauseLock) {
            database.markPaused(true);
            sampling.markPaused(true);
            if (state.pause().wakeOnConnect()) {
                DatabaseServer.WakeState wake = database.wakeState();
                if (wake == DatabaseServer.WakeState.WOKEN) {
                    return Optional.of(woken());
                }
                if (wake == DatabaseServer.WakeState.NONE) {
                    try {
                        armWake();
                    } catch (RuntimeException e) {
                        LOG.errorf("wake listener not armed after an agent restart reason=%s", e.getMessage());
                    }
                }
            } else {
                // Paused without a listener: nothing of it may run (a PAUSE that was cut short is finished here).
                sampling.shutWhile(database::stop);
            }
        }
        return firstCommand();
    }

    private String startDatabase(Size size) {
        long started = System.nanoTime();
        DatabaseServer.StartOutcome outcome = database.start(size, state.secureTransportRequired(), state.semiSync());
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        metrics.databaseStarted(outcome.name(), took);
        LOG.infof("database answering how=%s took_ms=%d endpoint=%s", outcome, took.toMillis(), identity.endpoint());
        return outcome.name();
    }

    private LocalState observe() {
        if (state.phase() == AgentState.Phase.DESTROYED) {
            return LocalState.DESTROYED;
        }
        if (!database.hasData()) {
            return LocalState.NO_DATA;
        }
        return database.answers() ? LocalState.RUNNING : LocalState.STOPPED;
    }

    private String installedVersion() {
        try {
            return database.version();
        } catch (RuntimeException e) {
            return "none: " + e.getMessage();
        }
    }

    private String adminPassword(AgentCommand command) {
        return openSecret(command.getAdminPassword(), "admin password");
    }

    /** The replication password when the command carries one; empty otherwise (a deployment of one instance). */
    private String replicationPassword(AgentCommand command) {
        return command.hasReplicationPassword() && !command.getReplicationPassword().getCiphertext().isEmpty()
                ? openSecret(command.getReplicationPassword(), "replication password")
                : "";
    }

    private String openSecret(SealedSecret sealed, String what) {
        try {
            return secrets.get().open(sealed);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("cannot open the " + what + ": " + e.getMessage(), e);
        }
    }

    /** Changes the state file and the state together; the command and fencing threads both change it. */
    private void update(UnaryOperator<AgentState> change) {
        synchronized (stateLock) {
            AgentState next = change.apply(state);
            next.save(files.stateFile());
            state = next;
        }
    }

    /** The action of the DEPLOY that created the database, for the events sent unasked; null when it carried none. */
    private ActionKey deployAction() {
        return state.hasDeployAction() ? state.deployAction() : null;
    }

    /** REPLICATE answered FAILED: the fault, as a reason; a link broken for another reason may heal. */
    static AgentReason brokenLinkCode(ReplicationError error) {
        return switch (error.fault()) {
            case REPLICATION_FAULT_DIVERGED -> AgentReason.AGENT_REASON_DIVERGED;
            case REPLICATION_FAULT_CANNOT_CATCH_UP -> AgentReason.AGENT_REASON_CANNOT_CATCH_UP;
            default -> AgentReason.AGENT_REASON_REPLICATION_BROKEN;
        };
    }

    /** A FAILED answer's code: DATABASE_ERROR when the server failed; nothing for the agent's own trouble (a secret, a file). */
    private static AgentReason failureCode(RuntimeException e) {
        if (e instanceof RestoreFailed) {
            return AgentReason.AGENT_REASON_RESTORE_FAILED;
        }
        return e instanceof DatabaseFailure ? AgentReason.AGENT_REASON_DATABASE_ERROR : AgentReason.AGENT_REASON_UNSPECIFIED;
    }

    /** The answer to {@code command}: its id, its epoch and its action echoed. */
    private AgentEvent answer(AgentCommand command, AgentOutcome outcome, String reason) {
        return event(command.getCommandId(), command.hasAction() ? command.getAction() : null, outcome, reason, command.getEpoch())
                .build();
    }

    /** @param action the action to echo; null for none */
    private AgentEvent.Builder event(String commandId, ActionKey action, AgentOutcome outcome, String reason, long epoch) {
        AgentEvent.Builder event = AgentEvent.newBuilder()
                .setCommandId(commandId)
                .setDeployment(identity.deployment())
                .setInstanceId(identity.instanceId())
                .setOutcome(outcome)
                .setReason(reason == null ? "" : reason)
                .setEpoch(epoch)
                .setObservedAt(Timestamps.of(clock.instant()));
        if (outcome == AgentOutcome.AGENT_OUTCOME_DATABASE_READY) {
            // the reconciler learns here whether a primary is writable or waits for PROMOTE
            event.setEndpoint(identity.endpoint()).setReadOnly(state.role() != Role.ROLE_PRIMARY || state.fenced());
            try {
                event.setRunning(database.running());
            } catch (RuntimeException e) {
                LOG.warnf("cannot read what the server runs reason=%s", e.getMessage());
            }
        }
        if (action != null) {
            event.setAction(action);
        }
        return event;
    }
}
