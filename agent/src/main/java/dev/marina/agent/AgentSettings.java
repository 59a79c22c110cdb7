package dev.marina.agent;

import java.util.Properties;
import dev.marina.agent.database.MariaDbSettings;
import java.util.Properties;
import java.nio.file.Path;
import java.util.Properties;
import java.time.Duration;
import java.util.Properties;
import java.time.Instant;
import java.util.Properties;
import java.util.ArrayList;
import java.util.Properties;
import java.util.List;
import java.util.Properties;
import java.util.Optional;

/**
 * Everything one running agent needs, resolved and checked: built from {@link AgentConfig} by the
 * Quarkus wiring, or directly by tests.
 *
 * @param identity          who this agent is
 * @param files             the instance folder's layout
 * @param marinaHome        the platform's state folder (templates live in it)
 * @param commandsSince     where to start reading commands on the first start
 * @param kafka             the broker: address and this instance's principal (its credentials file)
 * @param secretsKeyFile    the platform key that opens sealed secrets (never created by the agent)
 * @param instanceKeyFile   the instance's proof key (never created by the agent; see dev.marina.schemas.proof)
 * @param heartbeatInterval how often a heartbeat goes out
 * @param metricsInterval   how often a metric sample goes out
 * @param lease             how long a primary takes writes without an acknowledged heartbeat
 * @param promoteWait       how long PROMOTE waits for wait_for_gtid and the relay log
 * @param mariadb           how MariaDB runs here
 * @param archiveInterval   how often an archiving primary rotates and uploads its binary logs
 * @param agentBuild        the agent's own build, reported in heartbeats (empty: unknown)
 * @param drainTimeout      how long an UPDATE that restarts waits for open transactions when its command does not say
 */
