package dev.marina.agent;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The agent's configuration, {@code marina.agent.*}. The provisioner launches each agent with the
 * environment of docs/local-data-plane.md; application.properties maps those variables onto these
 * keys. Without an instance identity the agent starts idle (live and ready, nothing to run), as in
 * {@code mvn quarkus:dev} or the basics test.
 */
@ConfigMapping(prefix = "marina.agent")
public interface AgentConfig {

    /** {@code MARINA_INSTANCE_ID}: the instance this agent runs, {@code "<tenant>-<name>-<n>"}. */
    Optional<String> instanceId();

    /** {@code MARINA_DEPLOYMENT}: the deployment key {@code "<tenant>/<name>"}. */
    Optional<String> deployment();

    /** {@code MARINA_INSTANCE_ADDRESS}: the loopback address the database listens on (port 3306). */
    Optional<String> instanceAddress();

    /** {@code MARINA_INSTANCE_DIR}: the instance folder; data, config and the agent's records live in it. */
    Optional<Path> instanceDir();

    /** {@code MARINA_COMMANDS_SINCE}: epoch millis; on its first start the agent reads commands from this time on. */
    Optional<Long> commandsSince();

    /**
     * {@code MARINA_INSTANCE_KEY_FILE}: the instance's proof key (mode 0600, written by the provisioner),
     * which proves the agent's heartbeats, metrics and events and checks the commands sent to it.
     */
    Optional<Path> instanceKeyFile();

    /** How often a heartbeat goes to {@code heartbeats}; acknowledged heartbeats keep a primary's lease. */
    @WithDefault("200ms")
    Duration heartbeatInterval();

    /**
     * How long a writable primary keeps taking writes without an acknowledged heartbeat (measured from the
     * last acknowledged heartbeat's send, or from the PROMOTE); then it makes itself read-only (fenced).
     * Longer than the heartbeat interval; shorter than the time the health monitor takes to call a
     * primary down, so an old primary is read-only before a new one is promoted. Defaults to the platform's
     * {@code marina.platform.primary-lease}, which the health monitor and the reconciler check their timings against.
     */
    @WithDefault("${marina.platform.primary-lease}")
    Duration lease();

    /** How long PROMOTE waits for its wait_for_gtid and for the received transactions to be applied. */
    @WithDefault("10s")
    Duration promoteWait();

    /**
     * How often a metric sample goes to {@code metrics} ({@code MARINA_AGENT_METRICS_INTERVAL}); rates
     * are per second over this interval.
     */
    @WithDefault("5s")
    Duration metricsInterval();

    /**
     * How often a primary that archives its binary logs ({@code ARCHIVE_BINLOGS}) closes the file it writes (when it
     * holds new transactions) and uploads the closed ones: the most a point-in-time restore can miss of the newest
     * transactions while the primary lives. After a failure the pause grows, up to 30 s.
     */
    @WithDefault("2s")
    Duration archiveInterval();

    /**
     * Where {@code ./marina deps} unpacked the MariaDB builds beside the installed one ({@code mariadb-<version>/});
     * default {@code $MARINA_ENGINES}, else {@code ~/.local/share/marina/engines}.
     */
    Optional<Path> enginesRoot();

    /** The agent's own build (the provisioner sets {@code MARINA_AGENT_BUILD}), reported in heartbeats; empty: unknown. */
    Optional<String> build();

    /** How long an UPDATE that restarts the server waits for open transactions when its command does not say. */
    @WithDefault("30s")
    Duration drainTimeout();

    /** How the agent runs MariaDB here. */
    Database database();

    /** On EC2: where the agent fetches its credentials once ({@code dev.marina.agent.bootstrap}). */
    Bootstrap bootstrap();

    interface Bootstrap {
        /**
         * {@code MARINA_BOOTSTRAP_PARAMETER}: the SSM parameter holding this instance's one-time bootstrap secret. Set
         * (the ec2 driver's user data) and the credentials files absent: the agent reads it with the SDK's default
         * credentials (the instance profile), writes its files, and deletes it. Unset (the local driver): no SSM call.
         */
        Optional<String> parameter();

        /** {@code MARINA_AWS_REGION}: the parameter's region; unset: the SDK's own lookup (instance metadata). */
        Optional<String> region();

        /** Another SSM endpoint (a VPC endpoint; tests). */
        Optional<java.net.URI> endpoint();
    }

    interface Database {
        /** The server binary. */
        @WithDefault("/usr/sbin/mariadbd")
        Path mariadbd();

        /** Builds the per-version template data directory, once per host. */
        @WithDefault("/usr/bin/mariadb-install-db")
        Path installDb();

        /** How long a start may take until the server answers. */
        @WithDefault("30s")
        Duration startTimeout();

        /** How long a graceful stop (SIGTERM) may take before the server is killed. */
        @WithDefault("30s")
        Duration stopTimeout();

        /** How long a server found running at agent start may take to answer before it is killed and started fresh. */
        @WithDefault("3s")
        Duration adoptTimeout();
    }
}
