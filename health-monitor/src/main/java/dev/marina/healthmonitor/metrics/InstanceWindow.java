package dev.marina.healthmonitor.metrics;

import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One instance's samples within one window, folded: a count, and per gauge and per counter what the
 * window's figures need. At most {@link #MAX_NAMES} gauge and counter names each are kept, so a sender
 * that makes up names cannot grow a window without bound; further names are not aggregated.
 */
public record InstanceWindow(long samples, Map<String, GaugeStats> gauges, Map<String, CounterTrack> counters) {

    public static final int MAX_NAMES = 64;

    public static final InstanceWindow EMPTY = new InstanceWindow(0, Map.of(), Map.of());

    public InstanceWindow {
        Objects.requireNonNull(gauges, "gauges");
        Objects.requireNonNull(counters, "counters");
        gauges = Collections.unmodifiableMap(new TreeMap<>(gauges));
        counters = Collections.unmodifiableMap(new TreeMap<>(counters));
    }

    /** This window with one more sample, taken at {@code at}. */
    public InstanceWindow plus(Instant at, Map<String, Double> sampleGauges, Map<String, Double> sampleCounters) {
        Map<String, GaugeStats> g = new TreeMap<>(gauges);
        sampleGauges.forEach((name, value) -> {
            GaugeStats known = g.get(name);
            if (known != null) {
                g.put(name, known.plus(value));
            } else if (g.size() < MAX_NAMES) {
                g.put(name, GaugeStats.of(value));
            }
        });
        Map<String, CounterTrack> c = new TreeMap<>(counters);
        sampleCounters.forEach((name, value) -> {
            CounterTrack known = c.get(name);
            if (known != null) {
                c.put(name, known.plus(at, value));
            } else if (c.size() < MAX_NAMES) {
                c.put(name, CounterTrack.of(at, value));
            }
        });
        return new InstanceWindow(samples + 1, g, c);
    }
}
