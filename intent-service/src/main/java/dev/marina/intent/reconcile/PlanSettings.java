package dev.marina.intent.reconcile;

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
 */
public record PlanSettings(
        Duration provisionTimeout,
        Duration deployTimeout,
        Duration destroyTimeout,
        Duration maxBackoff,
        int agentDestroyTries,
        int failedAfterAttempts,
        DnsSettings dns) {

    /** The defaults, without DNS names. */
    public static PlanSettings defaults() {
        return new PlanSettings(Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(20),
                Duration.ofMinutes(5), 2, 5, DnsSettings.OFF);
    }

    public PlanSettings withDns(DnsSettings dns) {
        return new PlanSettings(provisionTimeout, deployTimeout, destroyTimeout, maxBackoff, agentDestroyTries,
                failedAfterAttempts, dns);
    }

    /**
     * @param zone    the platform's zone, e.g. {@code marina.test}; empty: deployments get no names
     * @param ttl     TTL of every record (short: a failover moves the writer name)
     * @param timeout command → APPLIED, before the command is sent again
     */
    public record DnsSettings(String zone, Duration ttl, Duration timeout) {
        public static final DnsSettings OFF = new DnsSettings("", Duration.ofSeconds(5), Duration.ofSeconds(10));

        public DnsSettings {
            zone = zone.endsWith(".") ? zone.substring(0, zone.length() - 1) : zone;
        }

        public boolean enabled() {
            return !zone.isEmpty();
        }
    }
}
