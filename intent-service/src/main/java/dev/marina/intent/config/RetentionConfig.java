package dev.marina.intent.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** intent-service's own housekeeping, {@code marina.intent.*}. */
@ConfigMapping(prefix = "marina.intent")
public interface RetentionConfig {

    /** How often the backup catalogue is swept for backups past their retention, which are recorded EXPIRED (a duration). */
    @WithDefault("1m")
    Duration retentionInterval();
}
