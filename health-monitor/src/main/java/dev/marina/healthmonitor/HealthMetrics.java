package dev.marina.healthmonitor;

import dev.marina.schemas.v1.Health;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The monitor's meters. Every label takes a bounded set of values (health names, ignore causes, window
 * sizes, dead-letter reasons), never a deployment or instance id: those belong in the logs. (The
 * per-deployment fleet gauges are apart, in {@code metrics.FleetGauges}, with their labels capped.)
 */
public final class HealthMetrics {

    private final MeterRegistry registry;
    private final Timer checkDuration;
    private final Counter deadLetters;
    /** Instances in each task's store at its last check; summed by the gauge. */
    private final Map<String, Integer> trackedByTask = new ConcurrentHashMap<>();
    /** How far behind its heartbeats each task reads (ms); the gauge shows the worst. */
    private final Map<String, Long> behindByTask = new ConcurrentHashMap<>();
    private final Counter samplesAggregated;
    private final Timer aggregationLatency;
    private final Map<Health, Timer> detectionLatency = new EnumMap<>(Health.class);

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
        Gauge.builder("marina.health.behind", behindByTask,
                        tasks -> tasks.values().stream().mapToLong(Long::longValue).max().orElse(0) / 1000.0)
                .description("How far behind its heartbeats the monitor reads (seconds, worst task); silence is judged as of there")
                .baseUnit("seconds")
                .register(registry);
        this.samplesAggregated = Counter.builder("marina.health.metrics.samples")
                .description("Metric samples aggregated (in at least one window)")
                .register(registry);
        this.aggregationLatency = Timer.builder("marina.health.metrics.aggregation.latency")
                .description("From a sample's sampled_at to its aggregates being emitted")
                .serviceLevelObjectives(Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
                        Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
                        Duration.ofSeconds(10), Duration.ofSeconds(30))
                .register(registry);
        for (Health health : new Health[] {Health.HEALTH_UP, Health.HEALTH_SUSPECT, Health.HEALTH_DOWN, Health.HEALTH_PAUSED}) {
            detectionLatency.put(health, Timer.builder("marina.health.detection.latency")
                    .description("From an instance's last heartbeat (sent_at) to its health transition being emitted")
                    .tag("health", label(health))
                    .serviceLevelObjectives(Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
                            Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(6),
                            Duration.ofMillis(7500), Duration.ofSeconds(10), Duration.ofSeconds(30))
                    .register(registry));
        }
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

    /** A transition was emitted, {@code sinceLastHeartbeat} after the instance's newest heartbeat was sent. */
    public void detected(Health to, Duration sinceLastHeartbeat) {
        Timer timer = detectionLatency.get(to);
        if (timer != null && !sinceLastHeartbeat.isNegative()) {
            timer.record(sinceLastHeartbeat);
        }
    }

    /** A sample was aggregated and its aggregates emitted, {@code latency} after it was taken. */
    public void sampleAggregated(Duration latency) {
        samplesAggregated.increment();
        if (!latency.isNegative()) {
            aggregationLatency.record(latency);
        }
    }

    /** A sample came after its window of this size closed (stream time past end + grace): dropped there. */
    public void lateSample(String window) {
        Counter.builder("marina.health.metrics.late.samples")
                .description("Samples dropped from a window because they came later than its end plus the grace period")
                .tag("window", window)
                .register(registry)
                .increment();
    }

    /** A proven sample whose instance its deployment's status does not list (yet, or any more): dropped. */
    public void unlistedSample(String reason) {
        Counter.builder("marina.health.metrics.unlisted.samples")
                .description("Proven samples dropped because the deployment's status did not list the instance (not read yet, or removed)")
                .tag("reason", reason)
                .register(registry)
                .increment();
    }

    /** A record of the metrics sub-topology went to dead-letters. */
    public void metricsDeadLetter(String topic, String reason) {
        Counter.builder("marina.health.metrics.dead.letters")
                .description("Samples and statuses that could not be used and went to dead-letters, by topic and reason")
                .tag("topic", topic)
                .tag("reason", reason)
                .register(registry)
                .increment();
    }

    public void checked(String task, int instances, Duration took) {
        trackedByTask.put(task, instances);
        checkDuration.record(took);
    }

    public void behind(String task, long millis) {
        behindByTask.put(task, millis);
    }

    public void taskClosed(String task) {
        trackedByTask.remove(task);
        behindByTask.remove(task);
    }

    static String label(Health health) {
        return health.name().replaceFirst("^HEALTH_", "").toLowerCase(Locale.ROOT);
    }
}
