package dev.marina.schemas.topics;

import com.google.protobuf.Message;
import dev.marina.schemas.v1.AgentCommand;
import dev.marina.schemas.v1.ApiTokenRecord;
import dev.marina.schemas.v1.ArchiveCoverage;
import dev.marina.schemas.v1.AutoscaleDecision;
import dev.marina.schemas.v1.AuditRecord;
import dev.marina.schemas.v1.AgentEvent;
import dev.marina.schemas.v1.BackupRecord;
import dev.marina.schemas.v1.CertCommand;
import dev.marina.schemas.v1.CertEvent;
import dev.marina.schemas.v1.DeadLetter;
import dev.marina.schemas.v1.DeploymentMetrics;
import dev.marina.schemas.v1.DeploymentStatus;
import dev.marina.schemas.v1.DnsCommand;
import dev.marina.schemas.v1.DnsEvent;
import dev.marina.schemas.v1.Heartbeat;
import dev.marina.schemas.v1.InstanceHealth;
import dev.marina.schemas.v1.Intent;
import dev.marina.schemas.v1.IntentEvent;
import dev.marina.schemas.v1.IntentRejection;
import dev.marina.schemas.v1.LeaderClaim;
import dev.marina.schemas.v1.MetricSample;
import dev.marina.schemas.v1.ProvisionCommand;
import dev.marina.schemas.v1.ProvisionEvent;
import dev.marina.schemas.v1.RoleChange;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The topic catalogue: every topic of the platform, once. Code, the topic bootstrap, tests and the
 * README's topic table all read it from here.
 *
 * <p>Every deployment-keyed topic has {@link #DEPLOYMENT_PARTITIONS} partitions so that Streams can
 * join them without repartitioning (co-partitioning needs equal counts and equal keys).
 */
public final class Topics {
    private Topics() {}

    public static final int DEPLOYMENT_PARTITIONS = 6;

    private static final Optional<Duration> FOREVER = Optional.empty();
    private static final Optional<Duration> HOUR = Optional.of(Duration.ofHours(1));
    private static final Optional<Duration> DAY = Optional.of(Duration.ofDays(1));
    private static final Optional<Duration> WEEK = Optional.of(Duration.ofDays(7));
    private static final Optional<Duration> TWO_WEEKS = Optional.of(Duration.ofDays(14));
    private static final Optional<Duration> QUARTER = Optional.of(Duration.ofDays(90));
    private static final Optional<Duration> YEAR = Optional.of(Duration.ofDays(365));

    /*
     * Record limits (max.message.bytes), sized to the payloads: a record beyond its topic's limit is
     * refused by the broker at once, so nobody can make a consumer read (or a dead letter carry) more
     * than a topic needs. Commands, events, health and dead letters (a bounded prefix and metadata,
     * under 40 KiB) are small; topics carrying certificates, CSRs and CA bundles get room for long
     * chains; a deployment's intent and status (the API takes bodies up to 256 KiB) the most.
     */
    private static final int SMALL = 64 * 1024;
    private static final int MEDIUM = 128 * 1024;
    private static final int CERTIFICATES = 256 * 1024;
    private static final int LARGE = 512 * 1024;

    public static final TopicSpec<IntentEvent> INTENT_EVENTS = deploymentEvents(
            "intent-events", IntentEvent.getDefaultInstance(), WEEK, "any",
            "requests to change desired state, from the API and other systems", LARGE);
    public static final TopicSpec<Intent> INTENTS = deploymentState(
            "intents", Intent.getDefaultInstance(), "intent-service",
            "desired state per deployment, validated, with its generation", LARGE);
    public static final TopicSpec<IntentRejection> INTENT_REJECTIONS = deploymentEvents(
            "intent-rejections", IntentRejection.getDefaultInstance(), WEEK, "intent-service",
            "refused intent events: request id, field, reason", SMALL);
    public static final TopicSpec<DeploymentStatus> DEPLOYMENT_STATUS = deploymentState(
            "deployment-status", DeploymentStatus.getDefaultInstance(), "intent-service",
            "phase, conditions, instances, endpoints per deployment", LARGE);

    public static final TopicSpec<ProvisionCommand> PROVISION_COMMANDS = deploymentEvents(
            "provision-commands", ProvisionCommand.getDefaultInstance(), WEEK, "intent-service",
            "create or destroy an instance", SMALL);
    public static final TopicSpec<ProvisionEvent> PROVISION_EVENTS = deploymentEvents(
            "provision-events", ProvisionEvent.getDefaultInstance(), WEEK, "provisioner",
            "instance created, running, restarted, destroyed, failed", SMALL);
    /** Compacted: the latest command of a deployment is its desired record sets, which dns-service re-reads on start and for its drift check. */
    public static final TopicSpec<DnsCommand> DNS_COMMANDS = deploymentState(
            "dns-commands", DnsCommand.getDefaultInstance(), "intent-service",
            "desired record sets per deployment (the latest command wins)", MEDIUM);
    /**
     * Compacted like {@code dns-commands}, but cert-service's: its ACME DNS-01 challenge records, one
     * wish per deployment and purpose ({@link DnsWishKey}, e.g. {@code acme/orders#acme-challenge}), so
     * each topic has one writer. dns-service reads both; the answers go to {@code dns-events}, keyed by
     * the deployment, with the purpose echoed (the reconciler skips answers that carry a purpose).
     */
    public static final TopicSpec<DnsCommand> DNS_CHALLENGES = new TopicSpec<>(
            "dns-challenges", TopicSpec.KeyKind.DNS_WISH, DnsCommand.getDefaultInstance(), DEPLOYMENT_PARTITIONS,
            CleanupPolicy.COMPACT, FOREVER, "cert-service",
            "ACME DNS-01 challenge TXT records per deployment (the latest wish wins); answered on dns-events with the purpose", SMALL);
    public static final TopicSpec<DnsEvent> DNS_EVENTS = deploymentEvents(
            "dns-events", DnsEvent.getDefaultInstance(), WEEK, "dns-service",
            "records applied, failed or clashing", SMALL);
    public static final TopicSpec<CertCommand> CERT_COMMANDS = deploymentEvents(
            "cert-commands", CertCommand.getDefaultInstance(), WEEK, "intent-service",
            "issue, renew or revoke a certificate (with the agent's CSR)", CERTIFICATES);
    public static final TopicSpec<CertEvent> CERT_EVENTS = deploymentEvents(
            "cert-events", CertEvent.getDefaultInstance(), WEEK, "cert-service",
            "certificate chain issued, revoked, or failed", CERTIFICATES);
    public static final TopicSpec<AgentCommand> AGENT_COMMANDS = deploymentEvents(
            "agent-commands", AgentCommand.getDefaultInstance(), WEEK, "intent-service",
            "deploy, destroy, promote, replicate, fence, install cert, back up", CERTIFICATES);
    public static final TopicSpec<AgentEvent> AGENT_EVENTS = deploymentEvents(
            "agent-events", AgentEvent.getDefaultInstance(), WEEK, "agent",
            "database ready, stopped, failed, command refused", CERTIFICATES);

    /**
     * The backup catalogue: the latest state of each backup ({@link BackupKey}), kept for deleted
     * deployments too until retention removes the backup (then an EXPIRED record stays). Compacted.
     */
    public static final TopicSpec<BackupRecord> BACKUPS = new TopicSpec<>(
            "backups", TopicSpec.KeyKind.BACKUP, BackupRecord.getDefaultInstance(), DEPLOYMENT_PARTITIONS,
            CleanupPolicy.COMPACT, FOREVER, "intent-service",
            "backup catalogue: state, times, GTID position, sizes, checksums, object keys per backup", MEDIUM);

    /**
     * What each deployment's binary-log archive covers (runs and gaps), the latest per deployment, from the archiving
     * primary's agent; point-in-time restores are checked against it at intake. Compacted; kept after a delete.
     */
    public static final TopicSpec<ArchiveCoverage> BINLOG_ARCHIVE = deploymentState(
            "binlog-archive", ArchiveCoverage.getDefaultInstance(), "intent-service",
            "binary-log archive coverage per deployment: runs of archived transactions, gaps, last upload or failure", MEDIUM);

    public static final TopicSpec<Heartbeat> HEARTBEATS = deploymentEvents(
            "heartbeats", Heartbeat.getDefaultInstance(), HOUR, "agent",
            "liveness, role, GTID position, replication state per instance", SMALL);
    public static final TopicSpec<InstanceHealth> INSTANCE_HEALTH = deploymentEvents(
            "instance-health", InstanceHealth.getDefaultInstance(), WEEK, "health-monitor",
            "instance health transitions (Up, Suspect, Down) with the time of detection", SMALL);
    public static final TopicSpec<MetricSample> METRICS = deploymentEvents(
            "metrics", MetricSample.getDefaultInstance(), DAY, "agent",
            "raw metric samples per instance", SMALL);
    public static final TopicSpec<DeploymentMetrics> DEPLOYMENT_METRICS = deploymentEvents(
            "deployment-metrics", DeploymentMetrics.getDefaultInstance(), WEEK, "health-monitor",
            "windowed metric aggregates per deployment and instance", MEDIUM);

    public static final TopicSpec<RoleChange> ROLE_CHANGES = deploymentEvents(
            "role-changes", RoleChange.getDefaultInstance(), QUARTER, "intent-service",
            "each failover and switchover: when detected and promoted, which instance, why", SMALL);

    public static final TopicSpec<AutoscaleDecision> AUTOSCALE_DECISIONS = deploymentEvents(
            "autoscale-decisions", AutoscaleDecision.getDefaultInstance(), QUARTER, "intent-service",
            "each autoscaling decision: scale out, scale in, pause, resume, with the metric and the reason", SMALL);

    /**
     * The API's tokens, by id: only the SHA-256 of each secret, never the secret. Compacted: the latest
     * record of a token (created, then perhaps revoked) is the token. One partition: a few records,
     * read whole by every intent-service instance.
     */
    public static final TopicSpec<ApiTokenRecord> API_TOKENS = new TopicSpec<>(
            "api-tokens", TopicSpec.KeyKind.TOKEN_ID, ApiTokenRecord.getDefaultInstance(), 1,
            CleanupPolicy.COMPACT, FOREVER, "intent-service",
            "API tokens: tenant, scope, SHA-256 of the secret, created and revoked (never the token)", SMALL);
    /** Every changing API call, accepted or refused, written before its answer; kept a year. */
    public static final TopicSpec<AuditRecord> AUDIT = new TopicSpec<>(
            "audit", TopicSpec.KeyKind.TENANT, AuditRecord.getDefaultInstance(), DEPLOYMENT_PARTITIONS,
            CleanupPolicy.DELETE, YEAR, "intent-service",
            "changing API calls: token id, tenant, action, target, time, request id, outcome and status", SMALL);

    /**
     * Leader election for the work that needs a single actor (docs/copies.md): each such service's copies
     * join the group {@code <service>-leader} on this topic; the copy assigned its one partition leads.
     * Nothing is written to it: the leader's claim is the metadata of that group's committed offset.
     */
    public static final TopicSpec<LeaderClaim> LEADERS = new TopicSpec<>(
            "leaders", TopicSpec.KeyKind.SERVICE, LeaderClaim.getDefaultInstance(), 1,
            CleanupPolicy.DELETE, DAY, "none",
            "leader election by group membership: the copy assigned its one partition leads (no records)", SMALL);

    public static final TopicSpec<DeadLetter> DEAD_LETTERS = new TopicSpec<>(
            "dead-letters", TopicSpec.KeyKind.ORIGINAL, DeadLetter.getDefaultInstance(),
            DEPLOYMENT_PARTITIONS, CleanupPolicy.DELETE, TWO_WEEKS, "any consumer",
            "records that could not be used, byte for byte, with the reason", SMALL);

    /** Every topic, in the order of the data flow. */
    public static final List<TopicSpec<? extends Message>> ALL = List.of(
            INTENT_EVENTS, INTENTS, INTENT_REJECTIONS, DEPLOYMENT_STATUS,
            PROVISION_COMMANDS, PROVISION_EVENTS,
            DNS_COMMANDS, DNS_CHALLENGES, DNS_EVENTS,
            CERT_COMMANDS, CERT_EVENTS,
            AGENT_COMMANDS, AGENT_EVENTS, BACKUPS, BINLOG_ARCHIVE,
            HEARTBEATS, INSTANCE_HEALTH, METRICS, DEPLOYMENT_METRICS,
            ROLE_CHANGES, AUTOSCALE_DECISIONS, API_TOKENS, AUDIT, LEADERS, DEAD_LETTERS);

    /** The catalogue entry for a topic name. */
    public static Optional<TopicSpec<? extends Message>> byName(String name) {
        return ALL.stream().filter(t -> t.name().equals(name)).findFirst();
    }

    private static <V extends Message> TopicSpec<V> deploymentEvents(
            String name, V prototype, Optional<Duration> retention, String writer, String description, int maxMessageBytes) {
        return new TopicSpec<>(name, TopicSpec.KeyKind.DEPLOYMENT, prototype, DEPLOYMENT_PARTITIONS,
                CleanupPolicy.DELETE, retention, writer, description, maxMessageBytes);
    }

    private static <V extends Message> TopicSpec<V> deploymentState(
            String name, V prototype, String writer, String description, int maxMessageBytes) {
        return new TopicSpec<>(name, TopicSpec.KeyKind.DEPLOYMENT, prototype, DEPLOYMENT_PARTITIONS,
                CleanupPolicy.COMPACT, FOREVER, writer, description, maxMessageBytes);
    }
}
