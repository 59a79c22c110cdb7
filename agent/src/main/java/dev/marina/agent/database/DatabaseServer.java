package dev.marina.agent.database;

import dev.marina.schemas.v1.Size;

/**
 * The database server of one instance, as the agent needs it. Every method is safe to repeat: the
 * agent calls them again after a crash or a replayed command. One implementation per engine
 * ({@link MariaDbServer}); tests use fakes.
 *
 * <p>Called from the agent's command thread, except {@link #observe()}, which the heartbeat thread
 * calls concurrently.
 */
public interface DatabaseServer extends AutoCloseable {

    /** How {@link #start} got a running server. */
    enum StartOutcome { STARTED, ADOPTED }

    /** The version of the engine installed here, e.g. "10.11.19"; throws when none is installed. */
    String version();

    /** True when the instance has a data directory. */
    boolean hasData();

    /** Creates the data directory and everything the first start needs; does nothing when it exists. */
    void prepare(Size size);

    /**
     * Starts the server on the existing data, or adopts one that runs and answers; returns once it answers.
     * The server starts TLS-capable (with the live TLS set, a bootstrap certificate until one is installed).
     *
     * @param secureTransportOnly whether the server refuses connections without TLS (on its next start)
     */
    StartOutcome start(Size size, boolean secureTransportOnly);

    /**
     * Makes the running server load the live TLS files without a restart (open connections stay up) and
     * refuse, or accept again, connections without TLS.
     */
    void reloadTls(boolean secureTransportOnly);

    /** True when the server answers a query now. */
    boolean answers();

    /** Creates the admin user with all privileges, or sets its password when it exists. */
    void ensureAdminUser(String user, String password);

    /** Stops the server (gracefully, forcibly after a timeout); does nothing when none runs. */
    void stop();

    /** Removes the data directory and every file of the server. */
    void removeData();

    /** A quick look at the server for a heartbeat; never throws. */
    Observation observe();

    /** Releases connections; leaves the server running. */
    @Override
    void close();
}
