package dev.marina.provisioner;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The provisioner's settings, {@code marina.provisioner.*}; every key documented here, with its default. */
@ConfigMapping(prefix = "marina.provisioner")
public interface ProvisionerConfig {

    /**
     * Which driver makes instances: {@code local} (an agent process per loopback address), {@code ec2} (an EC2
     * instance per instance, see {@link #ec2()}) or {@code simulated} (an instance of a simulated data plane, for scale
     * runs, see {@link #simulated()}).
     */
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

    /**
     * How many commands are carried out at once, each deployment's in order (a deployment's commands share a lane).
     * The driver decides what really overlaps: the local and EC2 drivers make one instance at a time; the simulated
     * plane's creates overlap; in every case the wait for an answer's acknowledgement does.
     */
    @WithDefault("8")
    int commandLanes();

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

    /** The {@code ec2} driver's settings, {@code marina.provisioner.ec2.*}; read only when it is the driver. */
    Ec2 ec2();

    /** The {@code simulated} driver's settings, {@code marina.provisioner.simulated.*}; read only when it is the driver. */
    Simulated simulated();

    /** {@code marina.provisioner.simulated.*}: where the simulated data plane's API is. */
    interface Simulated {

        /** The plane's API, e.g. {@code http://127.0.0.1:8099} (loopback: a create carries an instance's proof key). */
        @WithDefault("http://127.0.0.1:8099")
        String url();

        /** A file holding the plane's API token (the plane's {@code --token-file}). */
        Optional<String> tokenFile();
    }

    /** {@code marina.provisioner.ec2.*}: where and how the {@code ec2} driver makes instances. */
    interface Ec2 {

        /** The AWS region instances are made in. */
        @WithDefault("eu-west-1")
        String region();

        /** Another EC2 endpoint than the region's (a VPC endpoint; tests point it at recorded exchanges). */
        Optional<java.net.URI> endpoint();

        /** Subnets to launch into, in order of preference; on InsufficientInstanceCapacity the next one is tried. */
        Optional<List<String>> subnets();

        /** Security groups every instance gets (ids, sg-…). */
        Optional<List<String>> securityGroups();

        /** The IAM instance profile (name) instances run with: it lets the agent read its bootstrap parameter. */
        Optional<String> instanceProfile();

        /** Instance type per size: {@code instance-types.small}, {@code .medium}, {@code .large}. */
        Map<String, String> instanceTypes();

        /**
         * Image (AMI id) per MariaDB version, e.g. {@code images."10.11.19"=ami-…}; {@code images.default} serves a
         * version with no image of its own, and a create that names no version.
         */
        Map<String, String> images();

        /** The data volume's EBS type (gp3, io2, …). */
        @WithDefault("gp3")
        String volumeType();

        /** The data volume's size in GiB per size: {@code volume-sizes.small}, … */
        Map<String, Integer> volumeSizes();

        /** The data volume's device name. */
        @WithDefault("/dev/sdf")
        String volumeDevice();

        /** Whether the data volume is encrypted (with the account's default EBS key). */
        @WithDefault("true")
        boolean encrypted();

        /** Whether the data volume goes with its instance (false keeps it after a terminate, for manual recovery). */
        @WithDefault("true")
        boolean deleteOnTermination();

        /** The value of the ownership tag {@code marina:owner}: this platform's name. Only instances with it are touched. */
        @WithDefault("marina")
        String owner();

        /** Which address names point at: {@code private} or {@code public}. */
        @WithDefault("private")
        String addressKind();

        /** How long a create waits for the instance's address (a public address comes after launch). */
        @WithDefault("120s")
        Duration addressWait();

        /** At most this many EC2 calls per second (a token bucket); the account's API limits are shared. */
        @WithDefault("5")
        double rateLimit();

        /** How often a throttled call (RequestLimitExceeded) is retried, with backoff, before the command fails. */
        @WithDefault("5")
        int throttleRetries();

        /** The first throttling backoff; doubled on each retry, up to {@link #throttleBackoffMax()}. */
        @WithDefault("500ms")
        Duration throttleBackoff();

        /** The longest throttling backoff. */
        @WithDefault("20s")
        Duration throttleBackoffMax();

        /** DescribeInstances page size (5–1000). */
        @WithDefault("100")
        int pageSize();

        /** How often instances' EC2 states are observed (transitions become provision events). */
        @WithDefault("15s")
        Duration observeInterval();

        /**
         * The Kafka bootstrap address agents on EC2 reach the platform at (written into user data). Unset: the
         * provisioner's own.
         */
        Optional<String> brokerAddress();

        /**
         * Where an agent fetches its one-time bootstrap secret with its instance profile: an SSM parameter name,
         * {@code {instance}} replaced by the instance id. Only the name goes into user data, never the secret.
         */
        @WithDefault("/marina/bootstrap/{instance}")
        String bootstrapParameter();

        /**
         * The longest a bootstrap parameter lives: the agent deletes it once read; the observer deletes any older than
         * this (from its write, or from the instance's launch after a provisioner restart), and a destroy deletes it.
         */
        @WithDefault("15m")
        Duration bootstrapTtl();

        /** The KMS key (id, ARN or alias) bootstrap parameters are encrypted with; unset: the account's aws/ssm key. */
        Optional<String> bootstrapKmsKey();
    }
}
