package dev.marina.intent.reconcile;

import dev.marina.intent.config.PlanSettingsFromConfig;
import java.time.Duration;

/**
 * How long the reconciler waits for each kind of effect before sending its command again, and when
 * it gives up on an agent that does not answer.
 *
 * @param provisionTimeout    CREATE → RUNNING (an agent process starting)
 * @param deployTimeout       DEPLOY → DATABASE_READY (a database starting; the first one also builds a template)
 * @param destroyTimeout      DESTROY → DESTROYED or DATABASE_STOPPED
 * @param maxBackoff          ceiling of the doubling retry interval
 * @param agentDestroyTries   DESTROYs sent to an agent before the provisioner removes the instance regardless
 * @param failedAfterAttempts attempts after which the deployment shows phase Failed (retries go on, slower)
 * @param dns                 the deployments' DNS names, or {@link DnsSettings#OFF}
 * @param tls                 certificate requests and renewals
 * @param ha                  replicas, failover and switchover
 * @param backups             backup attempts and retries
 * @param roll                changes rolled out to running servers (drain, UPDATE's answer, catching up)
 * @param autoscale           read-replica autoscaling: sustained windows, default cooldowns
 */
public record PlanSettings(
        Duration provisionTimeout,
        Duration deployTimeout,
        Duration destroyTimeout,
        Duration maxBackoff,
        int agentDestroyTries,
        int failedAfterAttempts,
        DnsSettings dns,
        TlsSettings tls,
        HaSettings ha,
        BackupSettings backups,
        RollSettings roll,
        AutoscaleSettings autoscale) {

    /** The defaults, without DNS names: the ones declared in {@code dev.marina.intent.config.ReconcilerConfig}. */
    public static PlanSettings defaults() {
        PlanSettingsFromConfig.DeclaredDefaults declared = PlanSettingsFromConfig.declaredDefaults();
        return PlanSettingsFromConfig.plan(declared.reconciler(), declared.dns(), declared.autoscaling());
    }

    public PlanSettings withDns(DnsSettings dns) {
        return new PlanSettings(provisionTimeout, deployTimeout, destroyTimeout, maxBackoff, agentDestroyTries,
                failedAfterAttempts, dns, tls, ha, backups, roll, autoscale);
    }

    public PlanSettings withHa(HaSettings ha) {
        return new PlanSettings(provisionTimeout, deployTimeout, destroyTimeout, maxBackoff, agentDestroyTries,
                failedAfterAttempts, dns, tls, ha, backups, roll, autoscale);
    }

    /**
     * @param agentTimeout PROMOTE, REPLICATE or FENCE → the agent's answer, before the command is sent again
     * @param minSilence   a Down primary is failed over only when its last heartbeat is at least this old;
     *                     it must exceed the agents' lease ({@code marina.platform.primary-lease}, checked at
     *                     startup), after which a primary cut off from Kafka is read-only on its own
     * @param replaceAfter a replica Down this long is replaced by a new one
     */
    public record HaSettings(Duration agentTimeout, Duration minSilence, Duration replaceAfter) {
        public static final HaSettings DEFAULTS = PlanSettingsFromConfig.ha(PlanSettingsFromConfig.declaredDefaults().reconciler());
    }

    public PlanSettings withBackups(BackupSettings backups) {
        return new PlanSettings(provisionTimeout, deployTimeout, destroyTimeout, maxBackoff, agentDestroyTries,
                failedAfterAttempts, dns, tls, ha, backups, roll, autoscale);
    }

    /**
     * @param timeout      BACKUP → the agent's answer, before the command is sent again (the same id: an agent
     *                     still at it goes on; one that lost it starts again)
     * @param failureRetry first wait after a failed attempt; doubles per failure up to maxBackoff
     * @param attempts     attempts at one backup before it is recorded FAILED
     */
    public record BackupSettings(Duration timeout, Duration failureRetry, int attempts) {
        public static final BackupSettings DEFAULTS = PlanSettingsFromConfig.backups(PlanSettingsFromConfig.declaredDefaults().reconciler());
    }

    public PlanSettings withRoll(RollSettings roll) {
        return new PlanSettings(provisionTimeout, deployTimeout, destroyTimeout, maxBackoff, agentDestroyTries,
                failedAfterAttempts, dns, tls, ha, backups, roll, autoscale);
    }

    /**
     * @param drainTimeout  how long an instance waits for its open transactions before a restart (sent with UPDATE)
     * @param updateTimeout UPDATE → the agent's answer; no answer by then halts the roll
     * @param maxLag        a restarted replica has caught up once its replication lag is at most this
     */
    public record RollSettings(Duration drainTimeout, Duration updateTimeout, Duration maxLag) {
        public static final RollSettings DEFAULTS = PlanSettingsFromConfig.roll(PlanSettingsFromConfig.declaredDefaults().reconciler());
    }

    public PlanSettings withAutoscale(AutoscaleSettings autoscale) {
        return new PlanSettings(provisionTimeout, deployTimeout, destroyTimeout, maxBackoff, agentDestroyTries,
                failedAfterAttempts, dns, tls, ha, backups, roll, autoscale);
    }

    /**
     * @param scaleOutAfter    the readers' average above the target this long → scale out
     * @param scaleInAfter     below it this long → scale in (one added reader at a time)
     * @param scaleOutCooldown after a scale-out, no other one this long (the spec may override)
     * @param scaleInCooldown  after a scale-in or a scale-out, no scale-in this long (the spec may override)
     * @param metricsMaxAge    an instance's metric older than this does not count
     */
    public record AutoscaleSettings(Duration scaleOutAfter, Duration scaleInAfter, Duration scaleOutCooldown,
            Duration scaleInCooldown, Duration metricsMaxAge) {
        public static final AutoscaleSettings DEFAULTS = PlanSettingsFromConfig.autoscale(PlanSettingsFromConfig.declaredDefaults().autoscaling());
    }

    public PlanSettings withTls(TlsSettings tls) {
        return new PlanSettings(provisionTimeout, deployTimeout, destroyTimeout, maxBackoff, agentDestroyTries,
                failedAfterAttempts, dns, tls, ha, backups, roll, autoscale);
    }

    /**
     * @param agentTimeout  MAKE_CSR or INSTALL_CERT → the agent's answer, before the command is sent again
     * @param issueTimeout  ISSUE/RENEW/REVOKE → cert-service's answer (an ACME order takes a few seconds)
     * @param failureRetry  first wait after a failed issuance; it doubles per failure up to maxBackoff
     * @param renewAt       the share of a certificate's lifetime after which it is renewed (cert-manager: 2/3)
     * @param jitter        renewals spread over this share of the lifetime before {@code renewAt}, so
     *                      certificates issued together are not all renewed in the same second
     * @param revokeTries   REVOKEs sent before a deleted deployment is purged regardless
     */
    public record TlsSettings(Duration agentTimeout, Duration issueTimeout, Duration failureRetry, double renewAt,
            double jitter, int revokeTries) {
        public static final TlsSettings DEFAULTS = PlanSettingsFromConfig.tls(PlanSettingsFromConfig.declaredDefaults().reconciler());

        public TlsSettings {
            if (renewAt <= 0 || renewAt >= 1 || jitter < 0 || jitter >= renewAt) {
                throw new IllegalArgumentException("renewAt must lie in (0, 1) and jitter in [0, renewAt)");
            }
        }
    }

    /**
     * @param zone    the platform's zone, e.g. {@code marina.test}; empty: deployments get no names
     * @param ttl     TTL of every record (short: a failover moves the writer name)
     * @param timeout command → APPLIED, before the command is sent again
     */
    public record DnsSettings(String zone, Duration ttl, Duration timeout) {
        public static final DnsSettings OFF = PlanSettingsFromConfig.dns(PlanSettingsFromConfig.declaredDefaults().reconciler(),
                PlanSettingsFromConfig.declaredDefaults().dns());

        public DnsSettings {
            zone = zone.endsWith(".") ? zone.substring(0, zone.length() - 1) : zone;
        }

        public boolean enabled() {
            return !zone.isEmpty();
        }
    }
}
