package dev.marina.healthmonitor.metrics;

import java.time.Duration;

/**
 * The tumbling windows every sample is aggregated in: both sizes, always. Each has its own window
 * store; the label is used in store names and as a metric label.
 */
public enum WindowSize {
    TEN_SECONDS(Duration.ofSeconds(10), "10s"),
    ONE_MINUTE(Duration.ofMinutes(1), "1m");

    private final Duration size;
    private final String label;

    WindowSize(Duration size, String label) {
        this.size = size;
        this.label = label;
    }

    public Duration size() {
        return size;
    }

    public String label() {
        return label;
    }

    public String storeName() {
        return "metric-windows-" + label;
    }

    /**
     * How long the store keeps a window: the window itself, the grace after it, and one more window,
     * because a window's counter rates start from the last sample of the window before it.
     */
    public Duration retention(Duration grace) {
        return size.multipliedBy(2).plus(grace);
    }
}
