package dev.marina.intent.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/**
 * The autoscaler's settings, {@code marina.autoscaling.*}: how long the readers' metric must stay above or below
 * its target before replicas are added or removed, and the cooldowns a spec may override
 * ({@code spec.autoscaling.scale_out_cooldown}, {@code scale_in_cooldown}). Declared once, here.
 */
@ConfigMapping(prefix = "marina.autoscaling")
public interface AutoscalingConfig {

    /** The readers' average must stay above the target this long before a scale-out (a duration). */
    @WithDefault("60s")
    Duration scaleOutAfter();

    /** The readers' average must stay below the target this long before a scale-in (a duration). */
    @WithDefault("300s")
    Duration scaleInAfter();

    /** After a scale-out, no other scale-out for this long, unless the spec says otherwise (a duration). */
    @WithDefault("60s")
    Duration scaleOutCooldown();

    /** After a scale-in (or a scale-out), no scale-in for this long, unless the spec says otherwise (a duration). */
    @WithDefault("300s")
    Duration scaleInCooldown();

    /** Metrics older than this do not count: with none newer the autoscaler holds (a duration). */
    @WithDefault("60s")
    Duration metricsMaxAge();
}
