package dev.marina.healthmonitor;

import dev.marina.schemas.v1.Health;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The monitor's meters. Every label takes a bounded set of values (health names, ignore causes), never
 * a deployment or instance id: those belong in the logs.
 */
public final class HealthMetrics {

    private final MeterRegistry registry;
    private final Timer checkDuration;
    private final Counter deadLetters;
    /** Instances in each task's store at its last check; summed by the gauge. */
    private final Map<String, Integer> trackedByTask = new ConcurrentHashMap<>();

    public HealthMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.checkDuration = Timer.builder("marina.health.check.duration")
                .description("Time one wall-clock check takes to look at every instance of a task")
                .register(registry);
        this.deadLetters = Counter.builder("marina.health.dead.letters")
                .description("Heartbeats that could not be used and went to dead-letters")
                .register(registry);
        Gauge.builder("marina.health.instances", trackedByTask,
                        tasks -> tasks.values().stream().mapToInt(Integer::intValue).sum())
                .description("Instances whose health is being tracked")
                .register(registry);
    }

    public void transition(Health to) {
        Counter.builder("marina.health.transitions")
                .description("Instance health transitions, by the health reached")
                .tag("health", label(to))
                .register(registry)
                .increment();
    }

    public void ignored(Verdict.Ignored.Cause cause) {
        Counter.builder("marina.health.heartbeats.ignored")
                .description("Heartbeats ignored because they told nothing new")
                .tag("cause", cause.label())
                .register(registry)
                .increment();
    }

    public void deadLetter() {
        deadLetters.increment();
    }

    public void checked(String task, int instances, Duration took) {
        trackedByTask.put(task, instances);
        checkDuration.record(took);
    }

    public void taskClosed(String task) {
        trackedByTask.remove(task);
    }

    static String label(Health health) {
        return health.name().replaceFirst("^HEALTH_", "").toLowerCase(Locale.ROOT);
    }
}
