package dev.marina.healthmonitor.dashboard;

import java.util.Arrays;

/**
 * Recent points of one instance's charted gauges: a ring of at most {@code capacity} points in time
 * order, oldest dropped first. Values are floats (charts need no more); a gauge missing from a
 * sample is NaN. Starts small and grows to its capacity. Not thread-safe: {@link FleetView} guards it.
 */
final class PointRing {
    private final int capacity;
    private final int gauges;
    private long[] times;
    private float[][] values;
    private int start;
    private int size;

    PointRing(int capacity, int gauges) {
        if (capacity <= 0 || gauges <= 0) {
            throw new IllegalArgumentException("capacity and gauges must be positive");
        }
        this.capacity = capacity;
        this.gauges = gauges;
        int initial = Math.min(capacity, 16);
        this.times = new long[initial];
        this.values = new float[gauges][initial];
    }

    /** Appends a point; false (and nothing changes) unless it is newer than the newest point. */
    boolean add(long time, double[] point) {
        if (point.length != gauges) {
            throw new IllegalArgumentException("expected " + gauges + " values, got " + point.length);
        }
        if (size > 0 && time <= lastTime()) {
            return false;
        }
        if (size == times.length && size < capacity) {
            grow();
        }
        int slot;
        if (size == capacity) {
            slot = start;
            start = (start + 1) % times.length;
        } else {
            slot = (start + size) % times.length;
            size++;
        }
        times[slot] = time;
        for (int g = 0; g < gauges; g++) {
            values[g][slot] = (float) point[g];
        }
        return true;
    }

    /** Drops points older than {@code time}. */
    void dropBefore(long time) {
        while (size > 0 && times[start] < time) {
            start = (start + 1) % times.length;
            size--;
        }
    }

    int size() {
        return size;
    }

    long lastTime() {
        if (size == 0) {
            throw new IllegalStateException("empty");
        }
        return times[(start + size - 1) % times.length];
    }

    long[] times() {
        long[] out = new long[size];
        for (int i = 0; i < size; i++) {
            out[i] = times[(start + i) % times.length];
        }
        return out;
    }

    /** The points of one gauge, oldest first; NaN where a sample did not have it. */
    double[] values(int gauge) {
        double[] out = new double[size];
        for (int i = 0; i < size; i++) {
            out[i] = values[gauge][(start + i) % times.length];
        }
        return out;
    }

    private void grow() {
        int length = Math.min(capacity, times.length * 2);
        long[] t = new long[length];
        float[][] v = new float[gauges][length];
        for (int i = 0; i < size; i++) {
            int from = (start + i) % times.length;
            t[i] = times[from];
            for (int g = 0; g < gauges; g++) {
                v[g][i] = values[g][from];
            }
        }
        times = t;
        values = v;
        start = 0;
    }

    @Override
    public String toString() {
        return "PointRing" + Arrays.toString(times());
    }
}
