package dev.marina.agent.tls;

import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CertificateParsingException;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Whether a certificate chain may be installed for a request, checked before any file is touched. A
 * chain of named checks; the first that fails gives the reason, in words the reconciler can show.
 */
public final class ChainCheck {
    private ChainCheck() {}

    /**
     * @param chain      leaf first, then intermediates (a root at the end is allowed)
     * @param requestKey the public key of the request the chain is said to answer
     * @param dnsNames   the names the request asked for; the leaf must cover each
     * @param caBundle   the CA certificates the chain must lead to
     */
    public static Optional<String> problem(List<X509Certificate> chain, PublicKey requestKey, List<String> dnsNames,
            List<X509Certificate> caBundle, Instant now) {
        if (chain.isEmpty()) {
            return Optional.of("the certificate chain holds no certificate");
        }
        if (caBundle.isEmpty()) {
            return Optional.of("the CA bundle holds no certificate");
        }
        X509Certificate leaf = chain.get(0);
        return keyProblem(leaf, requestKey)
                .or(() -> validityProblem(leaf, now))
                .or(() -> namesProblem(leaf, dnsNames))
                .or(() -> pathProblem(chain, caBundle, now));
    }

    static Optional<String> keyProblem(X509Certificate leaf, PublicKey requestKey) {
        return Arrays.equals(leaf.getPublicKey().getEncoded(), requestKey.getEncoded())
                ? Optional.empty()
                : Optional.of("the certificate is for another key than the request's (serial "
                        + leaf.getSerialNumber().toString(16) + ")");
    }

    static Optional<String> validityProblem(X509Certificate leaf, Instant now) {
        try {
            leaf.checkValidity(Date.from(now));
            return Optional.empty();
        } catch (CertificateExpiredException e) {
            return Optional.of("the certificate expired at " + leaf.getNotAfter().toInstant());
        } catch (CertificateNotYetValidException e) {
            return Optional.of("the certificate is not valid before " + leaf.getNotBefore().toInstant());
        }
    }

    static Optional<String> namesProblem(X509Certificate leaf, List<String> dnsNames) {
        Set<String> covered = new HashSet<>();
        try {
            Collection<List<?>> sans = leaf.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    if (Integer.valueOf(2).equals(san.get(0))) { // dNSName
                        covered.add(san.get(1).toString().toLowerCase(Locale.ROOT));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            return Optional.of("the certificate's names do not parse: " + e.getMessage());
        }
        List<String> missing = dnsNames.stream().filter(n -> !covered.contains(n.toLowerCase(Locale.ROOT))).toList();
        return missing.isEmpty()
                ? Optional.empty()
                : Optional.of("the certificate does not cover " + String.join(", ", missing));
    }

    /** PKIX up to a certificate of the bundle; revocation is cert-service's business, not checked here. */
    static Optional<String> pathProblem(List<X509Certificate> chain, List<X509Certificate> caBundle, Instant now) {
        Set<TrustAnchor> anchors = caBundle.stream().map(ca -> new TrustAnchor(ca, null)).collect(Collectors.toSet());
        // A chain may end with its root; the path handed to PKIX stops below the anchor.
        List<X509Certificate> path = new ArrayList<>();
        for (X509Certificate certificate : chain) {
            if (caBundle.stream().anyMatch(ca -> Arrays.equals(CaBundle.der(ca), CaBundle.der(certificate))) && !path.isEmpty()) {
                break;
            }
            path.add(certificate);
        }
        try {
            PKIXParameters parameters = new PKIXParameters(anchors);
            parameters.setRevocationEnabled(false);
            parameters.setDate(Date.from(now));
            CertPathValidator.getInstance("PKIX").validate(CertificateFactory.getInstance("X.509").generateCertPath(path), parameters);
            return Optional.empty();
        } catch (CertPathValidatorException e) {
            return Optional.of("the chain does not verify up to the CA bundle: " + e.getMessage());
        } catch (GeneralSecurityException e) {
            return Optional.of("the chain cannot be checked: " + e.getMessage());
        }
    }
}
