package dev.marina.service;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * When each key is next due, for a periodic check that should visit only the keys whose time has come
 * instead of walking all of them: a stream task's wall-clock punctuation over thousands of deployments.
 *
 * <p>A map holds each key's current due time; a queue orders the same by time. Rescheduling a key does not
 * search the queue: the old entry stays and is skipped when it comes up, because it no longer matches the
 * map (a key has at most one live entry, the one equal to its map value). Stale entries cost a little memory
 * until their time; when they outnumber the live ones the queue is rebuilt from the map. Not thread-safe:
 * one stream task owns one schedule.
 */
public final class DueSchedule {

    private record Entry(long atMillis, String key) {}

    private final Map<String, Long> dueAt = new HashMap<>();
    private final PriorityQueue<Entry> byTime = new PriorityQueue<>((a, b) -> Long.compare(a.atMillis(), b.atMillis()));

    /** The key is next due at {@code atMillis} (epoch ms; {@link Long#MAX_VALUE}: never, until set again). */
    public void set(String key, long atMillis) {
        Long previous = dueAt.put(key, atMillis);
        if (previous != null && previous == atMillis) {
            return; // its live entry is in the queue already
        }
        byTime.add(new Entry(atMillis, key));
        if (byTime.size() > 2 * dueAt.size() + 1024) {
            rebuild();
        }
    }

    /** The key is no longer scheduled. */
    public void remove(String key) {
        dueAt.remove(key);
    }

    public void clear() {
        dueAt.clear();
        byTime.clear();
    }

    /** Keys scheduled. */
    public int size() {
        return dueAt.size();
    }

    /** When the key is due, or null when it is not scheduled. */
    public Long dueAt(String key) {
        return dueAt.get(key);
    }

    /** Removes and returns every key due at or before {@code nowMillis}, earliest first; set them again to keep them. */
    public List<String> takeDue(long nowMillis) {
        List<String> due = new ArrayList<>();
        while (!byTime.isEmpty() && byTime.peek().atMillis() <= nowMillis) {
            Entry next = byTime.poll();
            Long current = dueAt.get(next.key());
            if (current == null || current != next.atMillis()) {
                continue; // rescheduled or removed since
            }
            dueAt.remove(next.key());
            due.add(next.key());
        }
        return due;
    }

    /** Entries in the queue, stale ones included (for tests and gauges). */
    int queued() {
        return byTime.size();
    }

    private void rebuild() {
        byTime.clear();
        dueAt.forEach((key, at) -> byTime.add(new Entry(at, key)));
    }
}
