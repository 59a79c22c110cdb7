package dev.marina.healthmonitor.metrics;

/** One gauge of one instance within a window: how many values, their sum and their maximum. */
public record GaugeStats(long count, double sum, double max) {

    public static GaugeStats of(double value) {
        return new GaugeStats(1, value, value);
    }

    public GaugeStats plus(double value) {
        return new GaugeStats(count + 1, sum + value, Math.max(max, value));
    }

    public double avg() {
        return sum / count;
    }
}
