package dev.marina.intent.reconcile;

/** Condition types and reason codes, as users read them in a deployment's status. */
public final class Reasons {
    private Reasons() {}

    // condition types
    public static final String INSTANCE_PROVISIONED = "InstanceProvisioned";
    public static final String DATABASE_READY = "DatabaseReady";
    public static final String HEALTHY = "Healthy";
    public static final String REPLICAS_READY = "ReplicasReady";
    public static final String DNS_READY = "DnsReady";
    public static final String TLS_READY = "TlsReady";
    public static final String WRITABLE = "Writable";
    /**
     * Present when the deployment has backups (scheduled, or any taken). Informational: it does not change
     * the phase (the database serves either way), ops watch it on its own.
     */
    public static final String BACKUPS_HEALTHY = "BackupsHealthy";
    /**
     * Present for a DURABILITY_SEMI_SYNC deployment that wants replicas, once its writable primary reported how its
     * commits wait: true while a semi-sync replica acknowledges them. False degrades the phase: while the primary
     * waits with no replica connected, commits block.
     */
    public static final String DURABLE = "Durable";
    /**
     * Present while a change of the servers' config (version, size, parameters) is rolled out, or halted: false, with
     * "Updating: 2 of 3 on 10.11.19" and where the roll is. While it rolls the phase is Updating, never Ready.
     */
    public static final String CONFIG_APPLIED = "ConfigApplied";
    /** Present only when an action went unanswered too often (then the phase is Failed). */
    public static final String PROGRESSING = "Progressing";

    // reasons
    public static final String REQUESTED = "Requested";
    public static final String CREATING = "Creating";
    public static final String ACCEPTS_WRITES = "AcceptsWrites";
    public static final String READ_ONLY = "ReadOnly";
    public static final String RUNNING = "Running";
    public static final String RESTARTING = "Restarting";
    public static final String PROVISIONING_FAILED = "ProvisioningFailed";
    public static final String STARTING = "Starting";
    public static final String WAITING_FOR_INSTANCE = "WaitingForInstance";
    public static final String DATABASE_FAILED = "DatabaseFailed";
    public static final String HEARTBEATS_FRESH = "HeartbeatsFresh";
    public static final String NO_HEALTH_REPORT = "NoHealthReportYet";
    public static final String SUSPECT = "Suspect";
    public static final String DOWN = "Down";
    /** The primary's server is stopped on purpose (the deployment is paused); not a failure. */
    public static final String PAUSED = "Paused";
    public static final String RETRIES_EXHAUSTED = "RetriesExhausted";
    public static final String WAITING_FOR_ADDRESS = "WaitingForAddress";
    public static final String NAMES_ANSWER = "NamesAnswer";
    public static final String NAME_CLASH = "NameClash";
    public static final String DNS_FAILED = "DnsFailed";
    public static final String UPDATING = "Updating";
    public static final String NO_DNS_NAMES = "NoDnsNames";
    public static final String ISSUING = "Issuing";
    public static final String ISSUE_FAILED = "IssueFailed";
    public static final String RENEWING = "Renewing";
    public static final String RENEWAL_FAILING = "RenewalFailing";
    public static final String CERTIFICATES_VALID = "CertificatesValid";
    public static final String REPLICATING = "Replicating";
    public static final String CATCHING_UP = "CatchingUp";
    public static final String WAITING_FOR_PRIMARY = "WaitingForPrimary";
    public static final String FAILING_OVER = "FailingOver";
    public static final String SWITCHING_OVER = "SwitchingOver";
    public static final String NO_BACKUP_YET = "NoBackupYet";
    public static final String BACKUP_RUNNING = "BackingUp";
    public static final String BACKUP_RETRYING = "Retrying";
    public static final String BACKUP_FAILING = "BackupFailing";
    public static final String BACKUP_TAKEN = "BackupTaken";
    public static final String BAD_SCHEDULE = "BadSchedule";
    /** BackupsHealthy false: the primary's binary logs fail to upload (the last failure is newer than the last upload). */
    public static final String ARCHIVE_FAILING = "ArchiveFailing";
    /** BackupsHealthy false: the archive misses transactions after the oldest complete backup. */
    public static final String ARCHIVE_GAP = "ArchiveGap";
    public static final String REPLICA_ACKNOWLEDGES = "ReplicaAcknowledges";
    public static final String WAITING_FOR_REPLICA = "WaitingForReplica";
    public static final String NOT_YET_LOSSLESS = "NotYetLossless";
    public static final String FELL_BACK = "FellBack";
    /** ConfigApplied false: the roll waits for the maintenance window. */
    public static final String WAITING_FOR_WINDOW = "WaitingForWindow";
    /** ConfigApplied false: a step failed; nothing more is restarted until the spec changes again. */
    public static final String ROLL_HALTED = "RollHalted";
}
