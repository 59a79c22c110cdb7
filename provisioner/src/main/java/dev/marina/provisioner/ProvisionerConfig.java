package dev.marina.provisioner;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The provisioner's settings, {@code marina.provisioner.*}; every key documented here, with its default. */
@ConfigMapping(prefix = "marina.provisioner")
public interface ProvisionerConfig {

    /** Which driver makes instances: {@code local} (an agent process per loopback address). */
    @WithDefault("local")
    String driver();

    /** Loopback range the local driver hands addresses out of (never .0, .255 or 127.0.0.1). */
    @WithDefault("127.10.0.0/16")
    String addressRange();

    /**
     * The agent jar; default {@code <repo>/agent/target/quarkus-app/quarkus-run.jar}, the repository
     * being {@code marina.root} or, unset, found from where the provisioner runs.
     */
    Optional<String> agentJar();

    /**
     * The whole command that starts an agent, program first (a comma-separated list). Unset means
     * {@code setsid <java> -Xmx96m -XX:+UseSerialGC -jar <agent jar>}; tests set a stand-in here.
     */
    Optional<List<String>> agentCommand();

    /**
     * The object store's client settings file (an {@code object-store.properties}, see the object-store
     * module) handed to every agent for backups, and the store retention deletes from; {@code ./marina up} sets its
     * local s3proxy's. Unset: agents refuse BACKUP with a reason, and retention is off.
     */
    Optional<String> objectStoreConfig();

    /** The HTTP port each agent listens on, on its own address. */
    @WithDefault("8086")
    int agentHttpPort();

    /** How often agents are checked (and dead ones relaunched). */
    @WithDefault("1s")
    Duration superviseInterval();

    /** How long a stopping agent or mariadbd gets after SIGTERM before SIGKILL. */
    @WithDefault("10s")
    Duration stopTimeout();

    /**
     * How often agents' builds are compared with the agent jar's (also at start); outdated agents are replaced one
     * at a time (the agent roll). Off with a custom {@link #agentCommand()}.
     */
    @WithDefault("30s")
    Duration agentRollInterval();

    /** A build is rolled out only once the jar's files have been unchanged this long (a build may be writing them). */
    @WithDefault("10s")
    Duration agentRollSettle();

    /** How long a new agent of the roll gets to answer ready before the roll halts (the database is never touched). */
    @WithDefault("60s")
    Duration agentRollReadyTimeout();

    /** Instances younger than this are never reaped as orphans: the status may not list them yet. */
    @WithDefault("60s")
    Duration orphanGrace();

    /** How often instances are compared with {@code deployment-status} to reap orphans. */
    @WithDefault("5s")
    Duration reapInterval();

    /**
     * How often the store's retention runs: objects of expired backups and archived binary logs no retained backup
     * needs are deleted (at least 1s; off without {@link #objectStoreConfig()}).
     */
    @WithDefault("60s")
    Duration retentionInterval();
}
