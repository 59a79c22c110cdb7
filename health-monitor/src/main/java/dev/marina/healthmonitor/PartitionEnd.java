package dev.marina.healthmonitor;

/**
 * A partition's end offset as the broker gave it (read-committed: what a consumer can read), fetched at
 * {@code fetchedAtMs} (when the request was sent, so every record written before then is below {@code offset}), and
 * the first fetch that saw this offset ({@code unchangedSinceMs}: no record was written between then and
 * {@code fetchedAtMs}). See {@link ReadHorizon}.
 */
public record PartitionEnd(long offset, long fetchedAtMs, long unchangedSinceMs) {

    public PartitionEnd {
        if (offset < 0 || unchangedSinceMs > fetchedAtMs) {
            throw new IllegalArgumentException("offset " + offset + " fetched at " + fetchedAtMs + ", unchanged since "
                    + unchangedSinceMs);
        }
    }

    /** A fetch that found {@code offset}, following {@code previous} (null: the first fetch). */
    public static PartitionEnd next(PartitionEnd previous, long offset, long fetchedAtMs) {
        boolean unchanged = previous != null && previous.offset == offset && previous.fetchedAtMs <= fetchedAtMs;
        return new PartitionEnd(offset, fetchedAtMs, unchanged ? previous.unchangedSinceMs : fetchedAtMs);
    }
}
