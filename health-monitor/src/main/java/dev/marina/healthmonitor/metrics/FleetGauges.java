package dev.marina.healthmonitor.metrics;

import dev.marina.schemas.metrics.MetricNames;
import dev.marina.schemas.v1.DeploymentMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Per-deployment gauges for Prometheus, the only meters of this service labelled with a deployment.
 * Their cardinality is bounded by {@link DeploymentLabels}: at most {@code max-deployment-labels}
 * deployments get a {@code deployment} label; the others are counted in
 * {@code marina_metrics_labels_refused_total} and said once in the log.
 *
 * <ul>
 *   <li>{@code marina_deployment_instances{deployment,health}}: the deployment's instances by health
 *       (up, suspect, down, paused), from its latest status; shown while the deployment has a status.</li>
 *   <li>{@code marina_deployment_queries_per_second{deployment}}, {@code marina_deployment_connections{deployment}},
 *       and the clients' share of them, {@code marina_deployment_client_queries_per_second{deployment}} and
 *       {@code marina_deployment_client_connections{deployment}} (what autoscaling and pausing read):
 *       {@code gauges_avg} of the deployment-wide aggregate of the newest 10 s window. Removed when no
 *       sample of the deployment has been aggregated for {@code gauges-expire-after}: a stale figure
 *       would look live. A figure that no instance sent in a newer window (every server paused: the agents
 *       report their host, not a database) is removed at once, for the same reason.</li>
 * </ul>
 *
 * A deployment's label is released, and all its gauges removed, when it is deleted (its status is
 * tombstoned or DELETED) or when its Streams task leaves this monitor. Called from stream threads
 * and read by scrapes, so every method locks.
 */
public final class FleetGauges {

    private static final Logger LOG = Logger.getLogger(FleetGauges.class);

    /** The deployment-wide figures shown, by the name in {@code gauges_avg}, with the gauge's name. */
    static final Map<String, String> VALUE_GAUGES = valueGauges();

    private final MeterRegistry registry;
    private final DeploymentLabels labels;
    private final Duration expireAfter;
    private final Counter refused;
    private final Map<String, Shown> shown = new HashMap<>();

    public FleetGauges(MeterRegistry registry, int maxLabels, Duration expireAfter) {
        this.registry = registry;
        this.labels = new DeploymentLabels(maxLabels);
        this.expireAfter = expireAfter;
        this.refused = Counter.builder("marina.metrics.labels.refused")
                .description("Deployments refused a deployment label because max-deployment-labels were in use")
                .register(registry);
        Gauge.builder("marina.metrics.labelled.deployments", this, FleetGauges::labelledCount)
                .description("Deployments that have fleet gauges (a deployment label)")
                .strongReference(true)
                .register(registry);
    }

    /** The deployment's latest roster: shown as instances by health. */
    public synchronized void roster(String deployment, Roster roster) {
        Shown entry = admit(deployment);
        if (entry != null) {
            entry.showInstances(roster);
        }
    }

    /**
     * A deployment-wide 10 s aggregate was emitted. An older window than the one shown (a late sample)
     * does not replace it.
     */
    public synchronized void window(String deployment, Roster roster, Instant windowStart, DeploymentMetrics aggregate,
            Instant now) {
        Shown entry = admit(deployment);
        if (entry == null) {
            return;
        }
        entry.showInstances(roster);
        if (entry.windowStart != null && windowStart.isBefore(entry.windowStart)) {
            return;
        }
        boolean newerWindow = entry.windowStart == null || windowStart.isAfter(entry.windowStart);
        entry.windowStart = windowStart;
        entry.valuesAt = now;
        VALUE_GAUGES.forEach((name, gaugeName) -> {
            Double value = aggregate.getGaugesAvgMap().get(name);
            if (value != null) {
                entry.value(gaugeName).set(value);
            } else if (newerWindow) {
                entry.removeValue(gaugeName);
            }
        });
    }

    /** The deployment is gone from here (deleted, or its task moved): its label is free, its gauges go. */
    public synchronized void release(String deployment) {
        labels.release(deployment);
        Shown entry = shown.remove(deployment);
        if (entry != null) {
            entry.removeAll();
        }
    }

