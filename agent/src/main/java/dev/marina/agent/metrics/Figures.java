package dev.marina.agent.metrics;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a sample reports, named as in {@code MetricNames}: gauges (values at the moment, or rates over
 * the interval) and counters (totals since the database server started).
 *
 * @param gauges   by name; the rates are absent when there was nothing to compare with
 * @param counters by name
 */
public record Figures(Map<String, Double> gauges, Map<String, Double> counters) {

    public Figures {
        gauges = Collections.unmodifiableMap(new TreeMap<>(gauges));
        counters = Collections.unmodifiableMap(new TreeMap<>(counters));
    }
}
