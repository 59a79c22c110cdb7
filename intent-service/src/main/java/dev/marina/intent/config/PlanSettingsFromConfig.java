package dev.marina.intent.config;

import dev.marina.intent.reconcile.PlanSettings;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.time.Duration;

/**
 * Turns the declared settings into the plain {@link PlanSettings} the pure planner takes. The running
 * service passes the mappings Quarkus filled; {@link #declaredDefaults()} fills them from their
 * {@code @WithDefault}s alone (no files, no environment), which is what {@code PlanSettings.defaults()} is.
 */
public final class PlanSettingsFromConfig {

    private PlanSettingsFromConfig() {}

    public static PlanSettings plan(ReconcilerConfig r, DnsNamesConfig dns, AutoscalingConfig autoscaling) {
        return new PlanSettings(r.provisionTimeout(), r.deployTimeout(), r.destroyTimeout(), r.maxBackoff(),
                r.agentDestroyTries(), r.failedAfterAttempts(), dns(r, dns), tls(r), ha(r), backups(r), roll(r),
                autoscale(autoscaling));
    }

    public static PlanSettings.AutoscaleSettings autoscale(AutoscalingConfig a) {
        return new PlanSettings.AutoscaleSettings(a.scaleOutAfter(), a.scaleInAfter(), a.scaleOutCooldown(),
                a.scaleInCooldown(), a.metricsMaxAge());
    }

    public static PlanSettings.RollSettings roll(ReconcilerConfig r) {
        return new PlanSettings.RollSettings(r.drainTimeout(), r.updateTimeout(), r.rollMaxLag());
    }

    public static PlanSettings.BackupSettings backups(ReconcilerConfig r) {
        return new PlanSettings.BackupSettings(r.backupTimeout(), r.backupFailureRetry(), r.backupAttempts());
    }

    public static PlanSettings.DnsSettings dns(ReconcilerConfig r, DnsNamesConfig dns) {
        return new PlanSettings.DnsSettings(dns.zone().orElse(""), dns.ttl(), r.dnsTimeout());
    }

    public static PlanSettings.TlsSettings tls(ReconcilerConfig r) {
        return new PlanSettings.TlsSettings(r.certAgentTimeout(), r.certIssueTimeout(), r.certFailureRetry(),
                r.certRenewAt(), r.certRenewJitter(), r.certRevokeTries());
    }

    public static PlanSettings.HaSettings ha(ReconcilerConfig r) {
        return new PlanSettings.HaSettings(r.haAgentTimeout(), r.failoverMinSilence(), r.replaceDownReplicaAfter());
    }

    /** Reads durations as Quarkus does ({@code 1200ms}, {@code 5s}, {@code 5m} or ISO-8601), not ISO-8601 only. */
    public static SmallRyeConfigBuilder withQuarkusDurations(SmallRyeConfigBuilder builder) {
        return builder.withConverter(Duration.class, 200, new DurationConverter());
    }

    /** The mappings with nothing but their declared defaults. */
    public static DeclaredDefaults declaredDefaults() {
        return DeclaredDefaults.INSTANCE;
    }

    /** @param reconciler {@code marina.reconciler.*} as declared; @param dns {@code marina.dns.*} as declared (no zone) */
    public record DeclaredDefaults(ReconcilerConfig reconciler, DnsNamesConfig dns, AutoscalingConfig autoscaling) {
        // Holds only the mappings, never a PlanSettings: PlanSettings' nested DEFAULTS constants are built
        // from these while their classes initialise.
        private static final DeclaredDefaults INSTANCE = load();

        private static DeclaredDefaults load() {
            SmallRyeConfig config = withQuarkusDurations(new SmallRyeConfigBuilder())
                    .withMapping(ReconcilerConfig.class)
                    .withMapping(DnsNamesConfig.class)
                    .withMapping(AutoscalingConfig.class)
                    .build();
            return new DeclaredDefaults(config.getConfigMapping(ReconcilerConfig.class), config.getConfigMapping(DnsNamesConfig.class),
                    config.getConfigMapping(AutoscalingConfig.class));
        }
    }
}