    /** Removes the value gauges of deployments with no aggregate for {@code gauges-expire-after}. */
    public synchronized void expire(Instant now) {
        for (Map.Entry<String, Shown> entry : shown.entrySet()) {
            Shown s = entry.getValue();
            if (s.valuesAt != null && !now.isBefore(s.valuesAt.plus(expireAfter))) {
                s.removeValues();
                LOG.debugf("deployment gauges expired deployment=%s last_aggregate_at=%s", entry.getKey(), s.valuesAt);
                s.valuesAt = null;
                s.windowStart = null;
            }
        }
    }

    public synchronized int labelledCount() {
        return labels.labelledCount();
    }

    private Shown admit(String deployment) {
        DeploymentLabels.Admission admission = labels.admit(deployment);
        switch (admission) {
            case HELD -> {
                return shown.get(deployment);
            }
            case ADMITTED -> {
                Shown entry = new Shown(deployment);
                shown.put(deployment, entry);
                return entry;
            }
            case REFUSED_FIRST -> {
                refused.increment();
                LOG.warnf("deployment labels used up: further deployments get no fleet gauges until one is released"
                        + " deployment=%s max_deployment_labels=%d", deployment, labels.max());
                return null;
            }
            case REFUSED -> {
                refused.increment();
                return null;
            }
            default -> {
                return null;
            }
        }
    }

    private static Map<String, String> valueGauges() {
        Map<String, String> gauges = new LinkedHashMap<>();
        gauges.put(MetricNames.QUERIES_PER_SECOND, "marina.deployment.queries.per.second");
        gauges.put(MetricNames.CONNECTIONS, "marina.deployment.connections");
        gauges.put(MetricNames.CLIENT_QUERIES_PER_SECOND, "marina.deployment.client.queries.per.second");
        gauges.put(MetricNames.CLIENT_CONNECTIONS, "marina.deployment.client.connections");
        return gauges;
    }

    /** A value a gauge reads; written by stream threads, read by scrapes. */
    static final class Value {
        private volatile double value;

        void set(double v) {
            value = v;
        }

        double get() {
            return value;
        }
    }

    /** The gauges of one labelled deployment. */
    private final class Shown {
        private final String deployment;
        private final Value up = new Value();
        private final Value suspect = new Value();
        private final Value down = new Value();
        private final Value paused = new Value();
        private final List<Gauge> instanceGauges = new ArrayList<>();
        private final Map<String, Value> values = new HashMap<>();
        private final Map<String, Gauge> valueGauges = new HashMap<>();
        private Instant windowStart;
        private Instant valuesAt;

        Shown(String deployment) {
            this.deployment = deployment;
        }

        void showInstances(Roster roster) {
            if (instanceGauges.isEmpty()) {
                instanceGauges.add(instances("up", up));
                instanceGauges.add(instances("suspect", suspect));
                instanceGauges.add(instances("down", down));
                instanceGauges.add(instances("paused", paused));
            }
            up.set(roster.up());
            suspect.set(roster.suspect());
            down.set(roster.down());
            paused.set(roster.paused());
        }

        private Gauge instances(String health, Value value) {
            return Gauge.builder("marina.deployment.instances", value, Value::get)
                    .description("A deployment's instances by health, from its status")
                    .tag("deployment", deployment)
                    .tag("health", health)
                    .strongReference(true)
                    .register(registry);
        }

        Value value(String gaugeName) {
            return values.computeIfAbsent(gaugeName, name -> {
                Value value = new Value();
                valueGauges.put(name, Gauge.builder(name, value, Value::get)
                        .description("Deployment-wide average over the newest 10 s window (sum over instances)")
                        .tag("deployment", deployment)
                        .strongReference(true)
                        .register(registry));
                return value;
            });
        }

        void removeValue(String gaugeName) {
            Gauge gauge = valueGauges.remove(gaugeName);
            if (gauge != null) {
                registry.remove(gauge);
            }
            values.remove(gaugeName);
        }

        void removeValues() {
            valueGauges.values().forEach(registry::remove);
            valueGauges.clear();
            values.clear();
        }

        void removeAll() {
            removeValues();
            instanceGauges.forEach(registry::remove);
            instanceGauges.clear();
        }
    }
}
