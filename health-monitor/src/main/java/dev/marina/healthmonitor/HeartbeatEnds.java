package dev.marina.healthmonitor;

/** The end offsets of the heartbeats partitions, as last fetched: how a task knows whether it has read to the end. */
@FunctionalInterface
public interface HeartbeatEnds {

    /** The latest fetch of {@code partition}'s end offset, or null when there is none. */
    PartitionEnd of(int partition);

    /** Nothing known: every task judges by its reading alone (see {@link ReadHorizon}). */
    HeartbeatEnds UNKNOWN = partition -> null;
}
