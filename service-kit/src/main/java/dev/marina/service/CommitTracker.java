package dev.marina.service;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Which position of each partition may be committed: the lowest offset whose answer is not yet
 * acknowledged by the broker, or just past the last record handed out when all are. Commands finish
 * out of order (parallel deployments); a position is committed only when everything before it is
 * answered, so a restart replays every unanswered command (and the journal makes replays harmless).
 */
public final class CommitTracker {

    private final Map<TopicPartition, TreeSet<Long>> open = new HashMap<>();
    private final Map<TopicPartition, Long> next = new HashMap<>();
    private final Map<TopicPartition, Long> committed = new HashMap<>();

    /** A record was read and its work started (or it needs none: then call {@link #done} right away). */
    public synchronized void started(TopicPartition tp, long offset) {
        open.computeIfAbsent(tp, k -> new TreeSet<>()).add(offset);
        next.merge(tp, offset + 1, Math::max);
    }

    /** The record's answer (or dead letter) is acknowledged by the broker. */
    public synchronized void done(TopicPartition tp, long offset) {
        TreeSet<Long> offsets = open.get(tp);
        if (offsets != null) {
            offsets.remove(offset);
        }
    }

    public synchronized int inFlight() {
        return open.values().stream().mapToInt(TreeSet::size).sum();
    }

    /** Positions that may be committed and were not yet; call {@link #committed} after the commit succeeded. */
    public synchronized Map<TopicPartition, OffsetAndMetadata> committable() {
        Map<TopicPartition, OffsetAndMetadata> result = new HashMap<>();
        next.forEach((tp, after) -> {
            TreeSet<Long> offsets = open.get(tp);
            long position = offsets == null || offsets.isEmpty() ? after : offsets.first();
            if (position > committed.getOrDefault(tp, -1L)) {
                result.put(tp, new OffsetAndMetadata(position));
            }
        });
        return result;
    }

    public synchronized void committed(Map<TopicPartition, OffsetAndMetadata> positions) {
        positions.forEach((tp, om) -> committed.merge(tp, om.offset(), Math::max));
    }
}
