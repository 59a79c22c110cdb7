package dev.marina.healthmonitor.dashboard;

import dev.marina.schemas.metrics.MetricNames;
import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.v1.DeploymentRef;
import dev.marina.schemas.v1.DeploymentStatus;
import dev.marina.schemas.v1.Health;
import dev.marina.schemas.v1.InstanceHealth;
import dev.marina.schemas.v1.InstanceStatus;
import dev.marina.schemas.v1.MetricSample;
import dev.marina.schemas.v1.Phase;
import dev.marina.schemas.v1.Role;
import dev.marina.service.Timestamps;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What the dashboard shows, folded from three topics: each deployment's latest status
 * ({@code deployment-status}; a tombstone removes it), its instances' health transitions
 * ({@code instance-health}) and their metric samples ({@code metrics}). Every change returns the
 * events a live page needs; snapshots answer the API. Memory is bounded by {@link DashboardSettings}:
 * deployments, instances per deployment, charted instances fleet-wide, points per instance (and
 * their age), transitions kept.
 *
 * <p>No I/O and no clock: the caller passes the time. Methods are synchronized: one thread folds
 * records in, HTTP threads read snapshots.
 */
public final class FleetView {

    /** The gauges drawn as charts, in the order the page shows them. */
    public static final List<String> CHARTED = List.of(MetricNames.QUERIES_PER_SECOND, MetricNames.CONNECTIONS,
            MetricNames.CPU_PERCENT, MetricNames.MEMORY_BYTES);

    private final DashboardSettings settings;
    private final Map<String, Tracked> deployments = new HashMap<>();
    private final ArrayDeque<Views.Transition> fleetTransitions = new ArrayDeque<>();
    private int seriesCount;
    private long evicted;
    private long ignoredSamples;

    public FleetView(DashboardSettings settings) {
        this.settings = settings;
    }

    /** A {@code deployment-status} record: the deployment's latest status, or its removal ({@code status} null). */
    public synchronized List<Views.Event> status(String key, DeploymentStatus status, Instant now) {
        List<Views.Event> events = new ArrayList<>();
        if (status == null) {
            Tracked t = deployments.remove(key);
            if (t != null) {
                seriesCount -= t.series.size();
                if (t.visible()) {
                    events.add(Views.Event.removed(key));
                }
            }
            return events;
        }
        Tracked t = tracked(key, now, events);
        t.status = status;
        events.add(Views.Event.deployment(summarize(t, now, true)));
        return events;
    }

    /** An {@code instance-health} record: one instance's health changed. */
    public synchronized List<Views.Event> health(String key, InstanceHealth health, Instant now) {
        List<Views.Event> events = new ArrayList<>();
        String instance = health.getInstanceId();
        if (instance.isEmpty()) {
            return events;
        }
        Tracked t = tracked(key, now, events);
        if (!t.health.containsKey(instance) && t.health.size() >= settings.maxInstances()) {
            t.health.entrySet().stream().min(Comparator.comparing(e -> detectedAt(e.getValue())))
                    .ifPresent(oldest -> t.health.remove(oldest.getKey()));
        }
        t.health.put(instance, health);
        Views.Transition transition = transition(key, health);
        remember(t.transitions, transition, settings.transitionsPerDeployment());
        remember(fleetTransitions, transition, settings.transitionsFleet());
        events.add(Views.Event.transition(key, transition));
        if (t.visible()) {
            events.add(Views.Event.deployment(summarize(t, now, true)));
        }
        return events;
    }

