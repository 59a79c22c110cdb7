package dev.marina.agent.decision;

import dev.marina.agent.backup.ObjectLayout;
import dev.marina.agent.database.MariaDbServer;
import dev.marina.agent.replication.GtidPosition;
import dev.marina.agent.tls.ServerTls;
import dev.marina.schemas.v1.AgentCommand;
import dev.marina.schemas.v1.AgentOp;
import dev.marina.schemas.v1.AgentReason;
import dev.marina.schemas.v1.RestoreSource;
import dev.marina.schemas.v1.Engine;
import dev.marina.schemas.v1.Role;
import dev.marina.schemas.v1.Size;
import dev.marina.agent.database.EngineCatalogue;
import dev.marina.schemas.engine.EngineVersion;
import dev.marina.schemas.engine.OfferedVersions;
import dev.marina.schemas.engine.ServerParameters;
import dev.marina.schemas.engine.VersionChange;
import dev.marina.schemas.v1.ServerConfig;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * What to do about a command, given what the instance holds: a pure function, so every case is a
 * line of a table test. Commands are checked against the current state, which makes a repeated or
 * replayed command harmless (it gets the same answer and changes nothing).
 *
 * <p>Checks run in order and the first one that fails gives the reason: epoch, operation, the
 * command's own fields, then the state.
 *
 * <p>Roles: only a primary's first DEPLOY and PROMOTE make a server writable ({@link #deployMakesWritable});
 * every start is read-only. PROMOTE, REPLICATE, FENCE and DEPLOY raise the highest epoch ({@link #raisesEpoch}), and so do
 * PAUSE and RESUME (a woken or resumed primary takes writes at their epoch).
 */
public final class AgentDecisions {
    private AgentDecisions() {}

    /**
     * Reason texts: they end up in {@code AgentEvent.reason}, for people. The reconciler reads the decision's
     * {@link Decision#code()} ({@code AgentEvent.reason_code}): STALE_EPOCH for the epoch check, WRONG_STATE for a
     * command that does not fit what the instance holds, nothing for a command that is wrong in itself.
     */
    public static final String NOT_SUPPORTED = "not supported yet";
    public static final String INSTANCE_DESTROYED = "instance was destroyed; it is never deployed again";
    public static final String NOT_DEPLOYED = "no database deployed on this instance";
    public static final String NOT_RUNNING = "database is not running: a certificate is installed into a running server only";
    public static final String NOT_RUNNING_FOR_ROLE = "database is not running: roles change on a running server only";
    public static final String NOT_RUNNING_FENCED = "database is not running: it starts read-only, so it takes no writes";
    public static final String NOT_RUNNING_FOR_BACKUP = "database is not running: a backup is taken of a running server";
    public static final String NOT_WRITABLE_PRIMARY = "not a writable primary: the PROMOTE that makes it one carries the replicas wanted";
    public static final String NOTHING_TO_FENCE = "no database deployed: nothing takes writes";

    /** A primary's address for REPLICATE: an IPv4 or IPv6 address or a host name; it goes into CHANGE MASTER. */
    private static final Pattern ADDRESS = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.:-]{0,252}");

    /** At most this many names per certificate (what ACME CAs accept). */
    public static final int MAX_DNS_NAMES = 100;
    /** Request ids become file names on the instance. */
    private static final Pattern REQUEST_ID = ServerTls.REQUEST_ID;
    /** A host name of letters, digits and hyphens per label; a wildcard only as the whole first label. */
    private static final Pattern DNS_NAME = Pattern.compile(
            "(\\*\\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*");

    /** MariaDB user names: up to 80 characters; we allow a portable subset and keep our own names out. */
    private static final Pattern USER_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,79}");

    public static Decision decide(Facts facts, AgentCommand command) {
        Optional<String> stale = staleEpoch(facts, command);
        if (stale.isPresent()) {
            return Decision.refuse(AgentReason.AGENT_REASON_STALE_EPOCH, stale.get());
        }
        return switch (command.getOp()) {
            case AGENT_OP_DEPLOY -> deploy(facts, command);
            case AGENT_OP_DESTROY -> destroy(facts);
            case AGENT_OP_MAKE_CSR -> makeCsr(facts, command);
            case AGENT_OP_INSTALL_CERT -> installCert(facts, command);
            case AGENT_OP_PROMOTE -> promote(facts, command);
            case AGENT_OP_REPLICATE -> replicate(facts, command);
            case AGENT_OP_FENCE -> fence(facts);
            case AGENT_OP_BACKUP -> backup(facts, command);
            case AGENT_OP_SET_REPLICAS_WANTED -> setReplicasWanted(facts);
            case AGENT_OP_ARCHIVE_BINLOGS -> archiveBinlogs(facts, command);
            case AGENT_OP_UPDATE -> update(facts, command);
            case AGENT_OP_PAUSE -> pause(facts);
            case AGENT_OP_RESUME -> resume(facts);
            default -> Decision.refuse(NOT_SUPPORTED + ": " + command.getOp());
        };
    }

    /** Role changes raise the highest epoch the instance accepts; other commands are only checked against it. */
    public static boolean raisesEpoch(AgentOp op) {
        return switch (op) {
            case AGENT_OP_DEPLOY, AGENT_OP_PROMOTE, AGENT_OP_REPLICATE, AGENT_OP_FENCE -> true;
            // The term a paused primary takes writes in again when woken or resumed: the PAUSE's and the RESUME's.
            case AGENT_OP_PAUSE, AGENT_OP_RESUME -> true;
            default -> false;
        };
    }

    /**
     * Whether carrying out this accepted DEPLOY makes the server writable: only for a primary (an
     * unspecified role is one) that was never deployed to the end. Any later DEPLOY leaves read_only as
     * it is: a primary that restarted stays read-only until PROMOTE.
     */
    public static boolean deployMakesWritable(Facts facts, AgentCommand command) {
        if (facts.deployedBefore()) {
            return false;
        }
        return command.getRole() != Role.ROLE_REPLICA;
    }

    /**
     * Whether carrying out this accepted DEPLOY finishes a restore: it carries one and no DEPLOY was carried out to
     * the end here (the first, or one repeated after a crash). The restored data then gets this deployment's users
     * without a GTID of their own, instead of the first primary's binlogged ones.
     */
    public static boolean finishesRestore(Facts facts, AgentCommand command) {
        return command.hasRestore() && !facts.deployedBefore();
    }

    /** At the agent's own start, without a command: bring back a database that was deployed here. */
    public static Decision onStart(LocalState state) {
        return switch (state) {
            case STOPPED -> Decision.of(Action.START, "deployed here before; starting it again");
            case RUNNING -> Decision.of(Action.START, "deployed here before and still running; adopting it");
            case NO_DATA -> Decision.of(Action.NOTHING, "nothing deployed yet");
            case DESTROYED -> Decision.of(Action.NOTHING, "destroyed");
        };
    }

    public static final String PAUSE_DURING_BACKUP = "a backup runs on this instance: the server is paused only after it ended";
    public static final String PAUSED_FOR_DEPLOY = "the server is paused: RESUME starts it (a client's connection may wake it)";
    public static final String NOT_PAUSED = "the server is not paused and does not run: DEPLOY starts a stopped server";

    /**
     * PAUSE: stop the server on purpose. Refused while a backup runs here (an UPDATE runs on the command thread, so none
     * runs while a PAUSE is decided). A repeat finds it paused and keeps it so (armed for a wake as the command says).
     */
    private static Decision pause(Facts facts) {
        switch (facts.state()) {
            case DESTROYED:
                return Decision.wrongState(INSTANCE_DESTROYED);
            case NO_DATA:
                return Decision.wrongState(NOT_DEPLOYED);
            default:
                break;
        }
        if (facts.backupRunning()) {
            return Decision.wrongState(PAUSE_DURING_BACKUP);
        }
        if (facts.paused()) {
            return Decision.of(Action.PAUSE, "paused already");
        }
        return Decision.of(Action.PAUSE, facts.state() == LocalState.RUNNING ? "database running" : "database not running");
    }

    /** RESUME: start a paused server; one that runs (woken, or resumed before) is announced again. */
    private static Decision resume(Facts facts) {
        if (facts.paused() && facts.state() != LocalState.DESTROYED && facts.state() != LocalState.NO_DATA) {
            return Decision.of(Action.RESUME, "paused");
        }
        return switch (facts.state()) {
            case RUNNING -> Decision.of(Action.ANNOUNCE_RESUMED, "running already");
            case STOPPED -> Decision.wrongState(NOT_PAUSED);
            case NO_DATA -> Decision.wrongState(NOT_DEPLOYED);
            case DESTROYED -> Decision.wrongState(INSTANCE_DESTROYED);
        };
    }

    /** At the agent's own start, a paused instance stays paused (its wake listener armed again when it had one). */
    public static Decision onStart(LocalState state, boolean paused) {
        if (paused && (state == LocalState.STOPPED || state == LocalState.RUNNING)) {
            return Decision.of(Action.PAUSE, "paused: kept so");
        }
        return onStart(state);
    }

    private static Decision deploy(Facts facts, AgentCommand command) {
        Optional<String> invalid = engineProblem(command)
                .or(() -> versionProblem(desired(command).getVersion(), facts.installed()))
                .or(() -> sizeProblem(desired(command).getSize()))
                .or(() -> parametersProblem(command))
                .or(() -> adminUserProblem(command))
                .or(() -> passwordProblem(command))
                .or(() -> restoreProblem(command))
                .or(() -> command.hasArchive() ? archiveProblem(command) : Optional.empty());
        if (invalid.isPresent()) {
            return Decision.refuse(invalid.get());
        }
        if (facts.paused() && facts.state() == LocalState.STOPPED) {
            return Decision.wrongState(PAUSED_FOR_DEPLOY);
        }
        return switch (facts.state()) {
            case NO_DATA -> Decision.of(Action.DEPLOY, command.hasRestore() ? "no data yet; restoring backup "
                    + command.getRestore().getBackupId() : "no data yet");
            case STOPPED -> Decision.of(Action.START, "data present, server not answering");
            case RUNNING -> Decision.of(Action.ANNOUNCE_READY, "already running");
            case DESTROYED -> Decision.wrongState(INSTANCE_DESTROYED);
        };
    }

    private static Decision destroy(Facts facts) {
        return switch (facts.state()) {
            case NO_DATA, STOPPED, RUNNING -> Decision.of(Action.DESTROY, "instance holds " + facts.state());
            case DESTROYED -> Decision.of(Action.ANNOUNCE_STOPPED, "already destroyed");
        };
    }

    private static Decision promote(Facts facts, AgentCommand command) {
        if (!GtidPosition.isValid(command.getWaitForGtid())) {
            return Decision.refuse("wait_for_gtid \"" + command.getWaitForGtid() + "\" is not a GTID position (domain-server-sequence, comma separated)");
        }
        Optional<String> archive = command.hasArchive() ? archiveProblem(command) : Optional.empty();
        if (archive.isPresent()) {
            return Decision.refuse(archive.get());
        }
        return switch (facts.state()) {
            case RUNNING -> Decision.of(Action.PROMOTE, facts.role() == Role.ROLE_PRIMARY ? "primary already; making sure it takes writes" : "database running");
            case STOPPED -> Decision.wrongState(NOT_RUNNING_FOR_ROLE);
            case NO_DATA -> Decision.wrongState(NOT_DEPLOYED);
            case DESTROYED -> Decision.wrongState(INSTANCE_DESTROYED);
        };
    }

    private static Decision replicate(Facts facts, AgentCommand command) {
        Optional<String> invalid = addressProblem(command.getPrimaryAddress())
                .or(() -> missing(command.getPrimaryInstanceId(), "primary_instance_id"))
                .or(() -> command.getPrimaryInstanceId().equals(command.getInstanceId())
                        ? Optional.of("an instance cannot replicate from itself") : Optional.empty())
                .or(() -> command.hasReplicationPassword() && !command.getReplicationPassword().getCiphertext().isEmpty()
                        ? Optional.empty() : Optional.of("replication password is missing"));
        if (invalid.isPresent()) {
            return Decision.refuse(invalid.get());
        }
        return switch (facts.state()) {
            case RUNNING -> Decision.of(Action.REPLICATE, "database running");
            case STOPPED -> Decision.wrongState(NOT_RUNNING_FOR_ROLE);
            case NO_DATA -> Decision.wrongState(NOT_DEPLOYED);
            case DESTROYED -> Decision.wrongState(INSTANCE_DESTROYED);
        };
    }

    /** Only a writable primary's commits wait for replicas; any other learns the replicas wanted from its PROMOTE. */
    private static Decision setReplicasWanted(Facts facts) {
        return switch (facts.state()) {
            case RUNNING -> facts.writablePrimary() ? Decision.of(Action.SET_COMMIT_WAIT, "writable primary")
                    : Decision.wrongState(NOT_WRITABLE_PRIMARY);
            case STOPPED -> Decision.wrongState(NOT_WRITABLE_PRIMARY);
            case NO_DATA -> Decision.wrongState(NOT_DEPLOYED);
            case DESTROYED -> Decision.wrongState(INSTANCE_DESTROYED);
        };
    }

    private static Decision fence(Facts facts) {
        return switch (facts.state()) {
            case RUNNING -> Decision.of(Action.FENCE, "database running");
            case STOPPED -> Decision.of(Action.ANNOUNCE_FENCED, NOT_RUNNING_FENCED);
            case NO_DATA -> Decision.of(Action.ANNOUNCE_FENCED, NOTHING_TO_FENCE);
            case DESTROYED -> Decision.wrongState(INSTANCE_DESTROYED);
        };
    }

    private static Decision backup(Facts facts, AgentCommand command) {
        Optional<String> invalid = (ObjectLayout.BACKUP_ID.matcher(command.getBackupId()).matches() ? Optional.<String>empty()
                : Optional.of("backup id \"" + command.getBackupId() + "\" is not a safe object key segment (a letter or digit, then "
                        + "letters, digits, '.', '_', '-'; at most 128)"))
                .or(() -> command.hasBackupKey() && !command.getBackupKey().getCiphertext().isEmpty()
                        ? Optional.empty() : Optional.of("backup key is missing"))
                .or(() -> missing(command.getBackupKeyId(), "backup key id"));
        if (invalid.isPresent()) {
            return Decision.refuse(invalid.get());
        }
        return switch (facts.state()) {
            case RUNNING -> Decision.of(Action.BACKUP, "database running");
            case STOPPED -> Decision.wrongState(NOT_RUNNING_FOR_BACKUP);
            case NO_DATA -> Decision.wrongState(NOT_DEPLOYED);
            case DESTROYED -> Decision.wrongState(INSTANCE_DESTROYED);
        };
    }

    /**
     * ARCHIVE_BINLOGS: the settings are stored on any role (a replica promoted later archives with them); only a
     * writable primary archives. A destroyed instance archives nothing ever again.
     */
    private static Decision archiveBinlogs(Facts facts, AgentCommand command) {
        if (!command.hasArchive()) {
            return Decision.refuse("archive settings are missing");
        }
        Optional<String> invalid = archiveProblem(command);
        if (invalid.isPresent()) {
            return Decision.refuse(invalid.get());
        }
        return switch (facts.state()) {
            case RUNNING, STOPPED, NO_DATA -> Decision.of(Action.ARCHIVE_BINLOGS, !command.getArchive().getEnabled() ? "archiving off"
                    : facts.writablePrimary() ? "writable primary: archiving" : "settings kept; archived while a writable primary");
            case DESTROYED -> Decision.wrongState(INSTANCE_DESTROYED);
        };
    }

    /** What is wrong with a command's archive settings: enabled needs the deployment's key; keep_after_gtid is a position. */
    public static Optional<String> archiveProblem(AgentCommand command) {
        var archive = command.getArchive();
        if (!GtidPosition.isValid(archive.getKeepAfterGtid())) {
            return Optional.of("archive: keep_after_gtid \"" + archive.getKeepAfterGtid() + "\" is not a GTID position");
        }
        if (!archive.getEnabled()) {
            return Optional.empty();
        }
        if (!command.hasBackupKey() || command.getBackupKey().getCiphertext().isEmpty()) {
            return Optional.of("archive: the backup key is missing (binary logs are encrypted with it)");
        }
        return missing(command.getBackupKeyId(), "archive: backup key id");
    }

    private static Optional<String> addressProblem(String address) {
        if (address.isBlank()) {
            return Optional.of("primary_address is missing");
        }
        return ADDRESS.matcher(address).matches()
                ? Optional.empty()
                : Optional.of("primary_address \"" + address + "\" is not an address or host name");
    }

    private static Decision makeCsr(Facts facts, AgentCommand command) {
        Optional<String> invalid = requestIdProblem(command).or(() -> dnsNamesProblem(command));
        if (invalid.isPresent()) {
            return Decision.refuse(invalid.get());
        }
        return switch (facts.state()) {
            case STOPPED, RUNNING -> Decision.of(Action.MAKE_CSR, "database deployed");
            case NO_DATA -> Decision.wrongState(NOT_DEPLOYED);
            case DESTROYED -> Decision.wrongState(INSTANCE_DESTROYED);
        };
    }

    private static Decision installCert(Facts facts, AgentCommand command) {
        Optional<String> invalid = requestIdProblem(command)
                .or(() -> missing(command.getCertChainPem(), "certificate chain"))
                .or(() -> missing(command.getCaBundlePem(), "CA bundle"));
        if (invalid.isPresent()) {
            return Decision.refuse(invalid.get());
        }
        return switch (facts.state()) {
            case RUNNING -> Decision.of(Action.INSTALL_CERT, "database running");
            case STOPPED -> Decision.wrongState(NOT_RUNNING);
            case NO_DATA -> Decision.wrongState(NOT_DEPLOYED);
            case DESTROYED -> Decision.wrongState(INSTANCE_DESTROYED);
        };
    }

    private static Optional<String> requestIdProblem(AgentCommand command) {
        String id = command.getCertRequestId();
        return REQUEST_ID.matcher(id).matches()
                ? Optional.empty()
                : Optional.of("certificate request id \"" + id + "\" is not a safe file name (a letter or digit, then letters, digits, '.', '_', '-'; at most 128)");
    }

    private static Optional<String> dnsNamesProblem(AgentCommand command) {
        var names = command.getDnsNamesList();
        if (names.isEmpty()) {
            return Optional.of("no DNS names to request a certificate for");
        }
        if (names.size() > MAX_DNS_NAMES) {
            return Optional.of(names.size() + " DNS names: at most " + MAX_DNS_NAMES);
        }
        for (String name : names) {
            if (name.length() > 253 || !DNS_NAME.matcher(name).matches()) {
                return Optional.of("\"" + name + "\" is not a valid DNS name");
            }
        }
        if (names.stream().map(n -> n.toLowerCase(java.util.Locale.ROOT)).distinct().count() < names.size()) {
            return Optional.of("DNS names repeat: " + String.join(", ", names));
        }
        return Optional.empty();
    }

    private static Optional<String> missing(String pem, String what) {
        return pem.isBlank() ? Optional.of(what + " is missing") : Optional.empty();
    }

    private static Optional<String> staleEpoch(Facts facts, AgentCommand command) {
        return command.getEpoch() < facts.highestEpoch()
                ? Optional.of("stale epoch " + command.getEpoch() + ": this instance has seen epoch " + facts.highestEpoch())
                : Optional.empty();
    }

    private static Optional<String> engineProblem(AgentCommand command) {
        return command.getEngine() == Engine.ENGINE_MARIADB
                ? Optional.empty()
                : Optional.of("engine " + command.getEngine() + " is not supported by this agent (only ENGINE_MARIADB)");
    }

    /** An empty version means "the system build"; "10.11" matches the newest installed 10.11; else exactly. */
    private static Optional<String> versionProblem(String wanted, List<String> installed) {
        if (wanted.isEmpty() || resolve(wanted, installed).isPresent()) {
            return Optional.empty();
        }
        return Optional.of("version " + wanted + " is not installed here (installed: " + String.join(", ", installed) + "); "
                + EngineCatalogue.RUN_DEPS);
    }

    /** The exact installed version {@code wanted} means ("10.11": the newest 10.11 here), or empty. */
    public static Optional<String> resolve(String wanted, List<String> installed) {
        try {
            return OfferedVersions.of(installed).resolve(wanted).map(EngineVersion::toString);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static Optional<String> sizeProblem(Size size) {
        return size == Size.SIZE_UNSPECIFIED || size == Size.UNRECOGNIZED
                ? Optional.of("size is not set")
                : Optional.empty();
    }

    /** Parameters are checked again here, whoever checked them before: only valid values reach a config file or SET GLOBAL. */
    private static Optional<String> parametersProblem(AgentCommand command) {
        List<String> problems = ServerParameters.problems(command.getConfig().getParametersMap());
        return problems.isEmpty() ? Optional.empty() : Optional.of("invalid server parameters: " + String.join("; ", problems));
    }

    /**
     * The config a DEPLOY or UPDATE asks for: its {@code config}, with version and size from the older fields where the
     * config leaves them out (an UPDATE's unset size: unchanged, see {@link #update}). Version as requested (maybe a series).
     */
    public static ServerConfig desired(AgentCommand command) {
        ServerConfig.Builder config = command.getConfig().toBuilder();
        if (config.getVersion().isEmpty()) {
            config.setVersion(command.getVersion());
        }
        if (config.getSize() == Size.SIZE_UNSPECIFIED) {
            config.setSize(command.getSize());
        }
        return config.build();
    }

    public static final String RESTART_ON_PRIMARY = "a writable primary is restarted only after a switchover: this change needs a restart";
    public static final String RESTART_DURING_BACKUP = "a backup runs on this instance: a restart waits until it ended";
    public static final String NOT_RUNNING_FOR_UPDATE = "database is not running: UPDATE changes a running server (DEPLOY starts it)";

    /**
     * UPDATE: the same config → answered again; only dynamic parameters changed → set live; another build, size or a
     * static parameter → a restart, refused on a writable primary and while a backup runs, and for a version change
     * MariaDB does not allow.
     */
    private static Decision update(Facts facts, AgentCommand command) {
        switch (facts.state()) {
            case DESTROYED:
                return Decision.wrongState(INSTANCE_DESTROYED);
            case NO_DATA:
                return Decision.wrongState(NOT_DEPLOYED);
            case STOPPED:
                return Decision.wrongState(NOT_RUNNING_FOR_UPDATE);
            default:
                break;
        }
        ServerConfig wanted = desired(command);
        Optional<String> invalid = versionProblem(wanted.getVersion(), facts.installed()).or(() -> parametersProblem(command));
        if (invalid.isPresent()) {
            return Decision.refuse(invalid.get());
        }
        ServerConfig target = target(facts, command);
        ServerConfig current = facts.configured();
        EngineVersion from = EngineVersion.parse(current.getVersion()).orElse(null);
        EngineVersion to = EngineVersion.parse(target.getVersion()).orElseThrow();
        if (from != null) {
            Optional<String> refusal = VersionChange.refusal(from, to);
            if (refusal.isPresent()) {
                return Decision.refuse(AgentReason.AGENT_REASON_CHANGE_NOT_ALLOWED, refusal.get());
            }
        }
        Map<String, String> before = ServerParameters.normalized(current.getParametersMap());
        boolean restart = !target.getVersion().equals(current.getVersion()) || target.getSize() != current.getSize()
                || ServerParameters.needsRestart(before, target.getParametersMap());
        if (!restart) {
            if (ServerParameters.changed(before, target.getParametersMap(), ServerParameters.Apply.DYNAMIC).isEmpty()) {
                return Decision.of(Action.ANNOUNCE_UPDATED, "already runs " + describe(target));
            }
            return Decision.of(Action.UPDATE_LIVE, "dynamic parameters only: set on the running server");
        }
        if (facts.writablePrimary()) {
            return Decision.wrongState(RESTART_ON_PRIMARY);
        }
        if (facts.backupRunning()) {
            return Decision.wrongState(RESTART_DURING_BACKUP);
        }
        return Decision.of(Action.UPDATE_RESTART, "restart from " + describe(current) + " to " + describe(target));
    }

    /**
     * What an accepted UPDATE brings the server to: the exact build, the size (unchanged when the command leaves it out)
     * and the parameters (normalized; the command's map is the whole set).
     */
    public static ServerConfig target(Facts facts, AgentCommand command) {
        ServerConfig wanted = desired(command);
        ServerConfig current = facts.configured();
        String version = wanted.getVersion().isEmpty() ? current.getVersion()
                : resolve(wanted.getVersion(), facts.installed()).orElse(wanted.getVersion());
        Size size = wanted.getSize() == Size.SIZE_UNSPECIFIED || wanted.getSize() == Size.UNRECOGNIZED ? current.getSize() : wanted.getSize();
        return ServerConfig.newBuilder().setVersion(version).setSize(size)
                .putAllParameters(ServerParameters.normalized(wanted.getParametersMap())).build();
    }

    /** "10.11.19, SIZE_SMALL, {max_connections=200}". */
    public static String describe(ServerConfig config) {
        return config.getVersion() + ", " + config.getSize() + ", " + new TreeMap<>(config.getParametersMap());
    }

    private static Optional<String> adminUserProblem(AgentCommand command) {
        String user = command.getAdminUser();
        if (!USER_NAME.matcher(user).matches()) {
            return Optional.of("admin user \"" + user + "\" is not a valid user name (a letter, then letters, digits, _; at most 80)");
        }
        if (user.equalsIgnoreCase("root") || user.equalsIgnoreCase(MariaDbServer.AGENT_USER)) {
            return Optional.of("admin user \"" + user + "\" is reserved");
        }
        return Optional.empty();
    }

    private static Optional<String> restoreProblem(AgentCommand command) {
        if (!command.hasRestore()) {
            return Optional.empty();
        }
        RestoreSource restore = command.getRestore();
        return unsafeSegment(restore.getSource().getTenant(), "restore: source tenant")
                .or(() -> unsafeSegment(restore.getSource().getName(), "restore: source name"))
                .or(() -> unsafeSegment(restore.getBackupId(), "restore: backup id"))
                .or(() -> restore.hasBackupKey() && !restore.getBackupKey().getCiphertext().isEmpty()
                        ? Optional.empty() : Optional.of("restore: backup key is missing"))
                .or(() -> missing(restore.getBackupKeyId(), "restore: backup key id"))
                .or(() -> GtidPosition.isValid(restore.getGtidPosition()) ? Optional.empty()
                        : Optional.of("restore: \"" + restore.getGtidPosition() + "\" is not a GTID position"));
    }

    private static Optional<String> unsafeSegment(String value, String what) {
        return ObjectLayout.BACKUP_ID.matcher(value).matches() && !value.equals(".") && !value.equals("..") ? Optional.empty()
                : Optional.of(what + " \"" + value + "\" is not a safe object key segment");
    }

    private static Optional<String> passwordProblem(AgentCommand command) {
        return command.hasAdminPassword() && !command.getAdminPassword().getCiphertext().isEmpty()
                ? Optional.empty()
                : Optional.of("admin password is missing");
    }
}
