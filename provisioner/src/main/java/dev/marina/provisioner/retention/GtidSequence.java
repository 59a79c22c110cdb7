package dev.marina.provisioner.retention;

import java.util.OptionalLong;

/**
 * Sequence numbers of GTID domain 0, where the platform's transactions are numbered (they grow across primaries under
 * {@code gtid_strict_mode}). A GTID is {@code domain-server-sequence}; a position is a comma-separated list of them, at
 * most one per domain.
 */
final class GtidSequence {
    private GtidSequence() {}

    /**
     * The sequence number of domain 0 in a GTID or a GTID position; empty when there is none, or when the text is not
     * one (a caller that cannot tell must keep what depends on it).
     */
    static OptionalLong ofDomainZero(String gtids) {
        if (gtids == null || gtids.isBlank()) {
            return OptionalLong.empty();
        }
        OptionalLong found = OptionalLong.empty();
        for (String part : gtids.split(",")) {
            String gtid = part.strip();
            String[] fields = gtid.split("-", -1);
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
                    return OptionalLong.empty(); // one domain named twice: not a position
                }
                found = OptionalLong.of(sequence);
            }
        }
        return found;
    }
}