    /**
     * A {@code metrics} record: the latest gauges of the instance and a new point of its charts. A sample
     * older than the chart window, or not newer than the instance's newest, changes nothing.
     */
    public synchronized List<Views.Event> metric(String key, MetricSample sample, Instant recordTime, Instant now) {
        List<Views.Event> events = new ArrayList<>();
        String instance = sample.getInstanceId();
        long at = (sample.hasSampledAt() ? Timestamps.toInstant(sample.getSampledAt()) : recordTime).toEpochMilli();
        long oldest = now.minus(settings.chartWindow()).toEpochMilli();
        if (instance.isEmpty() || at < oldest) {
            ignoredSamples++;
            return events;
        }
        Tracked t = tracked(key, now, events);
        InstanceSeries series = t.series.get(instance);
        if (series == null) {
            series = newSeries(t, instance, key);
        }
        double[] point = new double[CHARTED.size()];
        for (int g = 0; g < point.length; g++) {
            point[g] = sample.getGaugesMap().getOrDefault(CHARTED.get(g), Double.NaN);
        }
        if (!series.ring.add(at, point)) {
            ignoredSamples++;
            return events;
        }
        series.ring.dropBefore(oldest);
        series.latest = new TreeMap<>(sample.getGaugesMap());
        series.sampledAt = at;
        Map<String, Double> values = new LinkedHashMap<>();
        for (int g = 0; g < point.length; g++) {
            values.put(CHARTED.get(g), Double.isNaN(point[g]) ? null : point[g]);
        }
        events.add(Views.Event.point(key, new Views.Point(instance, at, values, series.latest)));
        return events;
    }

    /**
     * The passing of time: drops points older than the chart window, and looks at alerts that only
     * time changes (a condition false for long). Returns a deployment event for each whose alerts changed.
     */
    public synchronized List<Views.Event> tick(Instant now) {
        List<Views.Event> events = new ArrayList<>();
        long oldest = now.minus(settings.chartWindow()).toEpochMilli();
        for (Tracked t : deployments.values()) {
            var it = t.series.values().iterator();
            while (it.hasNext()) {
                PointRing ring = it.next().ring;
                ring.dropBefore(oldest);
                if (ring.size() == 0) {
                    it.remove();
                    seriesCount--;
                }
            }
            if (t.visible() && !alerts(t, now).equals(t.sentAlerts)) {
                events.add(Views.Event.deployment(summarize(t, now, true)));
            }
        }
        return events;
    }

    /** The whole fleet now (without the feed's state, which the caller adds). */
    public synchronized Views.Fleet fleet(Instant now) {
        List<Views.Deployment> list = deployments.values().stream().filter(Tracked::visible)
                .sorted(Comparator.comparing(t -> t.key))
                .map(t -> summarize(t, now, false)).toList();
        Map<String, Integer> phases = new TreeMap<>();
        int up = 0, suspect = 0, down = 0, unknown = 0, paused = 0, critical = 0, warning = 0;
        for (Views.Deployment d : list) {
            phases.merge(d.phase(), 1, Integer::sum);
            up += d.health().up();
            suspect += d.health().suspect();
            down += d.health().down();
            unknown += d.health().unknown();
            paused += d.health().paused();
            for (Alert a : d.alerts()) {
                if (a.critical()) {
                    critical++;
                } else {
                    warning++;
                }
            }
        }
        Views.Summary summary = new Views.Summary(list.size(), phases, new Views.Counts(up, suspect, down, unknown, paused),
                critical, warning);
        return new Views.Fleet(now.toEpochMilli(), null, summary, list, List.copyOf(fleetTransitions),
                settings.chartWindow().toMillis(), CHARTED);
    }

    /** One deployment in detail, with its recent transitions and chart points. */
    public synchronized Optional<Views.Detail> deployment(String key, Instant now) {
        Tracked t = deployments.get(key);
        if (t == null || !t.visible()) {
            return Optional.empty();
        }
        List<Views.Series> series = new ArrayList<>();
        t.series.forEach((instance, s) -> {
            Map<String, Double[]> values = new LinkedHashMap<>();
            for (int g = 0; g < CHARTED.size(); g++) {
                double[] raw = s.ring.values(g);
                Double[] boxed = new Double[raw.length];
                for (int i = 0; i < raw.length; i++) {
                    boxed[i] = Double.isNaN(raw[i]) ? null : raw[i];
                }
                values.put(CHARTED.get(g), boxed);
            }
            series.add(new Views.Series(instance, s.ring.times(), values));
        });
        series.sort(Comparator.comparing(Views.Series::instance));
        return Optional.of(new Views.Detail(summarize(t, now, false), List.copyOf(t.transitions), series,
                settings.chartWindow().toMillis(), CHARTED));
    }

    /** Deployments dropped to stay within {@code max-deployments}. */
    public synchronized long evicted() {
        return evicted;
    }

    /** Samples that changed nothing: too old, not newer than the instance's newest, or without an instance. */
    public synchronized long ignoredSamples() {
        return ignoredSamples;
    }

