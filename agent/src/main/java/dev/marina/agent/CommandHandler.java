package dev.marina.agent;

import dev.marina.agent.database.DatabaseServer;
import dev.marina.agent.decision.Action;
import dev.marina.agent.decision.AgentDecisions;
import dev.marina.agent.decision.Decision;
import dev.marina.agent.decision.Facts;
import dev.marina.agent.decision.LocalState;
import dev.marina.agent.metrics.SamplingGate;
import dev.marina.agent.tls.ServerTls;
import dev.marina.agent.tls.TlsRefusal;
import dev.marina.schemas.v1.AgentCommand;
import dev.marina.schemas.v1.AgentEvent;
import dev.marina.schemas.v1.AgentOutcome;
import dev.marina.schemas.v1.Size;
import dev.marina.service.SecretBox;
import dev.marina.service.Timestamps;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Carries out commands: gathers the facts, lets {@link AgentDecisions} decide, applies the effects to
 * the database and the state file, and builds the answer. Runs on the command thread only.
 *
 * <p>The admin password is opened from its sealed form just before use and lives only in this
 * method's frame; it never reaches a log line, an answer or a file (the server gets its hash).
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
    private volatile AgentState state;

    /** @param sampling shut while the database is stopped and removed, so no metric sample is taken meanwhile */
    public CommandHandler(InstanceIdentity identity, InstanceFiles files, DatabaseServer database, Supplier<SecretBox> secrets,
            AgentMetrics metrics, SamplingGate sampling, Clock clock) {
        this.identity = identity;
        this.files = files;
        this.database = database;
        this.secrets = secrets;
        this.metrics = metrics;
        this.sampling = sampling;
        this.clock = clock;
        this.tls = new ServerTls(files);
        this.state = AgentState.load(files.stateFile());
    }

    /** The highest accepted epoch, for heartbeats (read from another thread). */
    public long highestEpoch() {
        return state.highestEpoch();
    }

    /**
     * At agent start, without a command: a database deployed here before is started again (or adopted
     * when it still runs) and announced READY, echoing the id of the DEPLOY that created it.
     */
    public Optional<AgentEvent> recover() {
        LocalState local = observe();
        Decision decision = AgentDecisions.onStart(local);
        LOG.infof("agent started state=%s action=%s why=%s", local, decision.action(), decision.reason());
        if (decision.action() != Action.START) {
            return firstCommand();
        }
        try {
            String how = startDatabase(state.size());
            return Optional.of(event(state.deployCommandId(), AgentOutcome.AGENT_OUTCOME_DATABASE_READY,
                    "database " + how.toLowerCase() + " after an agent restart", state.highestEpoch()));
        } catch (RuntimeException e) {
            LOG.errorf(e, "database did not start after an agent restart reason=%s", e.getMessage());
            return Optional.of(event(state.deployCommandId(), AgentOutcome.AGENT_OUTCOME_FAILED,
                    "database did not start after an agent restart: " + e.getMessage(), state.highestEpoch()));
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

    /** Handles a command meant for this instance and returns the answer; never throws. */
    public AgentEvent handle(AgentCommand command) {
        long started = System.nanoTime();
        Facts facts = new Facts(observe(), state.highestEpoch(), installedVersion());
        Decision decision = AgentDecisions.decide(facts, command);
        LOG.infof("command received command=%s op=%s epoch=%d state=%s action=%s why=%s", command.getCommandId(),
                command.getOp(), command.getEpoch(), facts.state(), decision.action(), decision.reason());
        AgentEvent answer;
        try {
            answer = switch (decision.action()) {
                case DEPLOY -> deploy(command);
                case START -> start(command);
                case ANNOUNCE_READY -> announceReady(command);
                case DESTROY -> destroy(command);
                case ANNOUNCE_STOPPED -> answer(command, AgentOutcome.AGENT_OUTCOME_DATABASE_STOPPED, decision.reason());
                case MAKE_CSR -> makeCsr(command);
                case INSTALL_CERT -> installCert(command);
                case REFUSE -> answer(command, AgentOutcome.AGENT_OUTCOME_REFUSED, decision.reason());
                case NOTHING -> throw new IllegalStateException("no action for a command");
            };
            if (decision.action() != Action.REFUSE && command.getEpoch() > state.highestEpoch()) {
                save(state.withEpoch(command.getEpoch()));
            }
        } catch (TlsRefusal e) {
            answer = answer(command, AgentOutcome.AGENT_OUTCOME_REFUSED, e.getMessage()).toBuilder()
                    .setCertRequestId(command.getCertRequestId()).build();
        } catch (RuntimeException e) {
            LOG.errorf("command failed command=%s op=%s reason=%s", command.getCommandId(), command.getOp(), e.getMessage());
            LOG.debug("command failure", e);
            answer = answer(command, AgentOutcome.AGENT_OUTCOME_FAILED, e.getMessage());
        }
        metrics.commandHandled(command.getOp(), answer.getOutcome());
        LOG.infof("command answered command=%s outcome=%s reason=%s took_ms=%d", command.getCommandId(),
                answer.getOutcome(), answer.getReason(), (System.nanoTime() - started) / 1_000_000);
        return answer;
    }

    private AgentEvent deploy(AgentCommand command) {
        // Open the secret first: a command we cannot carry out completely must change nothing.
        String password = adminPassword(command);
        // Recorded before the data appears, so data on disk always comes with its size (restart recovery needs it).
        save(state.deployed(command.getSize(), command.getAdminUser(), command.getCommandId()).withTlsMode(command.getTlsMode()));
        database.prepare(command.getSize());
        startDatabase(command.getSize());
        database.ensureAdminUser(command.getAdminUser(), password);
        return answer(command, AgentOutcome.AGENT_OUTCOME_DATABASE_READY, "deployed");
    }

    private AgentEvent start(AgentCommand command) {
        String password = adminPassword(command);
        if (state.phase() != AgentState.Phase.DEPLOYED) {
            save(state.deployed(command.getSize(), command.getAdminUser(), command.getCommandId()));
        }
        save(state.withTlsMode(command.getTlsMode()));
        startDatabase(state.size());
        database.ensureAdminUser(command.getAdminUser(), password);
        return answer(command, AgentOutcome.AGENT_OUTCOME_DATABASE_READY, "started on existing data");
    }

    private AgentEvent announceReady(AgentCommand command) {
        String password = adminPassword(command);
        // A DEPLOY carries the deployment's TLS mode: turning TLS off (or on again) applies at once.
        boolean required = state.secureTransportRequired();
        save(state.withTlsMode(command.getTlsMode()));
        if (state.secureTransportRequired() != required) {
            database.reloadTls(state.secureTransportRequired());
        }
        database.ensureAdminUser(command.getAdminUser(), password);
        return answer(command, AgentOutcome.AGENT_OUTCOME_DATABASE_READY, "already running");
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
        save(next);
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

    private AgentEvent destroy(AgentCommand command) {
        sampling.shutWhile(() -> {
            database.stop();
            database.removeData();
        });
        save(state.destroyed());
        return answer(command, AgentOutcome.AGENT_OUTCOME_DATABASE_STOPPED, "destroyed");
    }

    private String startDatabase(Size size) {
        long started = System.nanoTime();
        DatabaseServer.StartOutcome outcome = database.start(size, state.secureTransportRequired());
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
        try {
            return secrets.get().open(command.getAdminPassword());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("cannot open the admin password: " + e.getMessage(), e);
        }
    }

    private void save(AgentState next) {
        next.save(files.stateFile());
        state = next;
    }

    private AgentEvent answer(AgentCommand command, AgentOutcome outcome, String reason) {
        return event(command.getCommandId(), outcome, reason, command.getEpoch());
    }

    private AgentEvent event(String commandId, AgentOutcome outcome, String reason, long epoch) {
        AgentEvent.Builder event = AgentEvent.newBuilder()
                .setCommandId(commandId)
                .setDeployment(identity.deployment())
                .setInstanceId(identity.instanceId())
                .setOutcome(outcome)
                .setReason(reason == null ? "" : reason)
                .setEpoch(epoch)
                .setObservedAt(Timestamps.of(clock.instant()));
        if (outcome == AgentOutcome.AGENT_OUTCOME_DATABASE_READY) {
            event.setEndpoint(identity.endpoint());
        }
        return event.build();
    }
}
