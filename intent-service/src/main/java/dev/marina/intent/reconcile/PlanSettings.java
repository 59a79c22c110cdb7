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
 */
public record PlanSettings(
        Duration provisionTimeout,
        Duration deployTimeout,
        Duration destroyTimeout,
        Duration maxBackoff,
        int agentDestroyTries,
        int failedAfterAttempts) {

    public static PlanSettings defaults() {
        return new PlanSettings(Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(20),
                Duration.ofMinutes(5), 2, 5);
    }
}
