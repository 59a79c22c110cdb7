package dev.marina.agent.database;

import dev.marina.agent.InstanceFiles;
import dev.marina.agent.replication.GtidPosition;
import dev.marina.agent.replication.PrimaryContact;
import dev.marina.agent.replication.ReplicationError;
import dev.marina.agent.tls.ServerTls;
import dev.marina.schemas.engine.EngineVersion;
import dev.marina.schemas.engine.ServerParameters;
import dev.marina.schemas.v1.ReplicationFault;
import dev.marina.schemas.v1.ServerConfig;
import dev.marina.schemas.v1.SemiSyncWait;
import dev.marina.schemas.v1.Size;
import dev.marina.service.SecretBox;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * A real {@code mariadbd} for one instance: data copied from the version's template, configuration
 * in the instance's my.cnf, the process a child of the agent (it outlives the agent when the agent
 * dies, and the next agent adopts it).
 *
 * <p>The agent logs in with its own user {@value #AGENT_USER}, created by an init file at the first
 * start with a random password kept in {@code agent.secret} (mode 0600). Root is no way in: the
 * template's passwordless root accounts for TCP are removed at that first start, and clients on
 * loopback arrive from 127.0.0.1 whatever address they dial.
 */
public final class MariaDbServer implements DatabaseServer, dev.marina.agent.archive.BinlogServer {

    public static final String AGENT_USER = "marina_agent";
    /** Replicas log in to their primary as this user; created on the primary, it reaches replicas through replication. */
    public static final String REPLICATION_USER = "marina_repl";

    /**
     * What the admin user gets: every privilege of MariaDB 10.11 except those that would let it bypass
     * {@code read_only} (SUPER, READ_ONLY ADMIN), write without the binlog or remove binlogs (BINLOG ADMIN,
     * BINLOG REPLAY), change or stop replication (REPLICATION SLAVE ADMIN, REPLICATION MASTER ADMIN), kill
     * the agent's or the replicas' connections (CONNECTION ADMIN), stop the server or read its files
     * (SHUTDOWN, FILE). Named one by one: {@code GRANT ALL} includes SUPER.
     */
    static final String ADMIN_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, RELOAD, PROCESS, REFERENCES, INDEX, "
            + "ALTER, SHOW DATABASES, CREATE TEMPORARY TABLES, LOCK TABLES, EXECUTE, REPLICATION SLAVE, BINLOG MONITOR, "
            + "CREATE VIEW, SHOW VIEW, CREATE ROUTINE, ALTER ROUTINE, CREATE USER, EVENT, TRIGGER, CREATE TABLESPACE, "
            + "DELETE HISTORY, SET USER, FEDERATED ADMIN, SLAVE MONITOR";
    static final String ADMIN_WITHHELD = "SUPER, READ_ONLY ADMIN, BINLOG ADMIN, BINLOG REPLAY, REPLICATION SLAVE ADMIN, "
            + "REPLICATION MASTER ADMIN, CONNECTION ADMIN, SHUTDOWN, FILE";
    /** A primary's heartbeat to idle replicas, so they notice a lost primary (and the agent sees the link live). */
    static final String MASTER_HEARTBEAT_PERIOD = "0.5";
    private static final int ER_UNKNOWN_THREAD = 1094;
    private static final int ER_LOCK_WAIT_TIMEOUT = 1205;
    /** The processlist state of a commit waiting for a replica's acknowledgement (MariaDB 10.11). */
    static final String WAITING_FOR_ACK = "Waiting for semi-sync ACK from slave";
    /**
     * {@code SET GLOBAL read_only=ON} waits for the commits in progress, a commit waiting for a semi-sync
     * acknowledgement among them: at most this long ({@code lock_wait_timeout}), under the agent's socket timeout, so
     * it fails with a reason instead of a broken connection and leaves no statement waiting in the server.
     */
    static final Duration READ_ONLY_LOCK_WAIT = Duration.ofSeconds(5);
    /** How long the agent's releasing transaction may wait for its acknowledgement before the agent moves on. */
    private static final Duration RELEASE_WAIT = Duration.ofSeconds(2);

    private static final Logger LOG = Logger.getLogger(MariaDbServer.class);
    private static final Duration PROBE_CONNECT_TIMEOUT = Duration.ofMillis(500);
    private static final Duration PROBE_SOCKET_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration ADMIN_SOCKET_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration POLL = Duration.ofMillis(25);
    /** REPLICATE's link after its check without a word from the primary or an error: not up yet, it keeps trying. */
    private static final ReplicationError NO_ANSWER_YET =
            new ReplicationError(ReplicationFault.REPLICATION_FAULT_CONNECTION, "no answer from the primary yet");

    private final InstanceFiles files;
    private final String address;
    private final Path marinaHome;
    private final MariaDbSettings settings;
    private final ServerTls tls;

    /** The builds here; the system build's {@code mariadbd --version} runs in the background from the agent's start. */
    private final EngineCatalogue catalogue;
    /** What the running server reports as its version ({@code @@version}), read once per server start by the probe. */
    private volatile String reportedVersion;
    /** While the binary logs are archived: they never expire (my.cnf at every start, and SET GLOBAL on a running server). */
    private volatile boolean keepBinlogs;
    /** The server this agent started or adopted; touched by the command thread only (and the wake watch under its lock). */
    private ProcessHandle server;
    /** While paused the agent never dials the server: a connection would wake it. */
    private volatile boolean paused;
    /** A paused server's wake listener, when this agent armed or found it. */
    private volatile ProcessHandle activator;

    private final Object probeLock = new Object();
    /** The heartbeat's one connection, reused while it works. */
    private Connection probe;
    /** When the replica last heard from its primary, as the heartbeat probes see it. */
    private final PrimaryContact contact = new PrimaryContact();

    public MariaDbServer(InstanceFiles files, String address, Path marinaHome, MariaDbSettings settings) {
        this.files = files;
        this.address = address;
        this.marinaHome = marinaHome;
        this.settings = settings;
        this.tls = new ServerTls(files);
        this.catalogue = new EngineCatalogue(settings.mariadbd(), settings.installDb(), settings.enginesRoot());
    }

    @Override
    public String version() {
        return catalogue.system().version();
    }

    @Override
    public List<String> versions() {
        return catalogue.versions();
    }

    public EngineCatalogue catalogue() {
        return catalogue;
    }

    @Override
    public ServerConfig configured() {
        return ServerConfigFile.read(files).orElseGet(() -> ServerConfig.newBuilder().setVersion(version()).build());
    }

    @Override
    public void configure(ServerConfig config) {
        catalogue.require(config.getVersion());
        ServerConfigFile.write(files, config);
    }

    /** The build the instance runs (its recorded version; the system build for an instance from before the choice). */
    private EngineBuild build() {
        return catalogue.require(configured().getVersion());
    }

    @Override
    public boolean hasData() {
        return Files.isDirectory(files.data());
    }

    @Override
    public void prepare(Size size) {
        if (hasData()) {
            return;
        }
        EngineBuild build = build();
        Path template = TemplateDataDirectory.ensure(marinaHome, build.version(), build.installDb(), build.installOptions());
        String password = Files.exists(files.agentSecret()) ? agentPassword() : newAgentPassword();
        InstanceFiles.writePrivately(files.initSql(), InitSql.render(NativePassword.hash(password)));
        InstanceFiles.writePrivately(files.myCnf(), MyCnf.render(files, address, size, false, true, false,
                configured().getParametersMap()));
        TemplateDataDirectory.copy(template, files.data());
    }

    @Override
    public void prepareRestored(Size size, Path restored, boolean replays) {
        if (hasData()) {
            return;
        }
        // The restored data holds the source's agent user; the init file gives it this instance's password.
        String password = Files.exists(files.agentSecret()) ? agentPassword() : newAgentPassword();
        InstanceFiles.writePrivately(files.initSql(), InitSql.render(NativePassword.hash(password)));
        InstanceFiles.writePrivately(files.myCnf(), MyCnf.render(files, address, size, false));
        InstanceFiles.writePrivately(files.restorePending(), "restored from a backup; users and GTID position not adopted yet\n");
        if (replays) {
            InstanceFiles.writePrivately(files.replayPending(), "restored from a backup, to be replayed to a point in time; "
                    + "found without a DEPLOY running, this data is discarded\n");
        }
        try {
            Files.move(restored, files.data(), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move " + restored + " to " + files.data(), e);
        }
    }

    @Override
    public boolean restorePending() {
        return Files.exists(files.restorePending()) || Files.exists(files.replayPending());
    }

    @Override
    public boolean replayInterrupted() {
        return Files.exists(files.replayPending());
    }

    @Override
    public void adoptRestored(String adminUser, String adminPassword, String replicationPassword, String gtidPosition,
            Runnable replay) {
        boolean first = Files.exists(files.restorePending());
        try (Connection c = connectAsAgent(Duration.ofSeconds(1), ADMIN_SOCKET_TIMEOUT); Statement s = c.createStatement()) {
            // No GTID of the platform's own: it would collide with the source's history when its binlogs are replayed.
            s.execute("SET SESSION sql_log_bin=0");
            if (first) {
                // gtid_binlog_state can be set on an empty binlog only; REPLICATE starts from gtid_binlog_pos.
                s.execute("RESET MASTER");
                execute(c, "SET GLOBAL gtid_binlog_state = ?", gtidPosition);
                execute(c, "SET GLOBAL gtid_slave_pos = ?", gtidPosition);
                if (Files.exists(files.replayPending())) {
                    // Binlogged by the client's own session, with the source's GTIDs: replicas receive them.
                    replay.run();
                    // Their server ids are the source's: gtid_current_pos follows gtid_slave_pos for them.
                    s.execute("SET GLOBAL gtid_slave_pos = @@gtid_binlog_pos");
                }
            }
            // After the replay: this deployment's users win over any change to them the replay brought.
            writeAdminUser(c, adminUser, NativePassword.hash(adminPassword));
            if (!replicationPassword.isEmpty()) {
                writeReplicationUser(c, NativePassword.hash(replicationPassword));
            }
            if (first) {
                // restore.pending first: a crash between the two leaves replay.pending, and the data is discarded.
                Files.delete(files.restorePending());
                Files.deleteIfExists(files.replayPending());
                LOG.infof("restored data adopted admin=%s gtid_binlog_pos=%s", adminUser, single(s, "SELECT @@gtid_binlog_pos"));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot adopt the restored data: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + files.restorePending() + " or " + files.replayPending(), e);
        }
    }

    @Override
    public void discardRestored() {
        stop();
        MariaDbProcess.find(files).ifPresent(p -> {
            throw new IllegalStateException("mariadbd pid " + p.pid() + " still runs on " + files.data());
        });
        TemplateDataDirectory.deleteTree(files.data());
        TemplateDataDirectory.deleteTree(files.restoreStaging());
        TemplateDataDirectory.deleteTree(files.replayWork());
        try {
            Files.deleteIfExists(files.restorePending());
            Files.deleteIfExists(files.replayPending());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the restore's markers in " + files.dir(), e);
        }
    }

    @Override
    public StartOutcome start(Size size, boolean secureTransportOnly, boolean semiSyncReplica) {
        if (!hasData()) {
            throw new IllegalStateException("no data directory at " + files.data());
        }
        // my.cnf names the TLS files, and mariadbd does not start without them.
        tls.ensureLive(Instant.now());
        ServerConfig config = configured();
        if (config.getSize() != size) {
            config = config.toBuilder().setSize(size).build();
            ServerConfigFile.write(files, config);
        }
        InstanceFiles.writePrivately(files.myCnf(), MyCnf.render(files, address, size, secureTransportOnly, semiSyncReplica,
                keepBinlogs, config.getParametersMap()));
        if (!Files.exists(files.agentSecret())) {
            // Lost secret: a new one, set by the init file at this start (a running server is restarted for it).
            InstanceFiles.writePrivately(files.initSql(), InitSql.render(NativePassword.hash(newAgentPassword())));
        }
        endListener();
        Optional<ProcessHandle> running = ourServer().or(() -> MariaDbProcess.find(files));
        if (running.isPresent()) {
            ProcessHandle found = running.get();
            if (!Files.exists(files.initSql()) && awaitAnswer(found, settings.adoptTimeout())) {
                server = found;
                reportedVersion = null;
                recordBuildOf(found);
                // An adopted server may have been a writable primary: like a started one, it is read-only until PROMOTE.
                setReadOnly();
                applyBinlogExpiry();
                return StartOutcome.ADOPTED;
            }
            LOG.warnf("mariadbd runs but does not answer (or needs its init file), killing it pid=%d", found.pid());
            MariaDbProcess.kill(found);
        }
        launch();
        return StartOutcome.STARTED;
    }

    private void launch() {
        EngineBuild build = build();
        if (!Files.isExecutable(build.mariadbd())) {
            throw new IllegalStateException("no MariaDB server at " + build.mariadbd() + "; " + EngineCatalogue.RUN_DEPS);
        }
        try {
            Files.deleteIfExists(files.pidFile());
            reportedVersion = null;
            Process process = new ProcessBuilder(MariaDbProcess.commandLine(build.mariadbd().toString(), build.serverOptions(), files,
                            runsAsRoot(), Files.exists(files.initSql())))
                    .directory(files.dir().toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(files.serverLog().toFile()))
                    .start();
            server = process.toHandle();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + build.mariadbd(), e);
        }
        if (!awaitAnswer(server, settings.startTimeout())) {
            if (!server.isAlive()) {
                throw new IllegalStateException("mariadbd exited while starting: " + LogTail.of(files.serverLog()));
            }
            MariaDbProcess.kill(server);
            throw new IllegalStateException("mariadbd did not answer within " + settings.startTimeout().toSeconds()
                    + " s: " + LogTail.of(files.serverLog()));
        }
        try {
            // It created the agent's user; it holds a password hash and is not needed again.
            Files.deleteIfExists(files.initSql());
        } catch (IOException e) {
            LOG.warnf("cannot delete the init file file=%s reason=%s", files.initSql(), e.getMessage());
        }
    }

    /**
     * An adopted server runs the build its executable is ({@code /proc/<pid>/exe}); when that is another build than the
     * recorded one (an agent that died in the middle of an UPDATE), the record follows the server.
     */
    private void recordBuildOf(ProcessHandle found) {
        Path exe = Path.of("/proc", Long.toString(found.pid()), "exe");
        Optional<EngineBuild> running;
        try {
            running = catalogue.byExecutable(exe.toRealPath());
        } catch (IOException | RuntimeException e) {
            return;
        }
        ServerConfig config = configured();
        running.filter(b -> !b.version().equals(config.getVersion())).ifPresent(b -> {
            LOG.warnf("adopted server runs another build than recorded recorded=%s running=%s", config.getVersion(), b.version());
            ServerConfigFile.write(files, config.toBuilder().setVersion(b.version()).build());
        });
    }

    @Override
    public ServerConfig running() {
        ServerConfig config = configured();
        try (Connection c = connectAsAgent(Duration.ofSeconds(1), ADMIN_SOCKET_TIMEOUT); Statement s = c.createStatement()) {
            String reported = single(s, "SELECT VERSION()");
            reportedVersion = reported;
            return config.toBuilder().setVersion(EngineVersion.fromReported(reported).map(EngineVersion::toString).orElse(reported))
                    .build();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the server's version: " + e.getMessage(), e);
        }
    }

    @Override
    public void setParameters(Map<String, Optional<String>> changes) {
        try (Connection c = connectAsAgent(Duration.ofSeconds(1), ADMIN_SOCKET_TIMEOUT); Statement s = c.createStatement()) {
            for (Map.Entry<String, Optional<String>> change : changes.entrySet()) {
                // The name is from the allow-list and the value rendered by it (never the command's text as is).
                String name = ServerParameters.find(change.getKey()).orElseThrow(() ->
                        new IllegalArgumentException("not an allowed parameter: " + change.getKey())).name();
                s.execute("SET GLOBAL " + name + " = " + ServerParameters.sqlValue(name, change.getValue()));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot set " + changes.keySet() + ": " + e.getMessage(), e);
        }
    }

    /** Transactions of client sessions: not the agent's own, not replication's or the server's threads. */
    private static final String OPEN_TRANSACTIONS = "SELECT COUNT(*) FROM information_schema.innodb_trx t "
            + "JOIN information_schema.processlist p ON p.id = t.trx_mysql_thread_id "
            + "WHERE p.user NOT IN ('" + AGENT_USER + "', 'system user', 'event_scheduler') "
            + "AND p.command NOT IN ('Binlog Dump', 'Slave_IO', 'Slave_SQL', 'Slave_worker', 'Daemon')";

    /** Longer than the 100 ms for which InnoDB serves information_schema.innodb_trx from its cache. */
    private static final Duration DRAIN_POLL = Duration.ofMillis(150);

    @Override
    public Drain drain(Duration timeout) {
        long started = System.nanoTime();
        // One connection for the whole wait: a poll is one query, not a TLS handshake.
        try (Connection c = connectAsAgent(Duration.ofSeconds(1), ADMIN_SOCKET_TIMEOUT); Statement s = c.createStatement()) {
            int atStart = Integer.parseInt(single(s, OPEN_TRANSACTIONS));
            int open = atStart;
            while (open > 0) {
                Duration waited = Duration.ofNanos(System.nanoTime() - started);
                if (waited.compareTo(timeout) >= 0) {
                    return new Drain(atStart, open, waited, timeout);
                }
                // innodb_trx is a cache refreshed only when it was not read for 100 ms: polled faster, it never changes.
                sleep(DRAIN_POLL);
                open = Integer.parseInt(single(s, OPEN_TRANSACTIONS));
            }
            return new Drain(atStart, 0, Duration.ofNanos(System.nanoTime() - started), timeout);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot count open transactions: " + e.getMessage(), e);
        }
    }

    @Override
    public void upgrade() {
        EngineBuild build = build();
        long started = System.nanoTime();
        Path optionFile = files.dir().resolve("upgrade.cnf");
        try {
            // The agent's login from a private option file, never on a command line; the socket avoids TLS settings.
            InstanceFiles.writePrivately(optionFile, "[client]\nuser=" + AGENT_USER + "\npassword=" + agentPassword()
                    + "\nsocket=" + files.socket() + "\n");
            // --silent: only problems; mariadb-upgrade runs its statements with sql_log_bin=0 (a replica gets no GTID of
            // its own; checked in EngineUpdateIT); --force: 10.11 skips the run when mysql_upgrade_info says the version.
            ExternalCommand.run(List.of(build.upgrade().toString(), "--defaults-extra-file=" + optionFile, "--silent", "--force"),
                    files.dir().resolve("upgrade.log"), Duration.ofMinutes(5));
        } finally {
            try {
                Files.deleteIfExists(optionFile);
            } catch (IOException e) {
                LOG.warnf("cannot delete file=%s reason=%s", optionFile, e.getMessage());
            }
        }
        LOG.infof("mariadb-upgrade done version=%s took_ms=%d", build.version(), (System.nanoTime() - started) / 1_000_000);
    }

    private void setReadOnly() {
        try (Connection c = connectAsAgent(Duration.ofSeconds(1), ADMIN_SOCKET_TIMEOUT); Statement s = c.createStatement()) {
            readOnlyNow(s);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot make the adopted server read-only: " + e.getMessage(), e);
        }
    }

    /** Polls until the server answers the agent's login, it dies, or time is up. */
    private boolean awaitAnswer(ProcessHandle process, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (process.isAlive()) {
            try (Connection c = connectAsAgent(Duration.ofMillis(250), Duration.ofSeconds(1))) {
                if (c.isValid(1)) {
                    return true;
                }
            } catch (SQLException notYet) {
                // refused while starting, or hung: try again until the deadline
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            sleep(POLL);
        }
        return false;
    }

    @Override
    public boolean answers() {
        if (paused || !Files.exists(files.agentSecret())) {
            return false;
        }
        try (Connection c = connectAsAgent(PROBE_CONNECT_TIMEOUT, PROBE_SOCKET_TIMEOUT)) {
            return c.isValid(1);
        } catch (SQLException e) {
            return false;
        }
    }

    @Override
    public void ensureAdminUser(String user, String password) {
        String hash = NativePassword.hash(password);
        try (Connection c = connectAsAgent(Duration.ofSeconds(1), ADMIN_SOCKET_TIMEOUT)) {
            writeAdminUser(c, user, hash);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create the admin user " + user + ": " + e.getMessage(), e);
        }
    }

    private static void writeAdminUser(Connection c, String user, String hash) throws SQLException {
        // Client-side prepared statements: the driver quotes the values; only the hash reaches the server.
        execute(c, "CREATE USER IF NOT EXISTS ?@'%' IDENTIFIED BY PASSWORD ?", user, hash);
        execute(c, "ALTER USER ?@'%' IDENTIFIED BY PASSWORD ?", user, hash);
        execute(c, "GRANT " + ADMIN_PRIVILEGES + " ON *.* TO ?@'%' WITH GRANT OPTION", user);
        revokeBypass(c, user);
    }

    @Override
    public void restrictAdminUser(String user) {
        if (user.isEmpty()) {
            return;
        }
        try (Connection c = connectAsAgent(Duration.ofSeconds(1), ADMIN_SOCKET_TIMEOUT)) {
            revokeBypass(c, user);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot restrict the admin user " + user + ": " + e.getMessage(), e);
        }
    }

    /** REVOKE only when the user holds a withheld privilege: a REVOKE is binlogged even when it changes nothing. */
    private static void revokeBypass(Connection c, String user) throws SQLException {
        boolean exists;
        try (PreparedStatement q = c.prepareStatement("SELECT COUNT(*) FROM mysql.global_priv WHERE User = ? AND Host = '%'")) {
            q.setString(1, user);
            try (ResultSet r = q.executeQuery()) {
                r.next();
                exists = r.getInt(1) > 0;
            }
        }
        if (!exists) {
            return;
        }
        List<String> grants = new ArrayList<>();
        try (PreparedStatement q = c.prepareStatement("SHOW GRANTS FOR ?@'%'")) {
            q.setString(1, user);
            try (ResultSet r = q.executeQuery()) {
                while (r.next()) {
                    grants.add(r.getString(1));
                }
            }
        }
        if (holdsWithheld(grants)) {
            execute(c, "REVOKE " + ADMIN_WITHHELD + " ON *.* FROM ?@'%'", user);
            LOG.infof("admin user restricted user=%s revoked=%s", user, ADMIN_WITHHELD);
        }
    }

    /** True when a global grant line gives ALL PRIVILEGES or any withheld privilege. */
    static boolean holdsWithheld(List<String> grantLines) {
        for (String line : grantLines) {
            if (!line.startsWith("GRANT ") || !line.contains(" ON *.* TO ")) {
                continue;
            }
            String privileges = line.substring("GRANT ".length(), line.indexOf(" ON *.* TO "));
            List<String> withheld = List.of(ADMIN_WITHHELD.split(",\\s*"));
            for (String privilege : privileges.split(",\\s*")) {
                if (privilege.equals("ALL PRIVILEGES") || withheld.contains(privilege)) {
                    return true;
                }
            }
        }
        return false;
    }

    @Override
    public void ensureReplicationUser(String password) {
        String hash = NativePassword.hash(password);
        try (Connection c = connectAsAgent(Duration.ofSeconds(1), ADMIN_SOCKET_TIMEOUT)) {
            writeReplicationUser(c, hash);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create the replication user: " + e.getMessage(), e);
        }
    }

    private static void writeReplicationUser(Connection c, String hash) throws SQLException {
        execute(c, "CREATE USER IF NOT EXISTS ?@'%' IDENTIFIED BY PASSWORD ?", REPLICATION_USER, hash);
        execute(c, "ALTER USER ?@'%' IDENTIFIED BY PASSWORD ? REQUIRE SSL", REPLICATION_USER, hash);
        execute(c, "GRANT REPLICATION SLAVE, SLAVE MONITOR ON *.* TO ?@'%'", REPLICATION_USER);
    }

    @Override
    public void stopReplicating(String waitForGtid, Duration wait) {
        try (Connection c = connectAsAgent(Duration.ofSeconds(1), wait.plus(ADMIN_SOCKET_TIMEOUT)); Statement s = c.createStatement()) {
            Optional<ReplicaStatus> status = ReplicaStatus.read(s);
            if (!waitForGtid.isBlank()) {
                if (status.isPresent()) {
                    if (!gtidWait(c, waitForGtid, wait)) {
                        throw new IllegalStateException("did not apply up to " + waitForGtid + " within " + wait.toMillis()
                                + " ms (at " + single(s, "SELECT @@gtid_current_pos") + ")" + errorOf(ReplicaStatus.read(s)));
                    }
                } else {
                    String held = single(s, "SELECT @@gtid_current_pos");
                    if (!GtidPosition.parse(held).includes(GtidPosition.parse(waitForGtid))) {
                        throw new IllegalStateException("does not hold " + waitForGtid + " (at " + held + ") and replicates from nobody");
                    }
                }
            }
            if (status.isEmpty()) {
                return;
            }
            // Apply everything already received: stop receiving, then let the SQL thread reach the IO thread's position.
            s.execute("STOP SLAVE IO_THREAD");
            ReplicaStatus stopped = ReplicaStatus.read(s).orElseThrow();
            if (!stopped.gtidIoPos().isBlank()) {
                if (!stopped.sqlRunning() && stopped.lastSqlErrno() == 0) {
                    s.execute("START SLAVE SQL_THREAD");
                }
                if (!gtidWait(c, stopped.gtidIoPos(), wait)) {
                    s.execute("START SLAVE IO_THREAD");
                    throw new IllegalStateException("received transactions up to " + stopped.gtidIoPos() + " not applied within "
                            + wait.toMillis() + " ms (at " + single(s, "SELECT @@gtid_slave_pos") + ")" + errorOf(ReplicaStatus.read(s)));
                }
            }
            s.execute("STOP SLAVE");
            s.execute("RESET SLAVE ALL");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot stop replicating: " + e.getMessage(), e);
        }
    }

    private static String errorOf(Optional<ReplicaStatus> status) {
        return status.map(ReplicaStatus::error).filter(e -> !e.isNone()).map(e -> ": " + e.text()).orElse("");
    }

    /** MASTER_GTID_WAIT: true when the server applied {@code position} within {@code wait}. */
    private static boolean gtidWait(Connection c, String position, Duration wait) throws SQLException {
        try (PreparedStatement q = c.prepareStatement("SELECT MASTER_GTID_WAIT(?, ?)")) {
            q.setString(1, position);
            q.setDouble(2, wait.toMillis() / 1000.0);
            try (ResultSet r = q.executeQuery()) {
                r.next();
                int result = r.getInt(1);
                return !r.wasNull() && result == 0;
            }
        }
    }

    @Override
    public void makeWritable(SemiSync.Master mode) {
        try (Connection c = connectAsAgent(Duration.ofSeconds(1), ADMIN_SOCKET_TIMEOUT); Statement s = c.createStatement()) {
            takeWrites(s, mode);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot make the server writable: " + e.getMessage(), e);
        }
    }

    /** The same as the default, on one connection: PROMOTE's answer waits for it. */
    @Override
    public String takeWrites(SemiSync.Master mode, String adminUser) {
        try (Connection c = connectAsAgent(Duration.ofSeconds(1), ADMIN_SOCKET_TIMEOUT); Statement s = c.createStatement()) {
            // Before commits wait for a replica: the agent's own REVOKE must not be the first write to block.
            if (!adminUser.isEmpty()) {
                revokeBypass(c, adminUser);
            }
            takeWrites(s, mode);
            return single(s, "SELECT @@gtid_binlog_pos");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot take writes: " + e.getMessage(), e);
        }
    }

    /** Master-side semi-sync as {@code mode} says (lossless at once when a semi-sync replica is attached), then writable. */
    private static void takeWrites(Statement s, SemiSync.Master mode) throws SQLException {
        SemiSync.Master applied = SemiSync.withAttached(mode, Long.parseLong(status(s, "Rpl_semi_sync_master_clients", "0")));
        s.execute("SET GLOBAL rpl_semi_sync_slave_enabled=OFF");
        setMaster(s, applied);
        s.execute("SET GLOBAL read_only=OFF");
        LOG.infof("taking writes semi_sync=%s", applied);
    }

    /** Master-side semi-sync as {@code mode} says. Turning it off wakes the commits that waited for a replica. */
    private static void setMaster(Statement s, SemiSync.Master mode) throws SQLException {
        s.execute("SET GLOBAL rpl_semi_sync_master_wait_point=" + SemiSync.WAIT_POINT);
        s.execute("SET GLOBAL rpl_semi_sync_master_timeout=" + SemiSync.LOSSLESS_TIMEOUT_MS);
        s.execute("SET GLOBAL rpl_semi_sync_master_wait_no_slave=" + (mode.waitWithoutReplica() ? "ON" : "OFF"));
        s.execute("SET GLOBAL rpl_semi_sync_master_enabled=" + (mode.enabled() ? "ON" : "OFF"));
    }

    @Override
    public SemiSyncWait setCommitWait(boolean semiSync, boolean replicasWanted) {
        try (Connection c = connectAsAgent(Duration.ofSeconds(1), ADMIN_SOCKET_TIMEOUT); Statement s = c.createStatement()) {
            SemiSync.Reading before = semiSyncReading(s);
            SemiSync.Master mode = SemiSync.withAttached(SemiSync.whenTold(before, semiSync, replicasWanted), before.replicasConnected());
            setMaster(s, mode);
            SemiSync.Reading after = semiSyncReading(s);
            LOG.infof("commit wait set semi_sync=%s replicas_connected=%d commits_waiting_before=%d", mode,
                    after.replicasConnected(), before.commitsWaiting());
            return SemiSync.waitOf(after);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot set how commits wait: " + e.getMessage(), e);
        }
    }

    private static String status(Statement s, String variable, String otherwise) throws SQLException {
        try (ResultSet r = s.executeQuery("SHOW GLOBAL STATUS LIKE '" + variable + "'")) {
            return r.next() ? r.getString(2) : otherwise;
        }
    }

    /** The primary side of semi-sync: its variables and status. */
    private static SemiSync.Reading semiSyncReading(Statement s) throws SQLException {
        boolean enabled;
        boolean waitNoSlave;
        try (ResultSet r = s.executeQuery("SELECT @@rpl_semi_sync_master_enabled, @@rpl_semi_sync_master_wait_no_slave")) {
            r.next();
            enabled = r.getBoolean(1);
            waitNoSlave = r.getBoolean(2);
        }
        boolean active = false;
        long clients = 0;
        long waiting = 0;
        try (ResultSet r = s.executeQuery("SHOW GLOBAL STATUS WHERE Variable_name IN ('Rpl_semi_sync_master_status', "
                + "'Rpl_semi_sync_master_clients', 'Rpl_semi_sync_master_wait_sessions')")) {
            while (r.next()) {
                String value = r.getString(2);
                switch (r.getString(1).toLowerCase()) {
                    case "rpl_semi_sync_master_status" -> active = "ON".equalsIgnoreCase(value);
                    case "rpl_semi_sync_master_clients" -> clients = Long.parseLong(value);
                    case "rpl_semi_sync_master_wait_sessions" -> waiting = Long.parseLong(value);
                    default -> { }
                }
            }
        }
        return new SemiSync.Reading(enabled, waitNoSlave, active, clients, waiting);
    }

    /**
     * {@code read_only=ON}, waiting at most {@link #READ_ONLY_LOCK_WAIT} for the commits in progress. Commits stalled on
     * an acknowledgement a replica already gave implicitly are released first ({@link SemiSync#stalled}); commits that
     * wait for a replica that does not hold them keep waiting, and this fails saying so (the server stays writable).
     */
    private void readOnlyNow(Statement s) throws SQLException {
        if (!single(s, "SELECT @@read_only").equals("1")) {
            SemiSync.Reading semiSync = semiSyncReading(s);
            if (SemiSync.mayBeStalled(semiSync, false)) {
                releaseStalledCommits(s, semiSync, Duration.ZERO);
            }
        }
        s.execute("SET SESSION lock_wait_timeout=" + READ_ONLY_LOCK_WAIT.toSeconds());
        try {
            s.execute("SET GLOBAL read_only=ON");
        } catch (SQLException e) {
            if (e.getErrorCode() != ER_LOCK_WAIT_TIMEOUT) {
                throw e;
            }
            SemiSync.Reading semiSync = semiSyncReading(s);
            throw new SQLException("commits in progress did not end within " + READ_ONLY_LOCK_WAIT.toSeconds() + " s ("
                    + semiSync.commitsWaiting() + " waiting for a replica's semi-sync acknowledgement, "
                    + semiSync.replicasConnected() + " semi-sync replicas attached); the server is still writable", e);
        }
    }

    /**
     * Commits that waited at least {@code after} for an acknowledgement though a semi-sync replica is attached: the agent
     * commits a transaction of its own ({@code FLUSH PRIVILEGES}, binlogged, harmless), and the replica's acknowledgement
     * of it releases every commit before it (see {@link SemiSync#stalled}). On a connection of its own with a short
     * socket timeout: when the replica does not acknowledge it either, it waits in the server like any commit, and the
     * caller goes on.
     */
    private void releaseStalledCommits(Statement s, SemiSync.Reading semiSync, Duration after) throws SQLException {
        long oldestMs;
        boolean agentWaits;
        try (PreparedStatement q = s.getConnection().prepareStatement("SELECT COALESCE(MAX(TIME_MS), 0), "
                + "COALESCE(SUM(USER = ?), 0) FROM information_schema.PROCESSLIST WHERE STATE = ?")) {
            q.setString(1, AGENT_USER);
            q.setString(2, WAITING_FOR_ACK);
            try (ResultSet r = q.executeQuery()) {
                r.next();
                oldestMs = (long) r.getDouble(1);
                agentWaits = r.getLong(2) > 0;
            }
        }
        if (!SemiSync.stalled(semiSync, false, oldestMs, after, agentWaits)) {
            return;
        }
        long started = System.nanoTime();
        try (Connection c = connectAsAgent(Duration.ofSeconds(1), RELEASE_WAIT); Statement release = c.createStatement()) {
            release.execute("FLUSH PRIVILEGES");
            LOG.infof("semi-sync commits released by an acknowledged transaction of the agent commits_waiting=%d oldest_wait_ms=%d "
                    + "replicas_connected=%d took_ms=%d", semiSync.commitsWaiting(), oldestMs, semiSync.replicasConnected(),
                    (System.nanoTime() - started) / 1_000_000);
        } catch (SQLException e) {
            LOG.warnf("semi-sync commits still wait: the agent's transaction was not acknowledged either commits_waiting=%d "
                    + "oldest_wait_ms=%d replicas_connected=%d reason=%s", semiSync.commitsWaiting(), oldestMs,
                    semiSync.replicasConnected(), firstLine(e.getMessage()));
        }
    }

    @Override
    public String makeReadOnly() {
        try (Connection c = connectAsAgent(Duration.ofSeconds(1), ADMIN_SOCKET_TIMEOUT); Statement s = c.createStatement()) {
            readOnlyNow(s);
            List<Long> clients = new ArrayList<>();
            try (ResultSet r = s.executeQuery("SELECT ID FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() "
                    + "AND USER NOT IN ('" + AGENT_USER + "', '" + REPLICATION_USER + "', 'system user', 'event_scheduler', "
                    + "'unauthenticated user')")) {
                while (r.next()) {
                    clients.add(r.getLong(1));
                }
            }
            for (long id : clients) {
                try {
                    s.execute("KILL CONNECTION " + id);
                } catch (SQLException gone) {
                    if (gone.getErrorCode() != ER_UNKNOWN_THREAD) {
                        throw gone;
                    }
                }
            }
            String position = single(s, "SELECT @@gtid_binlog_pos");
            LOG.infof("server read-only clients_ended=%d position=%s", clients.size(), position);
            return position;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot make the server read-only: " + e.getMessage(), e);
        }
    }

    @Override
    public Replication replicate(Source source, String password, boolean semiSync, Duration check) {
        String caBundle = source.caBundle() == null ? "" : source.caBundle().toString();
        try (Connection c = connectAsAgent(Duration.ofSeconds(1), ADMIN_SOCKET_TIMEOUT); Statement s = c.createStatement()) {
            s.execute("SET GLOBAL read_only=ON");
            s.execute("SET GLOBAL rpl_semi_sync_master_enabled=OFF");
            Optional<ReplicaStatus> current = ReplicaStatus.read(s);
            if (current.isPresent() && replicatesFrom(current.get(), source.address(), caBundle)) {
                if (single(s, "SELECT @@rpl_semi_sync_slave_enabled").equals("1") != semiSync) {
                    // The replica side of semi-sync is negotiated when the IO thread connects.
                    s.execute("SET GLOBAL rpl_semi_sync_slave_enabled=" + (semiSync ? "ON" : "OFF"));
                    s.execute("STOP SLAVE IO_THREAD");
                    s.execute("START SLAVE IO_THREAD");
                }
                return new Replication(Link.ALREADY, current.get().error(), single(s, "SELECT @@gtid_current_pos"));
            }
            s.execute("STOP SLAVE");
            s.execute("RESET SLAVE ALL");
            s.execute("SET GLOBAL rpl_semi_sync_slave_enabled=" + (semiSync ? "ON" : "OFF"));
            // Continue from everything this server holds: what it replicated and, for an old primary, what it wrote
            // (log_slave_updates puts both into its binlog). A fresh replica holds nothing and starts at the beginning.
            s.execute("SET GLOBAL gtid_slave_pos = @@gtid_binlog_pos");
            // Every TLS option explicitly: RESET SLAVE ALL keeps the previous MASTER_SSL_CA (measured on 10.11.19).
            try (PreparedStatement change = c.prepareStatement("CHANGE MASTER TO MASTER_HOST=?, MASTER_PORT=" + MyCnf.PORT
                    + ", MASTER_USER=?, MASTER_PASSWORD=?, MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1, "
                    + "MASTER_HEARTBEAT_PERIOD=" + MASTER_HEARTBEAT_PERIOD + ", MASTER_SSL=1, MASTER_SSL_CA=?, "
                    + "MASTER_SSL_CAPATH='', MASTER_SSL_CERT='', MASTER_SSL_KEY='', MASTER_SSL_VERIFY_SERVER_CERT=0")) {
                change.setString(1, source.address());
                change.setString(2, REPLICATION_USER);
                change.setString(3, password);
                change.setString(4, caBundle);
                change.execute();
            }
            s.execute("START SLAVE");
            long deadline = System.nanoTime() + check.toNanos();
            ReplicaStatus status = ReplicaStatus.read(s).orElseThrow();
            while (true) {
                ReplicationError error = status.error();
                if (error.isPermanent()) {
                    return new Replication(Link.BROKEN, error, single(s, "SELECT @@gtid_current_pos"));
                }
                if (status.streaming()) {
                    return new Replication(Link.STREAMING, ReplicationError.NONE, single(s, "SELECT @@gtid_current_pos"));
                }
                if (System.nanoTime() > deadline) {
                    return new Replication(Link.CONNECTING, error.isNone() ? NO_ANSWER_YET : error,
                            single(s, "SELECT @@gtid_current_pos"));
                }
                sleep(POLL);
                status = ReplicaStatus.read(s).orElseThrow();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot replicate from " + source.address() + ": " + e.getMessage(), e);
        }
    }

    /** Already replicating from that address with the same TLS trust, and both threads running (or reconnecting). */
    private static boolean replicatesFrom(ReplicaStatus status, String address, String caBundle) {
        return status.masterHost().equals(address) && status.masterPort() == MyCnf.PORT && status.sslCaFile().equals(caBundle)
                && status.usingGtid().equalsIgnoreCase("Slave_Pos") && status.sqlRunning() && status.ioActive()
                && !status.error().isPermanent();
    }

    @Override
    public String binlogPosition() {
        try (Connection c = connectAsAgent(Duration.ofSeconds(1), ADMIN_SOCKET_TIMEOUT); Statement s = c.createStatement()) {
            return single(s, "SELECT @@gtid_binlog_pos");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the GTID position: " + e.getMessage(), e);
        }
    }

    private static String single(Statement s, String sql) throws SQLException {
        try (ResultSet r = s.executeQuery(sql)) {
            r.next();
            String value = r.getString(1);
            return value == null ? "" : value;
        }
    }

    private static void execute(Connection c, String sql, String... values) throws SQLException {
        try (PreparedStatement statement = c.prepareStatement(sql)) {
            for (int i = 0; i < values.length; i++) {
                statement.setString(i + 1, values[i]);
            }
            statement.execute();
        }
    }

    @Override
    public void reloadTls(boolean secureTransportOnly) {
        try (Connection c = connectAsAgent(Duration.ofSeconds(1), ADMIN_SOCKET_TIMEOUT); Statement s = c.createStatement()) {
            // LOCAL: a plain FLUSH is binlogged, and on a replica that is a GTID of its own, a diverged history.
            s.execute("FLUSH LOCAL SSL");
            s.execute("SET GLOBAL require_secure_transport=" + (secureTransportOnly ? "ON" : "OFF"));
        } catch (SQLException e) {
            throw new IllegalStateException("cannot reload TLS: " + e.getMessage(), e);
        }
    }

    @Override
    public void rotateBinaryLogs() {
        try (Connection c = connectAsAgent(Duration.ofSeconds(1), ADMIN_SOCKET_TIMEOUT); Statement s = c.createStatement()) {
            // LOCAL: nothing of it reaches the binlog (no GTID of its own).
            s.execute("FLUSH LOCAL BINARY LOGS");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot rotate the binary log: " + e.getMessage(), e);
        }
    }

    @Override
    public List<BinaryLog> binaryLogs() {
        try (Connection c = connectAsAgent(Duration.ofSeconds(1), ADMIN_SOCKET_TIMEOUT); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SHOW BINARY LOGS")) {
            List<BinaryLog> logs = new java.util.ArrayList<>();
            while (r.next()) {
                logs.add(new BinaryLog(r.getString(1), r.getLong(2)));
            }
            return logs;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot list the binary logs: " + e.getMessage(), e);
        }
    }

    @Override
    public Path binaryLogFile(String name) {
        if (!name.matches("[A-Za-z0-9._-]+") || name.startsWith(".")) {
            throw new IllegalArgumentException("\"" + name + "\" is not a binary log's file name");
        }
        // log_bin names a file relative to the data directory (MyCnf).
        return files.data().resolve(name);
    }

    @Override
    public void purgeBinaryLogsTo(String name) {
        try (Connection c = connectAsAgent(Duration.ofSeconds(1), ADMIN_SOCKET_TIMEOUT)) {
            execute(c, "PURGE BINARY LOGS TO ?", name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot purge the binary logs before " + name + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void keepBinaryLogs(boolean keep) {
        keepBinlogs = keep;
        if (Files.exists(files.myCnf())) {
            try {
                String cnf = Files.readString(files.myCnf());
                String next = cnf.replaceAll("(?m)^binlog_expire_logs_seconds=\\d+$", "binlog_expire_logs_seconds=" + MyCnf.expirySeconds(keep));
                if (!next.equals(cnf)) {
                    InstanceFiles.writePrivately(files.myCnf(), next);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + files.myCnf(), e);
            }
        }
        if (ourServer().isPresent() || MariaDbProcess.find(files).isPresent()) {
            applyBinlogExpiry();
        }
    }

    private void applyBinlogExpiry() {
        try (Connection c = connectAsAgent(Duration.ofSeconds(1), ADMIN_SOCKET_TIMEOUT); Statement s = c.createStatement()) {
            s.execute("SET GLOBAL binlog_expire_logs_seconds=" + MyCnf.expirySeconds(keepBinlogs));
        } catch (SQLException e) {
            throw new IllegalStateException("cannot set binlog_expire_logs_seconds: " + e.getMessage(), e);
        }
    }

    @Override
    public void stop() {
        endListener();
        closeProbe();
        Optional<ProcessHandle> running = ourServer().or(() -> MariaDbProcess.find(files));
        running.ifPresent(p -> LOG.infof("mariadbd stopping pid=%d outcome=%s", p.pid(),
                MariaDbProcess.stop(p, settings.stopTimeout())));
        server = null;
    }

    @Override
    public void markPaused(boolean next) {
        paused = next;
        if (next) {
            closeProbe();
        }
    }

    @Override
    public Optional<String> wakeUnavailable() {
        return Files.isExecutable(MariaDbProcess.ACTIVATOR) ? Optional.empty()
                : Optional.of("wake on connect needs " + MariaDbProcess.ACTIVATOR + " (Debian package systemd); run ./marina deps");
    }

    @Override
    public void armWake(Size size, boolean secureTransportOnly, boolean semiSyncReplica, WakeStart start) {
        wakeUnavailable().ifPresent(why -> {
            throw new IllegalStateException(why);
        });
        if (!hasData()) {
            throw new IllegalStateException("no data directory at " + files.data());
        }
        tls.ensureLive(Instant.now());
        ServerConfig config = configured();
        // Read when the first connection arrives, maybe long after: the config of that start.
        InstanceFiles.writePrivately(files.myCnf(), MyCnf.render(files, address, size, secureTransportOnly, semiSyncReplica,
                keepBinlogs, config.getParametersMap(), start));
        Optional<ProcessHandle> armed = Optional.ofNullable(activator).filter(p -> MariaDbProcess.isActivatorOf(p, files))
                .or(() -> MariaDbProcess.findActivator(files));
        if (armed.isPresent()) {
            activator = armed.get();
            return;
        }
        EngineBuild build = build();
        if (!Files.isExecutable(build.mariadbd())) {
            throw new IllegalStateException("no MariaDB server at " + build.mariadbd() + "; " + EngineCatalogue.RUN_DEPS);
        }
        List<String> command = new java.util.ArrayList<>(List.of(MariaDbProcess.ACTIVATOR.toString(),
                "-l", (address.contains(":") ? "[" + address + "]" : address) + ":" + MyCnf.PORT,
                // Activated sockets replace the server's own: the unix socket too (mariadb-backup and mariadb-upgrade use it).
                "-l", files.socket().toString()));
        command.addAll(MariaDbProcess.commandLine(build.mariadbd().toString(), build.serverOptions(), files, runsAsRoot(), false));
        try {
            Files.deleteIfExists(files.socket());
            Files.deleteIfExists(files.pidFile());
            Process process = new ProcessBuilder(command)
                    .directory(files.dir().toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(files.serverLog().toFile()))
                    .start();
            activator = process.toHandle();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + MariaDbProcess.ACTIVATOR, e);
        }
        // Listening once the socket file is there (it binds every address before it waits).
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!Files.exists(files.socket())) {
            if (!activator.isAlive()) {
                throw new IllegalStateException("the wake listener exited at once: " + LogTail.of(files.serverLog()));
            }
            if (System.nanoTime() > deadline) {
                MariaDbProcess.kill(activator);
                throw new IllegalStateException("the wake listener did not listen within 5 s: " + LogTail.of(files.serverLog()));
            }
            sleep(Duration.ofMillis(5));
        }
        reportedVersion = null;
        LOG.infof("wake listener armed pid=%d address=%s:%d writable=%s", activator.pid(), address, MyCnf.PORT, start.writable());
    }

    @Override
    public WakeState wakeState() {
        ProcessHandle listener = activator;
        if (listener != null && listener.isAlive()) {
            // After its exec the listener's pid runs mariadbd (/proc/<pid>/exe changes).
            return MariaDbProcess.isServerOf(listener, files) ? WakeState.WOKEN
                    : MariaDbProcess.isActivatorOf(listener, files) ? WakeState.ARMED : WakeState.NONE;
        }
        Optional<ProcessHandle> found = MariaDbProcess.findActivator(files);
        if (found.isPresent()) {
            activator = found.get();
            return WakeState.ARMED;
        }
        // Woken while no agent watched (or never stopped): the server runs.
        Optional<ProcessHandle> woken = MariaDbProcess.find(files);
        if (woken.isPresent()) {
            activator = woken.get();
            return WakeState.WOKEN;
        }
        activator = null;
        return WakeState.NONE;
    }

    @Override
    public void awaitWoken() {
        ProcessHandle woken = activator;
        if (woken == null || !MariaDbProcess.isServerOf(woken, files)) {
            throw new IllegalStateException("no woken server of this instance runs");
        }
        server = woken;
        activator = null;
        reportedVersion = null;
        // Still "paused" for observe() until the server answers: a heartbeat's probe of a server that is still starting
        // would hold the heartbeat thread for its connect and socket timeouts, and the monitor would see silence.
        boolean answered = awaitAnswer(woken, settings.startTimeout());
        paused = false;
        if (!answered) {
            throw new IllegalStateException("the woken server did not answer within " + settings.startTimeout().toSeconds() + " s: "
                    + LogTail.of(files.serverLog()));
        }
    }

    /** Ends a wake listener that has not woken (a woken one is the server, stopped as such). */
    private void endListener() {
        Optional<ProcessHandle> listener = Optional.ofNullable(activator).filter(p -> MariaDbProcess.isActivatorOf(p, files))
                .or(() -> MariaDbProcess.findActivator(files));
        listener.ifPresent(p -> LOG.infof("wake listener ending pid=%d outcome=%s", p.pid(), MariaDbProcess.stop(p, settings.stopTimeout())));
        activator = null;
    }

    @Override
    public void removeData() {
        MariaDbProcess.find(files).ifPresent(p -> {
            throw new IllegalStateException("mariadbd pid " + p.pid() + " still runs on " + files.data());
        });
        TemplateDataDirectory.deleteTree(files.data());
        TemplateDataDirectory.deleteTree(files.data().resolveSibling("data.tmp"));
        TemplateDataDirectory.deleteTree(files.restoreStaging());
        TemplateDataDirectory.deleteTree(files.replayWork());
        TemplateDataDirectory.deleteTree(files.tls()); // the keys go with the database
        try {
            for (Path file : files.databaseFiles()) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the server's files in " + files.dir(), e);
        }
    }

    @Override
    public Observation observe() {
        synchronized (probeLock) {
            if (paused) {
                return Observation.unreachable("paused");
            }
            if (!Files.exists(files.agentSecret())) {
                return Observation.unreachable("no database deployed");
            }
            try {
                if (probe == null || probe.isClosed()) {
                    probe = connectAsAgent(PROBE_CONNECT_TIMEOUT, PROBE_SOCKET_TIMEOUT);
                }
                try (Statement s = probe.createStatement()) {
                    String current;
                    String binlog;
                    boolean readOnly;
                    long uptime;
                    // One round trip; @@version only until it was read once for this server run.
                    boolean versionKnown = reportedVersion != null;
                    try (ResultSet r = s.executeQuery("SELECT @@gtid_current_pos, @@gtid_binlog_pos, @@read_only, "
                            + "(SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'UPTIME')"
                            + (versionKnown ? "" : ", @@version"))) {
                        r.next();
                        current = r.getString(1);
                        binlog = r.getString(2);
                        readOnly = r.getBoolean(3);
                        uptime = r.getLong(4);
                        if (!versionKnown) {
                            reportedVersion = r.getString(5);
                        }
                    }
                    Optional<ReplicaStatus> status = ReplicaStatus.read(s);
                    long lastSeen = contact.observe(status.map(ReplicaStatus::progress).orElse(null), System.nanoTime());
                    Observation.Replica replica = status.map(r -> new Observation.Replica(r.ioConnected(), r.lagMs(), r.error(),
                            lastSeen, r.masterHost())).orElse(null);
                    SemiSync.Reading semiSync = semiSyncReading(s);
                    if (SemiSync.arms(semiSync, readOnly)) {
                        // A semi-sync replica attached: the deployment has replicas, and from now on no commit is
                        // acknowledged before one of them holds it.
                        s.execute("SET GLOBAL rpl_semi_sync_master_wait_no_slave=ON");
                        LOG.infof("semi-sync lossless: a replica attached replicas_connected=%d", semiSync.replicasConnected());
                        semiSync = semiSyncReading(s);
                    }
                    if (SemiSync.mayBeStalled(semiSync, readOnly)) {
                        releaseStalledCommits(s, semiSync, SemiSync.STALL);
                    }
                    return Observation.reachable(current, binlog, readOnly, replica).withSemiSync(semiSync)
                            .withServer(runningConfig(), uptime);
                }
            } catch (SQLException | RuntimeException e) {
                closeProbe();
                return Observation.unreachable(firstLine(e.getMessage()));
            }
        }
    }

    /** What the server runs, for heartbeats: the reported version, the recorded size and parameters. */
    private ServerConfig runningConfig() {
        ServerConfig config = configured();
        String reported = reportedVersion;
        return config.toBuilder().setVersion(reported == null ? config.getVersion()
                : EngineVersion.fromReported(reported).map(EngineVersion::toString).orElse(reported)).build();
    }

    @Override
    public void close() {
        closeProbe();
    }

    private void closeProbe() {
        synchronized (probeLock) {
            if (probe != null) {
                try {
                    probe.close();
                } catch (SQLException ignored) {
                    // it is broken anyway
                }
                probe = null;
            }
        }
    }

    private Optional<ProcessHandle> ourServer() {
        return Optional.ofNullable(server).filter(p -> MariaDbProcess.isServerOf(p, files));
    }

    private Connection connectAsAgent(Duration connectTimeout, Duration socketTimeout) throws SQLException {
        return Jdbc.connect(address, AGENT_USER, agentPassword(), connectTimeout, socketTimeout, files.agentTrustStore());
    }

    private String agentPassword() {
        return agentPassword(files);
    }

    /** The password of the agent's own database user, from {@code agent.secret}. */
    static String agentPassword(InstanceFiles files) {
        try {
            return Files.readString(files.agentSecret()).trim();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + files.agentSecret(), e);
        }
    }

    private String newAgentPassword() {
        String password = SecretBox.randomPassword(24);
        InstanceFiles.writePrivately(files.agentSecret(), password + "\n");
        return password;
    }

    private static boolean runsAsRoot() {
        try {
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException | UnsupportedOperationException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    static String firstLine(String message) {
        if (message == null) {
            return "unknown error";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for mariadbd", e);
        }
    }
}