    /** Deployments held in memory, shown or not (a deployment is shown once its status is known). */
    public synchronized int tracked() {
        return deployments.size();
    }

    /** Instances with chart points, fleet-wide. */
    public synchronized int series() {
        return seriesCount;
    }

    // ------------------------------------------------------------------ folding

    private Tracked tracked(String key, Instant now, List<Views.Event> events) {
        Tracked t = deployments.get(key);
        if (t == null) {
            if (deployments.size() >= settings.maxDeployments()) {
                evictOne(events);
            }
            t = new Tracked(key);
            deployments.put(key, t);
        }
        t.touched = now.toEpochMilli();
        return t;
    }

    /** Makes room: first what is not shown, then what is deleted, then what was heard from the longest ago. */
    private void evictOne(List<Views.Event> events) {
        deployments.values().stream()
                .min(Comparator.comparingInt(FleetView::keepRank).thenComparingLong(t -> t.touched))
                .ifPresent(victim -> {
                    deployments.remove(victim.key);
                    seriesCount -= victim.series.size();
                    evicted++;
                    if (victim.visible()) {
                        events.add(Views.Event.removed(victim.key));
                    }
                });
    }

    private static int keepRank(Tracked t) {
        if (!t.visible()) {
            return 0;
        }
        return t.status.getPhase() == Phase.PHASE_DELETED ? 1 : 2;
    }

    private InstanceSeries newSeries(Tracked t, String instance, String key) {
        if (t.series.size() >= settings.maxInstances()) {
            t.series.entrySet().stream().min(Comparator.comparingLong(e -> e.getValue().sampledAt))
                    .ifPresent(oldest -> t.series.remove(oldest.getKey()));
            seriesCount--;
        }
        if (seriesCount >= settings.maxSeries()) {
            Tracked owner = null;
            String victim = null;
            long oldestSample = Long.MAX_VALUE;
            for (Tracked other : deployments.values()) {
                for (Map.Entry<String, InstanceSeries> e : other.series.entrySet()) {
                    if (e.getValue().sampledAt < oldestSample) {
                        oldestSample = e.getValue().sampledAt;
                        owner = other;
                        victim = e.getKey();
                    }
                }
            }
            if (owner != null) {
                owner.series.remove(victim);
                seriesCount--;
            }
        }
        InstanceSeries series = new InstanceSeries(new PointRing(settings.chartPoints(), CHARTED.size()));
        t.series.put(instance, series);
        seriesCount++;
        return series;
    }

    private static void remember(ArrayDeque<Views.Transition> list, Views.Transition transition, int cap) {
        list.addFirst(transition);
        while (list.size() > cap) {
            list.removeLast();
        }
    }

    // ------------------------------------------------------------------ reading

    /** The deployment as its tile and its detail show it (all but chart points); {@code sent} records its alerts as sent. */
    private Views.Deployment summarize(Tracked t, Instant now, boolean sent) {
        DeploymentStatus s = t.status;
        DeploymentRef ref = s.hasDeployment() ? s.getDeployment() : parseOrEmpty(t.key);
        int up = 0, suspect = 0, down = 0, unknown = 0, paused = 0;
        List<Views.Instance> instances = new ArrayList<>();
        for (InstanceStatus i : s.getInstancesList()) {
            Views.Instance view = instance(t, i);
            switch (Health.valueOf(view.health())) {
                case HEALTH_UP -> up++;
                case HEALTH_SUSPECT -> suspect++;
                case HEALTH_DOWN -> down++;
                case HEALTH_PAUSED -> paused++;
                default -> unknown++;
            }
            instances.add(view);
        }
        List<Alert> alerts = alerts(t, now);
        if (sent) {
            t.sentAlerts = alerts;
        }
        List<Views.Endpoint> endpoints = s.getEndpointsList().stream()
                .map(e -> new Views.Endpoint(e.getKind(), e.getHost(), e.getPort(), e.getAddress())).toList();
        List<Views.Condition> conditions = s.getConditionsList().stream()
                .map(c -> new Views.Condition(c.getType(), c.getStatus(), c.getReason(), c.getMessage(),
                        c.hasLastTransitionAt() ? Timestamps.toInstant(c.getLastTransitionAt()).toEpochMilli() : null))
                .toList();
        return new Views.Deployment(t.key, ref.getTenant(), ref.getName(), s.getPhase().name(), s.getObservedGeneration(),
                s.hasUpdatedAt() ? Timestamps.toInstant(s.getUpdatedAt()).toEpochMilli() : null,
                s.getLastError().isEmpty() ? null : s.getLastError(), new Views.Counts(up, suspect, down, unknown, paused),
                alerts, instances, endpoints, conditions);
    }

