package dev.marina.intent.reconcile;

import dev.marina.schemas.v1.AgentOutcome;
import dev.marina.schemas.v1.CertState;
import dev.marina.schemas.v1.Intent;
import dev.marina.schemas.v1.InstanceState;
import dev.marina.schemas.v1.ObservedInstance;
import dev.marina.schemas.v1.ReconcilerState;
import dev.marina.schemas.v1.TlsMode;
import dev.marina.service.Timestamps;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Facts about a deployment's certificates, derived from its state. Pure.
 *
 * <p>Every instance has its own key (made by its agent, never leaving it) and its own certificate for
 * all of the deployment's names: writer, reader and its instance name. The writer name moves on
 * failover, so any instance may have to present it.
 *
 * <p>A certificate is renewed after {@code renewAt} of its lifetime (two thirds by default), minus a
 * jitter that spreads certificates issued together over {@code jitter} of the lifetime. The jitter
 * comes from the instance id and the serial, so the renewal time is stable across passes.
 */
public final class Certificates {
    private Certificates() {}

    public static boolean wanted(Intent intent) {
        TlsMode mode = intent.getSpec().getTls().getMode();
        return !intent.getDeleted() && (mode == TlsMode.TLS_MODE_SELF_SIGNED || mode == TlsMode.TLS_MODE_ACME);
    }

    /** The names an instance's certificate covers, without trailing dots; empty without DNS names. */
    public static List<String> names(Intent intent, PlanSettings.DnsSettings dns, String instanceId) {
        if (!dns.enabled()) {
            return List.of();
        }
        return List.of(trimDot(DnsNames.writerName(intent, dns.zone())), trimDot(DnsNames.readerName(intent, dns.zone())),
                trimDot(DnsNames.instanceName(intent, dns.zone(), instanceId)));
    }

    /** Whether the instance presents a certificate for {@code names} that is valid at {@code now}. */
    public static boolean valid(CertState cert, List<String> names, Instant now) {
        return !cert.getSerial().isEmpty() && Set.copyOf(cert.getNamesList()).containsAll(names)
                && Timestamps.toInstant(cert.getNotAfter()).isAfter(now);
    }

    /** When a certificate valid from {@code notBefore} to {@code notAfter} should be renewed. */
    public static Instant renewAt(Instant notBefore, Instant notAfter, String instanceId, String serial,
            PlanSettings.TlsSettings tls) {
        Duration lifetime = Duration.between(notBefore, notAfter);
        if (lifetime.isNegative() || lifetime.isZero()) {
            return notAfter;
        }
        double share = tls.renewAt() - tls.jitter() * unitFraction(instanceId + "/" + serial);
        return notBefore.plusMillis((long) (lifetime.toMillis() * share));
    }

    /** Whether a new request should start for this instance now, and why (for the log and the tests). */
    public static Optional<String> needsRequest(ObservedInstance instance, Intent intent, List<String> names, Instant now) {
        CertState cert = instance.getCert();
        if (intent.getCertRenewalsRequested() > cert.getRenewalsServed()) {
            return Optional.of("renewal forced");
        }
        if (cert.getRequestOpen()) {
            return cert.getRequestNamesList().equals(names) || names.isEmpty()
                    ? Optional.empty() : Optional.of("the names changed while a request was open");
        }
        if (cert.getSerial().isEmpty()) {
            return Optional.of("no certificate yet");
        }
        if (!Set.copyOf(cert.getNamesList()).containsAll(names)) {
            return Optional.of("the names changed");
        }
        if (!Timestamps.toInstant(cert.getRenewAt()).isAfter(now)) {
            return Optional.of("renewal due");
        }
        return Optional.empty();
    }

    /**
     * Whether TLS does not hold up readiness: it is off, or every serving instance presents a valid
     * certificate for its names (and at least one serves).
     */
    public static boolean ready(ReconcilerState state, PlanSettings.DnsSettings dns, Instant now) {
        if (!wanted(state.getDesired())) {
            return true;
        }
        List<ObservedInstance> serving = state.getInstancesMap().values().stream().filter(Facts::serving).toList();
        return dns.enabled() && !serving.isEmpty() && serving.stream()
                .allMatch(i -> valid(i.getCert(), names(state.getDesired(), dns, i.getInstanceId()), now));
    }

    /** Whether some instance's certificate is due for renewal at {@code now} (the resync looks). */
    public static boolean renewalDue(ReconcilerState state, Instant now) {
        if (!state.hasDesired() || !wanted(state.getDesired())) {
            return false;
        }
        for (ObservedInstance i : state.getInstancesMap().values()) {
            CertState c = i.getCert();
            if (Facts.serving(i) && !c.getRequestOpen() && !c.getSerial().isEmpty()
                    && !Timestamps.toInstant(c.getRenewAt()).isAfter(now)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Adds the CA certificates of {@code incoming} to {@code bundle}, each once (by its PEM text), oldest
     * first: a CA change keeps the old CA trusted while certificates it signed may still be presented.
     */
    public static String mergeBundle(String bundle, String incoming) {
        Set<String> blocks = new LinkedHashSet<>(pemBlocks(bundle));
        blocks.addAll(pemBlocks(incoming));
        return String.join("", blocks);
    }

    static List<String> pemBlocks(String pem) {
        List<String> blocks = new ArrayList<>();
        String end = "-----END CERTIFICATE-----";
        int from = 0;
        while (true) {
            int begin = pem.indexOf("-----BEGIN CERTIFICATE-----", from);
            if (begin < 0) {
                return blocks;
            }
            int stop = pem.indexOf(end, begin);
            if (stop < 0) {
                return blocks;
            }
            String block = pem.substring(begin, stop + end.length()).replace("\r", "").strip();
            blocks.add(block + "\n");
            from = stop + end.length();
        }
    }

    private static double unitFraction(String seed) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(seed.getBytes(StandardCharsets.UTF_8));
            long bits = ((hash[0] & 0xffL) << 16) | ((hash[1] & 0xffL) << 8) | (hash[2] & 0xffL);
            return bits / (double) (1 << 24);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    private static String trimDot(String name) {
        return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    }
}
