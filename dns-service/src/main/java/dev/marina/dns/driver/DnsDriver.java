package dev.marina.dns.driver;

import dev.marina.dns.zone.ZoneChange;
import dev.marina.dns.zone.ZoneContents;

/**
 * The one thing dns-service needs from a DNS provider. One implementation per provider
 * ({@code rfc2136} now; route53 and others later). Both calls are safe to repeat: applying a change
 * whose record sets are already in place leaves the zone as it is.
 */
public interface DnsDriver {

    /** The zone this driver manages, fully qualified (trailing dot). */
    String zone();

    /** Everything the zone holds now. */
    ZoneContents read();

    /**
     * The most conditions plus operations one change may hold with this provider; batches are packed
     * below it (and below {@code marina.dns.max-update-items}).
     */
    default int maxUpdateItems() {
        return Integer.MAX_VALUE;
    }

    /** Applies all of the change or none of it; a failed condition is a {@link DnsDriverException.Kind#ZONE_CHANGED}. */
    void apply(ZoneChange change);
}