    private List<Alert> alerts(Tracked t, Instant now) {
        Map<String, Health> freshest = new HashMap<>();
        for (InstanceStatus i : t.status.getInstancesList()) {
            freshest.put(i.getInstanceId(), freshestHealth(t, i).health());
        }
        return Alerts.of(t.status, freshest, now, settings.conditionAlertAfter());
    }

    private Views.Instance instance(Tracked t, InstanceStatus i) {
        Freshest h = freshestHealth(t, i);
        InstanceSeries series = t.series.get(i.getInstanceId());
        Long lag = null;
        if (series != null && series.latest.containsKey(MetricNames.REPLICATION_LAG_SECONDS)) {
            lag = Math.round(series.latest.get(MetricNames.REPLICATION_LAG_SECONDS) * 1000);
        } else if (i.getRole() == Role.ROLE_REPLICA) {
            lag = i.getReplicationLagMs();
        }
        return new Views.Instance(i.getInstanceId(), i.getRole().name(), i.getAddress(), h.health().name(),
                h.reason(), h.since(), lag, series == null ? null : series.latest, series == null ? null : series.sampledAt);
    }

    private record Freshest(Health health, String reason, Long since) {}

    /**
     * The newer of two reports: the status' (as of its {@code updated_at}, from the reconciler, which
     * reads the same transitions) and the latest transition seen here (as of its {@code detected_at}).
     * A transition usually arrives here before the status that reflects it; after a deployment is
     * deleted and created again, an old transition loses to the new status.
     */
    private static Freshest freshestHealth(Tracked t, InstanceStatus i) {
        InstanceHealth latest = t.health.get(i.getInstanceId());
        if (latest != null) {
            Instant detected = detectedAt(latest);
            Instant statusAt = t.status.hasUpdatedAt() ? Timestamps.toInstant(t.status.getUpdatedAt()) : Instant.EPOCH;
            if (!detected.isBefore(statusAt) || latest.getHealth() == i.getHealth()) {
                return new Freshest(latest.getHealth(), latest.getReason().isEmpty() ? null : latest.getReason(),
                        detected.toEpochMilli());
            }
        }
        return new Freshest(i.getHealth() == Health.UNRECOGNIZED ? Health.HEALTH_UNSPECIFIED : i.getHealth(), null, null);
    }

    private static Views.Transition transition(String key, InstanceHealth h) {
        return new Views.Transition(key, h.getInstanceId(), h.getHealth().name(), h.getPrevious().name(),
                h.getRole().name(), h.getReason(), detectedAt(h).toEpochMilli());
    }

    private static Instant detectedAt(InstanceHealth h) {
        return h.hasDetectedAt() ? Timestamps.toInstant(h.getDetectedAt()) : Instant.EPOCH;
    }

    private static DeploymentRef parseOrEmpty(String key) {
        try {
            return DeploymentKey.parse(key);
        } catch (IllegalArgumentException e) {
            return DeploymentRef.newBuilder().setName(key).build();
        }
    }

    private static final class Tracked {
        final String key;
        /** The latest status; null until one is read (then the deployment is not shown). */
        DeploymentStatus status;
        final Map<String, InstanceHealth> health = new LinkedHashMap<>();
        final ArrayDeque<Views.Transition> transitions = new ArrayDeque<>();
        final Map<String, InstanceSeries> series = new LinkedHashMap<>();
        /** The alerts browsers were last sent, to tell when time alone changed them. */
        List<Alert> sentAlerts = List.of();
        /** When a record about it was last read (epoch ms), to choose what to drop when full. */
        long touched;

        Tracked(String key) {
            this.key = key;
        }

        boolean visible() {
            return status != null;
        }
    }

    private static final class InstanceSeries {
        final PointRing ring;
        Map<String, Double> latest = Map.of();
        long sampledAt;

        InstanceSeries(PointRing ring) {
            this.ring = ring;
        }
    }
}