public record AgentSettings(InstanceIdentity identity, InstanceFiles files, Path marinaHome, Optional<Instant> commandsSince,
        Properties kafka, Path secretsKeyFile, Path instanceKeyFile, Duration heartbeatInterval, Duration metricsInterval,
        Duration lease, Duration promoteWait, MariaDbSettings mariadb, Duration archiveInterval, String agentBuild,
        Duration drainTimeout) {

    /** The default of {@code marina.agent.drain-timeout}. */
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);

    public AgentSettings(InstanceIdentity identity, InstanceFiles files, Path marinaHome, Optional<Instant> commandsSince,
            Properties kafka, Path secretsKeyFile, Path instanceKeyFile, Duration heartbeatInterval, Duration metricsInterval,
            Duration lease, Duration promoteWait, MariaDbSettings mariadb, Duration archiveInterval) {
        this(identity, files, marinaHome, commandsSince, kafka, secretsKeyFile, instanceKeyFile, heartbeatInterval, metricsInterval,
                lease, promoteWait, mariadb, archiveInterval, "", DEFAULT_DRAIN_TIMEOUT);
    }

    /** The default of {@code marina.agent.archive-interval}. */
    public static final Duration DEFAULT_ARCHIVE_INTERVAL = Duration.ofSeconds(2);

    public AgentSettings {
        requirePositive(archiveInterval, "marina.agent.archive-interval");
        requirePositive(heartbeatInterval, "marina.agent.heartbeat-interval");
        requirePositive(metricsInterval, "marina.agent.metrics-interval");
        requirePositive(lease, "marina.agent.lease");
        requirePositive(promoteWait, "marina.agent.promote-wait");
        requirePositive(drainTimeout, "marina.agent.drain-timeout");
        agentBuild = agentBuild == null ? "" : agentBuild;
        if (lease.compareTo(heartbeatInterval) <= 0) {
            throw new IllegalArgumentException("marina.agent.lease (" + lease + ") must be longer than marina.agent.heartbeat-interval ("
                    + heartbeatInterval + "): every heartbeat would be late");
        }
    }

    /** With the default archive interval (2 s). */
    public AgentSettings(InstanceIdentity identity, InstanceFiles files, Path marinaHome, Optional<Instant> commandsSince,
            Properties kafka, Path secretsKeyFile, Path instanceKeyFile, Duration heartbeatInterval, Duration metricsInterval,
            Duration lease, Duration promoteWait, MariaDbSettings mariadb) {
        this(identity, files, marinaHome, commandsSince, kafka, secretsKeyFile, instanceKeyFile, heartbeatInterval, metricsInterval,
                lease, promoteWait, mariadb, DEFAULT_ARCHIVE_INTERVAL);
    }

    /** With the default lease (1 s) and PROMOTE wait (10 s). */
    public AgentSettings(InstanceIdentity identity, InstanceFiles files, Path marinaHome, Optional<Instant> commandsSince,
            Properties kafka, Path secretsKeyFile, Path instanceKeyFile, Duration heartbeatInterval, Duration metricsInterval,
            MariaDbSettings mariadb) {
        this(identity, files, marinaHome, commandsSince, kafka, secretsKeyFile, instanceKeyFile, heartbeatInterval,
                metricsInterval, Duration.ofSeconds(1), Duration.ofSeconds(10), mariadb);
    }

    /**
     * The settings when an instance is configured; empty when none of its keys is set (idle agent);
     * throws naming the missing variables when only some are.
     */
    public static Optional<AgentSettings> from(AgentConfig config, Properties kafka, Path marinaHome, Path keyFile) {
        return from(config, kafka, marinaHome, keyFile, config.instanceKeyFile());
    }

    /** The same with the instance key file given (bootstrap mode on EC2 writes it where it chooses). */
    public static Optional<AgentSettings> from(AgentConfig config, Properties kafka, Path marinaHome, Path keyFile,
            Optional<Path> instanceKeyFile) {
        List<String> missing = new ArrayList<>();
        if (config.instanceId().isEmpty()) {
            missing.add("MARINA_INSTANCE_ID");
        }
        if (config.deployment().isEmpty()) {
            missing.add("MARINA_DEPLOYMENT");
        }
        if (config.instanceAddress().isEmpty()) {
            missing.add("MARINA_INSTANCE_ADDRESS");
        }
        if (config.instanceDir().isEmpty()) {
            missing.add("MARINA_INSTANCE_DIR");
        }
        if (missing.size() == 4) {
            return Optional.empty();
        }
        if (instanceKeyFile.isEmpty()) {
            // Without it the agent could prove nothing it sends and accept no command: it would only look dead.
            missing.add("MARINA_INSTANCE_KEY_FILE");
        }
        if (!kafka.containsKey("sasl.jaas.config")) {
            // Without its principal the broker would refuse every client of the agent.
            missing.add("MARINA_KAFKA_CREDENTIALS");
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException("the agent's instance is configured only partly; missing: " + String.join(", ", missing));
        }
        AgentConfig.Database db = config.database();
        return Optional.of(new AgentSettings(
                new InstanceIdentity(config.instanceId().get(), config.deployment().get(), config.instanceAddress().get()),
                new InstanceFiles(config.instanceDir().get()),
                marinaHome.toAbsolutePath(),
                config.commandsSince().map(Instant::ofEpochMilli),
                kafka,
                keyFile.toAbsolutePath(),
                instanceKeyFile.get().toAbsolutePath(),
                config.heartbeatInterval(),
                config.metricsInterval(),
                config.lease(),
                config.promoteWait(),
                new MariaDbSettings(db.mariadbd(), db.installDb(), db.startTimeout(), db.stopTimeout(), db.adoptTimeout(),
                        config.enginesRoot().orElseGet(MariaDbSettings::defaultEnginesRoot)),
                config.archiveInterval(), config.build().orElse(""), config.drainTimeout()));
    }

    private static void requirePositive(Duration interval, String key) {
        if (interval == null || interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException(key + " must be a positive duration, not " + interval);
        }
    }
}
