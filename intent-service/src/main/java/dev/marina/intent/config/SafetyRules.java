package dev.marina.intent.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Rules between settings that no single key's type can express, checked before the service starts
 * (see {@link StartupCheck}). Pure: the values in, one readable message per broken rule out, each naming
 * the keys and their values.
 */
public final class SafetyRules {

    static final String FAILOVER_MIN_SILENCE = "marina.reconciler.failover-min-silence";
    static final String PRIMARY_LEASE = "marina.platform.primary-lease";
    static final String CERT_RENEW_AT = "marina.reconciler.cert-renew-at";
    static final String CERT_RENEW_JITTER = "marina.reconciler.cert-renew-jitter";

    private SafetyRules() {}

    /** The broken rules among the reconciler's settings and the platform's primary lease; empty when all hold. */
    public static List<String> violations(ReconcilerConfig reconciler, Duration primaryLease) {
        return violations(reconciler.failoverMinSilence(), primaryLease, reconciler.certRenewAt(), reconciler.certRenewJitter());
    }

    static List<String> violations(Duration failoverMinSilence, Duration primaryLease, double certRenewAt, double certRenewJitter) {
        List<String> broken = new ArrayList<>();
        if (primaryLease.isNegative() || primaryLease.isZero()) {
            broken.add(PRIMARY_LEASE + " (" + human(primaryLease) + ") must be a positive duration");
        }
        if (failoverMinSilence.compareTo(primaryLease) <= 0) {
            broken.add(FAILOVER_MIN_SILENCE + " (" + human(failoverMinSilence) + ") must be longer than " + PRIMARY_LEASE
                    + " (" + human(primaryLease) + "): a primary cut off from Kafka must have made itself read-only"
                    + " before a replica is promoted in its place");
        }
        if (!(certRenewAt > 0 && certRenewAt < 1)) {
            broken.add(CERT_RENEW_AT + " (" + certRenewAt + ") must lie between 0 and 1 (a share of a certificate's lifetime)");
        }
        if (!(certRenewJitter >= 0 && certRenewJitter < certRenewAt)) {
            broken.add(CERT_RENEW_JITTER + " (" + certRenewJitter + ") must be at least 0 and less than " + CERT_RENEW_AT
                    + " (" + certRenewAt + ")");
        }
        return broken;
    }

    /** Throws, listing every broken rule, unless all hold. */
    public static void require(List<String> violations) {
        if (!violations.isEmpty()) {
            throw new IllegalStateException("unsafe settings: " + String.join("; ", violations));
        }
    }

    /** A duration in the form the keys are written in: {@code 1200ms}, {@code 1s}. */
    static String human(Duration d) {
        long millis = d.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
    }
}
