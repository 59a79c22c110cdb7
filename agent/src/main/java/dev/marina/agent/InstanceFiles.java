package dev.marina.agent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * Where everything of one instance lives, inside the instance folder the provisioner created. The
 * names are part of the data-plane contract (the provisioner stops a {@code mariadbd} by its pid
 * file), so they are spelled only here.
 */
public record InstanceFiles(Path dir) {

    public InstanceFiles {
        dir = dir.toAbsolutePath().normalize();
    }

    /** The database's data directory, a copy of the engine version's template. */
    public Path data() {
        return dir.resolve("data");
    }

    /** Where a backup is restored before it is renamed to {@link #data()}: never started on. */
    public Path restoreStaging() {
        return dir.resolve("data.restore");
    }

    /** Present from the moment restored data is in place until its users and GTID position are this deployment's. */
    public Path restorePending() {
        return dir.resolve("restore.pending");
    }

    /**
     * Present from the moment restored data that is to be replayed to a point in time is in place until it is adopted:
     * data found with it was (maybe) replayed in part and is never started on; the next DEPLOY discards it.
     */
    public Path replayPending() {
        return dir.resolve("replay.pending");
    }

    /** Where archived binary logs are decrypted for a point-in-time replay; removed after it. */
    public Path replayWork() {
        return dir.resolve("pitr");
    }

    /** What mariadb-binlog and the mariadb client said during point-in-time replays. */
    public Path replayLog() {
        return dir.resolve("replay.log");
    }

    /** The build, size and parameters the server runs (or runs at its next start), see {@code ServerConfigFile}. */
    public Path engineFile() {
        return dir.resolve("engine.properties");
    }

    public Path myCnf() {
        return dir.resolve("my.cnf");
    }

    public Path socket() {
        return dir.resolve("mariadbd.sock");
    }

    public Path pidFile() {
        return dir.resolve("mariadbd.pid");
    }

    public Path serverLog() {
        return dir.resolve("mariadbd.log");
    }

    /** SQL run once at the first start (creates the agent's own user); mode 0600, deleted once the server is up. */
    public Path initSql() {
        return dir.resolve("init.sql");
    }

    /** The password of the agent's own database user; mode 0600. */
    public Path agentSecret() {
        return dir.resolve("agent.secret");
    }

    /** What the agent did to this instance (deployed, destroyed, …); survives agent restarts. */
    public Path stateFile() {
        return dir.resolve("agent-state.properties");
    }

    /** The command the provisioner handed over at launch (the DEPLOY), deleted once carried out. */
    public Path firstCommand() {
        return dir.resolve("first-command.json");
    }

    /** The next offset of {@code agent-commands} to read. */
    public Path commandsOffset() {
        return dir.resolve("agent-commands.offset");
    }

    /** File names inside a TLS set (see {@code tls.ServerTls}). */
    public static final String SERVER_CERT = "server-cert.pem";
    public static final String SERVER_KEY = "server-key.pem";
    public static final String CA_BUNDLE = "ca-bundle.pem";
    public static final String AGENT_TRUST = "agent-trust.p12";

    /** Keys, requests and certificates of the server (0700); DESTROY removes it whole. */
    public Path tls() {
        return dir.resolve("tls");
    }

    public Path tlsRequests() {
        return tls().resolve("requests");
    }

    public Path tlsSets() {
        return tls().resolve("sets");
    }

    /** A symlink to the set the server uses; my.cnf names the files through it. */
    public Path tlsLive() {
        return tls().resolve("live");
    }

    /** The server's certificate chain (leaf first), {@code ssl_cert}. */
    public Path serverCert() {
        return tlsLive().resolve(SERVER_CERT);
    }

    /** The server's private key, {@code ssl_key}; mode 0600. */
    public Path serverKey() {
        return tlsLive().resolve(SERVER_KEY);
    }

    /** The CA certificates the server trusts, {@code ssl_ca}. */
    public Path caBundle() {
        return tlsLive().resolve(CA_BUNDLE);
    }

    /** What the agent's own connections to the server trust (PKCS#12 of public certificates). */
    public Path agentTrustStore() {
        return tlsLive().resolve(AGENT_TRUST);
    }

    /** Every file DESTROY removes: the database and what belongs to it, not the agent's own records. */
    public List<Path> databaseFiles() {
        return List.of(myCnf(), socket(), pidFile(), serverLog(), initSql(), agentSecret(), restorePending(), replayPending(),
                replayLog(), restoreStaging().resolveSibling("data.restore.restore.log"), engineFile());
    }

    /** Writes a file atomically (temp file + rename), readable and writable only by its owner. */
    public static void writePrivately(Path file, String content) {
        try {
            Files.createDirectories(file.getParent());
            Path temp = Files.createTempFile(file.getParent(), "." + file.getFileName(), ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try {
                Files.writeString(temp, content, StandardOpenOption.TRUNCATE_EXISTING);
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
