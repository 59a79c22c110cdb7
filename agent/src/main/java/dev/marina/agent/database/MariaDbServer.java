package dev.marina.agent.database;

import dev.marina.agent.InstanceFiles;
import dev.marina.agent.tls.ServerTls;
import dev.marina.schemas.v1.Size;
import dev.marina.service.SecretBox;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
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
public final class MariaDbServer implements DatabaseServer {

    public static final String AGENT_USER = "marina_agent";

    private static final Logger LOG = Logger.getLogger(MariaDbServer.class);
    private static final Duration PROBE_CONNECT_TIMEOUT = Duration.ofMillis(500);
    private static final Duration PROBE_SOCKET_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration ADMIN_SOCKET_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration POLL = Duration.ofMillis(25);

    private final InstanceFiles files;
    private final String address;
    private final Path marinaHome;
    private final MariaDbSettings settings;
    private final ServerTls tls;

    private volatile String version;
    /**
     * {@code mariadbd --version} is a subprocess; started when the agent starts, it is done by the time
     * the first command needs it instead of delaying that command.
     */
    private final java.util.concurrent.CompletableFuture<String> versionProbe;
    /** The server this agent started or adopted; touched by the command thread only. */
    private ProcessHandle server;

    private final Object probeLock = new Object();
    /** The heartbeat's one connection, reused while it works. */
    private Connection probe;

    public MariaDbServer(InstanceFiles files, String address, Path marinaHome, MariaDbSettings settings) {
        this.files = files;
        this.address = address;
        this.marinaHome = marinaHome;
        this.settings = settings;
        this.tls = new ServerTls(files);
        this.versionProbe = java.util.concurrent.CompletableFuture.supplyAsync(() -> MariaDbVersion.of(settings.mariadbd()));
    }

    @Override
    public String version() {
        if (version == null) {
            try {
                version = versionProbe.join();
            } catch (java.util.concurrent.CompletionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : e;
            }
        }
        return version;
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
        Path template = TemplateDataDirectory.ensure(marinaHome, version(), settings.installDb());
        String password = Files.exists(files.agentSecret()) ? agentPassword() : newAgentPassword();
        InstanceFiles.writePrivately(files.initSql(), InitSql.render(NativePassword.hash(password)));
        InstanceFiles.writePrivately(files.myCnf(), MyCnf.render(files, address, size, false));
        TemplateDataDirectory.copy(template, files.data());
    }

    @Override
    public StartOutcome start(Size size, boolean secureTransportOnly) {
        if (!hasData()) {
            throw new IllegalStateException("no data directory at " + files.data());
        }
        // my.cnf names the TLS files, and mariadbd does not start without them.
        tls.ensureLive(Instant.now());
        InstanceFiles.writePrivately(files.myCnf(), MyCnf.render(files, address, size, secureTransportOnly));
        if (!Files.exists(files.agentSecret())) {
            // Lost secret: a new one, set by the init file at this start (a running server is restarted for it).
            InstanceFiles.writePrivately(files.initSql(), InitSql.render(NativePassword.hash(newAgentPassword())));
        }
        Optional<ProcessHandle> running = ourServer().or(() -> MariaDbProcess.find(files));
        if (running.isPresent()) {
            ProcessHandle found = running.get();
            if (!Files.exists(files.initSql()) && awaitAnswer(found, settings.adoptTimeout())) {
                server = found;
                return StartOutcome.ADOPTED;
            }
            LOG.warnf("mariadbd runs but does not answer (or needs its init file), killing it pid=%d", found.pid());
            MariaDbProcess.kill(found);
        }
        launch();
        return StartOutcome.STARTED;
    }

    private void launch() {
        try {
            Files.deleteIfExists(files.pidFile());
            Process process = new ProcessBuilder(MariaDbProcess.commandLine(settings.mariadbd().toString(), files,
                            runsAsRoot(), Files.exists(files.initSql())))
                    .directory(files.dir().toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(files.serverLog().toFile()))
                    .start();
            server = process.toHandle();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + settings.mariadbd(), e);
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
        if (!Files.exists(files.agentSecret())) {
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
            // Client-side prepared statements: the driver quotes the values; only the hash reaches the server.
            execute(c, "CREATE USER IF NOT EXISTS ?@'%' IDENTIFIED BY PASSWORD ?", user, hash);
            execute(c, "ALTER USER ?@'%' IDENTIFIED BY PASSWORD ?", user, hash);
            execute(c, "GRANT ALL PRIVILEGES ON *.* TO ?@'%' WITH GRANT OPTION", user);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create the admin user " + user + ": " + e.getMessage(), e);
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
            s.execute("FLUSH SSL");
            s.execute("SET GLOBAL require_secure_transport=" + (secureTransportOnly ? "ON" : "OFF"));
        } catch (SQLException e) {
            throw new IllegalStateException("cannot reload TLS: " + e.getMessage(), e);
        }
    }

    @Override
    public void stop() {
        closeProbe();
        Optional<ProcessHandle> running = ourServer().or(() -> MariaDbProcess.find(files));
        running.ifPresent(p -> LOG.infof("mariadbd stopping pid=%d outcome=%s", p.pid(),
                MariaDbProcess.stop(p, settings.stopTimeout())));
        server = null;
    }

    @Override
    public void removeData() {
        MariaDbProcess.find(files).ifPresent(p -> {
            throw new IllegalStateException("mariadbd pid " + p.pid() + " still runs on " + files.data());
        });
        TemplateDataDirectory.deleteTree(files.data());
        TemplateDataDirectory.deleteTree(files.data().resolveSibling("data.tmp"));
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
            if (!Files.exists(files.agentSecret())) {
                return Observation.unreachable("no database deployed");
            }
            try {
                if (probe == null || probe.isClosed()) {
                    probe = connectAsAgent(PROBE_CONNECT_TIMEOUT, PROBE_SOCKET_TIMEOUT);
                }
                try (Statement s = probe.createStatement();
                        ResultSet r = s.executeQuery("SELECT @@gtid_current_pos, @@read_only")) {
                    r.next();
                    return Observation.reachable(r.getString(1), r.getBoolean(2));
                }
            } catch (SQLException | RuntimeException e) {
                closeProbe();
                return Observation.unreachable(firstLine(e.getMessage()));
            }
        }
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
