package dev.marina.agent.replication;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A MariaDB GTID position, e.g. {@code "0-2131360000-42,1-7-3"}: per replication domain the last
 * transaction (server id, sequence number). Pure; used to check that a server holds a position
 * before it takes the primary role.
 */
public final class GtidPosition {

    /** One GTID per domain, comma separated; empty means no transaction at all. */
    public static final Pattern FORMAT = Pattern.compile("(\\d{1,10}-\\d{1,10}-\\d{1,20})(,\\s*\\d{1,10}-\\d{1,10}-\\d{1,20})*");

    public record Gtid(long domain, long serverId, long sequence) {
        @Override
        public String toString() {
            return domain + "-" + serverId + "-" + sequence;
        }
    }

    private final Map<Long, Gtid> byDomain;

    private GtidPosition(Map<Long, Gtid> byDomain) {
        this.byDomain = Collections.unmodifiableMap(byDomain);
    }

    public static boolean isValid(String text) {
        return text != null && (text.isBlank() || FORMAT.matcher(text.strip()).matches());
    }

    /** Parses a position as MariaDB prints it; throws on anything else. */
    public static GtidPosition parse(String text) {
        if (!isValid(text)) {
            throw new IllegalArgumentException("not a GTID position: \"" + text + "\"");
        }
        Map<Long, Gtid> byDomain = new TreeMap<>();
        if (!text.isBlank()) {
            for (String part : text.strip().split(",")) {
                String[] fields = part.strip().split("-");
                Gtid gtid = new Gtid(Long.parseLong(fields[0]), Long.parseLong(fields[1]), Long.parseLong(fields[2]));
                if (byDomain.put(gtid.domain(), gtid) != null) {
                    throw new IllegalArgumentException("GTID position names domain " + gtid.domain() + " twice: \"" + text + "\"");
                }
            }
        }
        return new GtidPosition(byDomain);
    }

    public Map<Long, Gtid> byDomain() {
        return byDomain;
    }

    /**
     * True when this position has reached {@code other} in every domain {@code other} names (sequence
     * numbers only: within a domain they grow across primaries, which gtid_strict_mode enforces).
     */
    public boolean includes(GtidPosition other) {
        for (Gtid wanted : other.byDomain.values()) {
            Gtid held = byDomain.get(wanted.domain());
            if (held == null || Long.compareUnsigned(held.sequence(), wanted.sequence()) < 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return String.join(",", byDomain.values().stream().map(Gtid::toString).toList());
    }
}
