package dev.marina.schemas.gtid;

import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;

/**
 * MariaDB GTID positions ({@code "0-1-42,1-3-7"}: per replication domain, the server that wrote the
 * last transaction and its sequence number), for the control plane: compared for failover, placed in the binary-log
 * archive, cut at by retention. Pure. (The agent has its own richer {@code GtidPosition}, with server ids.)
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
     * The sequence number of domain 0 (where the platform numbers its transactions; they grow across primaries under
     * {@code gtid_strict_mode}) in a GTID or a position. Strict: empty when there is none, or when the text is not one
     * (a part that is not {@code domain-server-sequence} of unsigned numbers, or domain 0 named twice), so a caller
     * that cannot tell keeps what depends on it.
     */
    public static OptionalLong domainZero(String gtids) {
        if (gtids == null || gtids.isBlank()) {
            return OptionalLong.empty();
        }
        OptionalLong found = OptionalLong.empty();
        for (String part : gtids.split(",")) {
            String[] fields = part.strip().split("-", -1);
            if (fields.length != 3) {
                return OptionalLong.empty();
            }
            long domain;
            long sequence;
            try {
                domain = Long.parseUnsignedLong(fields[0]);
                Long.parseUnsignedLong(fields[1]);
                sequence = Long.parseLong(fields[2]);
            } catch (NumberFormatException e) {
                return OptionalLong.empty();
            }
            if (sequence < 0) {
                return OptionalLong.empty();
            }
            if (domain == 0) {
                if (found.isPresent()) {
                    return OptionalLong.empty();
                }
                found = OptionalLong.of(sequence);
            }
        }
        return found;
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
