package dev.marina.intent.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/**
 * The deployments' DNS names, {@code marina.dns.*} as intent-service reads them: {@code <name>.<tenant>.<zone>}
 * and friends (see {@code DnsNames}). dns-service reads the same prefix for the zone it manages and its server.
 */
@ConfigMapping(prefix = "marina.dns")
public interface DnsNamesConfig {

    /** The platform's zone, e.g. {@code marina.test} (application.properties sets it); unset or empty: no names, and Ready does not wait for DNS. */
    Optional<String> zone();

    /** TTL of every record the reconciler asks for; short, because a failover moves the writer name (a duration). */
    @WithDefault("5s")
    Duration ttl();
}
