package dev.marina.intent.topology;

import dev.marina.intent.reconcile.PlanResult;
import dev.marina.intent.reconcile.Send;
import dev.marina.schemas.v1.DeploymentStatus;
import dev.marina.schemas.v1.Phase;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * intent-service's working metrics on {@code /q/metrics}: how long reconciliation takes, what it
 * sends, what it retries and what it gives up on, and intake's decisions. Label values come from
 * fixed sets (topics, action kinds, outcomes), never from deployment names, so they stay bounded.
 */
public final class ReconcilerMeters {

    private final MeterRegistry registry;
    private final Timer eventToPlan;
    private final Timer passDuration;
    private final Counter failedStatuses;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    public ReconcilerMeters(MeterRegistry registry) {
        this.registry = registry;
        this.eventToPlan = Timer.builder("marina.reconciler.latency")
                .description("from a worker's or the API's record (its timestamp) to the commands and status it caused")
                .publishPercentileHistogram().register(registry);
        this.passDuration = Timer.builder("marina.reconciler.pass.duration")
                .description("one planning pass of one deployment, inside the processor")
                .publishPercentileHistogram().register(registry);
        this.failedStatuses = Counter.builder("marina.reconciler.failed.statuses")
                .description("statuses published with phase Failed (an action exhausted its attempts)").register(registry);
    }

    /** A planning pass caused by a record with this age, or by the resync (age null). */
    void passed(PlanResult result, Duration passTime, Duration recordAge) {
        passDuration.record(passTime);
        if (recordAge != null && !recordAge.isNegative()) {
            eventToPlan.record(recordAge);
        }
        for (Send<?> send : result.sends()) {
            counter("marina.reconciler.commands", "topic", send.topic().name()).increment();
        }
        result.status().map(DeploymentStatus::getPhase).filter(p -> p == Phase.PHASE_FAILED)
                .ifPresent(p -> failedStatuses.increment());
    }

    /** A command sent again because its effect was not observed in time. */
    void retried(String actionKind) {
        counter("marina.reconciler.retries", "action", actionKind).increment();
    }

    void deadLetter(String processor) {
        counter("marina.dead.letters", "processor", processor).increment();
    }

    void intake(String outcome) {
        counter("marina.intake.decisions", "outcome", outcome).increment();
    }

    private Counter counter(String name, String tag, String value) {
        return counters.computeIfAbsent(name + "|" + value, k -> Counter.builder(name).tag(tag, value).register(registry));
    }
}
