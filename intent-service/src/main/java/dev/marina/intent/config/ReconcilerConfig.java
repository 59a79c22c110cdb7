package dev.marina.intent.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/**
 * The reconciler's settings, {@code marina.reconciler.*}: how often it re-plans, how long it waits for
 * each effect before sending a command again, when it gives up. Declared once, here: the running service
 * reads them through Quarkus, and {@code PlanSettings.defaults()} (the unit tests' settings) from these
 * defaults. Durations take Quarkus' forms: {@code 1200ms}, {@code 5s}, {@code 5m} or ISO-8601 ({@code PT5S}).
 */
@ConfigMapping(prefix = "marina.reconciler")
public interface ReconcilerConfig {

    /** Period of the wall-clock re-planning of deployments with a due action (a duration). */
    @WithDefault("1s")
    Duration resyncInterval();

    /** Wait for CREATE → RUNNING (an agent process starting) before sending CREATE again (a duration). */
    @WithDefault("30s")
    Duration provisionTimeout();

    /** Wait for DEPLOY → DATABASE_READY (the first database on a host also builds a template) before sending DEPLOY again (a duration). */
    @WithDefault("60s")
    Duration deployTimeout();

    /** Wait for DESTROY → DESTROYED or DATABASE_STOPPED before sending DESTROY again (a duration). */
    @WithDefault("20s")
    Duration destroyTimeout();

    /** Ceiling of the retry interval, which doubles per unanswered command (a duration). */
    @WithDefault("5m")
    Duration maxBackoff();

    /** DESTROYs sent to an agent that does not answer before the provisioner removes its instance regardless (a count). */
    @WithDefault("2")
    int agentDestroyTries();

    /** Unanswered attempts of one step after which the deployment shows phase Failed; retries go on, slower (a count). */
    @WithDefault("5")
    int failedAfterAttempts();

    /** Wait for a dns-commands record → APPLIED before sending it again (a duration). */
    @WithDefault("10s")
    Duration dnsTimeout();

    /** Wait for the agent's answer to MAKE_CSR or INSTALL_CERT before sending it again (a duration). */
    @WithDefault("15s")
    Duration certAgentTimeout();

    /** Wait for cert-service's answer to ISSUE, RENEW or REVOKE (an ACME order takes seconds) before asking again (a duration). */
    @WithDefault("60s")
    Duration certIssueTimeout();

    /** First wait after a failed issuance; it doubles per failure up to max-backoff (a duration). */
    @WithDefault("5s")
    Duration certFailureRetry();

    /** Share of a certificate's lifetime after which it is renewed, in (0, 1) (cert-manager's default: 2/3). */
    @WithDefault("0.6667")
    double certRenewAt();

    /** Renewals spread over this share of the lifetime before cert-renew-at, so certificates issued together are not renewed together, in [0, cert-renew-at). */
    @WithDefault("0.05")
    double certRenewJitter();

    /** REVOKEs sent before a deleted deployment is purged regardless (a count). */
    @WithDefault("3")
    int certRevokeTries();

    /** Wait for the agent's answer to PROMOTE, REPLICATE or FENCE before sending it again (a duration). */
    @WithDefault("10s")
    Duration haAgentTimeout();

    /** A Down primary is failed over only once its last heartbeat is this old; must be longer than the agents' lease, marina.platform.primary-lease (checked at startup; a duration). */
    @WithDefault("1200ms")
    Duration failoverMinSilence();

    /** A replica Down this long is replaced by a new one (a duration). */
    @WithDefault("60s")
    Duration replaceDownReplicaAfter();

    /** Wait for the agent's answer to BACKUP before asking again (a backup of a large database takes a while). */
    @WithDefault("30m")
    Duration backupTimeout();

    /** First wait after a failed backup; it doubles per failure up to max-backoff. */
    @WithDefault("30s")
    Duration backupFailureRetry();

    /** Attempts at one backup before it is recorded failed (the next scheduled one starts afresh). */
    @WithDefault("4")
    int backupAttempts();

    /** How long an instance being restarted by a roll waits for its open transactions before it stops (a duration; sent with UPDATE), and a reader removed by a scale-in for its client connections to go before it is retired. */
    @WithDefault("30s")
    Duration drainTimeout();

    /** How long a roll waits for an instance's answer to UPDATE (drain, restart, start on the new build) before it halts. */
    @WithDefault("10m")
    Duration updateTimeout();

    /** A replica restarted by a roll counts as caught up, and the roll goes on, once its replication lag is at most this. */
    @WithDefault("2s")
    Duration rollMaxLag();
}
