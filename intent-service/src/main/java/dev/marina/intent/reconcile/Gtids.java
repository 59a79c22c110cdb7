package dev.marina.intent.reconcile;

import java.util.HashMap;
import java.util.Map;

/**
 * MariaDB GTID positions ({@code "0-1-42,1-3-7"}: per replication domain, the server that wrote the
 * last transaction and its sequence number) compared for failover. Pure.
 */
public final class Gtids {
    private Gtids() {}

    /** Sequence number per domain; an empty or malformed position is empty. */
    public static Map<Long, Long> parse(String position) {
        Map<Long, Long> byDomain = new HashMap<>();
        if (position == null || position.isBlank()) {
            return byDomain;
        }
        for (String part : position.split(",")) {
            String[] fields = part.strip().split("-");
            if (fields.length != 3) {
                return new HashMap<>();
            }
            try {
                byDomain.merge(Long.parseLong(fields[0]), Long.parseLong(fields[2]), Math::max);
            } catch (NumberFormatException e) {
                return new HashMap<>();
            }
        }
        return byDomain;
    }

    /**
     * Compares two positions: positive when {@code a} is ahead of {@code b} in some domain and behind in
     * none; negative for the converse; zero when equal or when each is ahead somewhere (then neither is
     * a prefix of the other). An unknown position is behind any known one.
     */
    public static int compare(String a, String b) {
        Map<Long, Long> pa = parse(a);
        Map<Long, Long> pb = parse(b);
        boolean aAhead = false;
        boolean bAhead = false;
        for (Long domain : union(pa, pb)) {
            long x = pa.getOrDefault(domain, 0L);
            long y = pb.getOrDefault(domain, 0L);
            aAhead |= x > y;
            bAhead |= y > x;
        }
        if (aAhead == bAhead) {
            return 0;
        }
        return aAhead ? 1 : -1;
    }

    private static java.util.Set<Long> union(Map<Long, Long> a, Map<Long, Long> b) {
        java.util.Set<Long> all = new java.util.TreeSet<>(a.keySet());
        all.addAll(b.keySet());
        return all;
    }
}
