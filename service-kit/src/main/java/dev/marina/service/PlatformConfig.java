package dev.marina.service;

import io.smallrye.config.ConfigMapping;
import java.time.Duration;

/**
 * Settings every marina service reads, {@code marina.platform.*}: the facts that more than one service's
 * rules depend on, so that each service can check its own settings against the same value. Their values
 * are set once, in this module's {@code META-INF/microprofile-config.properties}, which every service
 * reads (a mapping's {@code @WithDefault} is seen only where the mapping is in use; other services'
 * keys default to these by expression).
 */
@ConfigMapping(prefix = "marina.platform")
public interface PlatformConfig {

    /**
     * How long a writable primary takes writes without an acknowledged heartbeat before it makes itself
     * read-only (a duration). The agents' lease ({@code marina.agent.lease} defaults to it); the health
     * monitor's down-after and the reconciler's failover-min-silence must be longer (checked at startup).
     */
    Duration primaryLease();
}
