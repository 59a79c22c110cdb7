package dev.marina.healthmonitor.metrics;

import static dev.marina.schemas.metrics.MetricNames.CONNECTIONS;
import static dev.marina.schemas.metrics.MetricNames.CPU_PERCENT;
import static dev.marina.schemas.metrics.MetricNames.DISK_BYTES;
import static dev.marina.schemas.metrics.MetricNames.MEMORY_BYTES;
import static dev.marina.schemas.metrics.MetricNames.QUERIES_PER_SECOND;
import static dev.marina.schemas.metrics.MetricNames.ROWS_READ_PER_SECOND;
import static dev.marina.schemas.metrics.MetricNames.ROWS_WRITTEN_PER_SECOND;
import static dev.marina.schemas.metrics.MetricNames.SLOW_QUERIES_PER_SECOND;

import dev.marina.schemas.v1.DeploymentMetrics;
import dev.marina.schemas.v1.DeploymentRef;
import dev.marina.schemas.v1.MetricSample;
import dev.marina.service.Timestamps;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeMap;

/**
 * The arithmetic of the aggregates, pure: folding a sample into a window, and the
 * {@code deployment-metrics} records of a window.
 *
 * <p><b>Per instance:</b> {@code gauges_avg}/{@code gauges_max} are the mean and the maximum of the
 * instance's values in the window. {@code counter_rates} is the counter's increase attributed to the
 * window, divided by the window's seconds: each increase between two consecutive samples belongs to the
 * window of the later one, so the first sample of a window counts from the last sample of the window
 * before it (when there is one). Summed over windows, nothing is counted twice or lost. A counter with
 * a single point and none before it has no rate yet and is left out.
 *
 * <p><b>Per deployment</b> (empty {@code instance_id}): for {@link #ADDITIVE} gauges, where the whole
 * is the sum of its parts (connections, rates, CPU, memory, disk), the instances' averages are summed,
 * and so are their maxima (an upper bound of the deployment's peak, exact when the peaks coincide; it
 * keeps max ≥ avg). For other gauges (ratios, replication lag, names this build does not know) avg is
 * the mean of the instances' averages, each instance weighing the same, and max is the largest
 * instance's maximum. Counter rates are summed. {@code samples} is the total.
 */
public final class Aggregation {
    private Aggregation() {}

    /** Gauges whose deployment-wide value is the sum of the instances' values. */
    public static final Set<String> ADDITIVE = Set.copyOf(dev.marina.schemas.metrics.MetricNames.ADDITIVE_GAUGES);

    /** The window with one more sample of its instance. */
    public static WindowAggregate fold(WindowAggregate window, MetricSample sample) {
        String instanceId = sample.getInstanceId();
        InstanceWindow known = window.instance(instanceId);
        InstanceWindow updated = (known == null ? InstanceWindow.EMPTY : known)
                .plus(Timestamps.toInstant(sample.getSampledAt()), sample.getGaugesMap(), sample.getCountersMap());
        return window.with(instanceId, updated);
    }

    /**
     * One instance's record for a window.
     *
     * @param previous the window before, for the counters' first increase; null when there is none
     */
    public static DeploymentMetrics forInstance(DeploymentRef deployment, Window window, String instanceId,
            WindowAggregate current, WindowAggregate previous) {
        InstanceWindow own = current.instance(instanceId);
        if (own == null) {
            throw new IllegalArgumentException("no samples of " + instanceId + " in the window");
        }
        InstanceWindow before = previous == null ? null : previous.instance(instanceId);
        DeploymentMetrics.Builder record = header(deployment, window, instanceId).setSamples(own.samples());
        own.gauges().forEach((name, stats) -> {
            record.putGaugesAvg(name, stats.avg());
            record.putGaugesMax(name, stats.max());
        });
        rates(own, before, window).forEach(record::putCounterRates);
        return record.build();
    }

    /** The deployment-wide record for a window, from all its instances' samples. */
    public static DeploymentMetrics forDeployment(DeploymentRef deployment, Window window, WindowAggregate current,
            WindowAggregate previous) {
        DeploymentMetrics.Builder record = header(deployment, window, "");
        long samples = 0;
        Map<String, List<GaugeStats>> gauges = new TreeMap<>();
        Map<String, Double> rates = new TreeMap<>();
        for (Map.Entry<String, InstanceWindow> instance : current.instances().entrySet()) {
            InstanceWindow own = instance.getValue();
            samples += own.samples();
            own.gauges().forEach((name, stats) -> gauges.computeIfAbsent(name, n -> new ArrayList<>()).add(stats));
            InstanceWindow before = previous == null ? null : previous.instance(instance.getKey());
            rates(own, before, window).forEach((name, rate) -> rates.merge(name, rate, Double::sum));
        }
        record.setSamples(samples);
        gauges.forEach((name, perInstance) -> {
            boolean additive = ADDITIVE.contains(name);
            double avg = perInstance.stream().mapToDouble(GaugeStats::avg).sum();
            double max = additive
                    ? perInstance.stream().mapToDouble(GaugeStats::max).sum()
                    : perInstance.stream().mapToDouble(GaugeStats::max).max().orElseThrow();
            record.putGaugesAvg(name, additive ? avg : avg / perInstance.size());
            record.putGaugesMax(name, max);
        });
        record.putAllCounterRates(rates);
        return record.build();
    }

    /** Per counter of one instance: its increase attributed to the window, per second of the window. */
    static Map<String, Double> rates(InstanceWindow own, InstanceWindow before, Window window) {
        Map<String, Double> rates = new TreeMap<>();
        own.counters().forEach((name, track) -> {
            CounterTrack earlier = before == null ? null : before.counters().get(name);
            increase(track, earlier).ifPresent(increase -> rates.put(name, increase / window.seconds()));
        });
        return rates;
    }

    private static OptionalDouble increase(CounterTrack track, CounterTrack earlier) {
        boolean carried = earlier != null && earlier.lastAt().isBefore(track.firstAt());
        if (!carried && !track.spansTime()) {
            return OptionalDouble.empty();
        }
        double fromBefore = carried ? CounterTrack.increase(earlier.lastValue(), track.firstValue()) : 0;
        return OptionalDouble.of(fromBefore + track.increase());
    }

    private static DeploymentMetrics.Builder header(DeploymentRef deployment, Window window, String instanceId) {
        return DeploymentMetrics.newBuilder()
                .setDeployment(deployment)
                .setInstanceId(instanceId)
                .setWindowStart(Timestamps.of(window.start()))
                .setWindowEnd(Timestamps.of(window.end()))
                .setWindowSeconds(window.seconds());
    }
}
