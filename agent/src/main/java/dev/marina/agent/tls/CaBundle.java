package dev.marina.agent.tls;

import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The CA certificates a server trusts ({@code ssl_ca}), merged over time: a new bundle is added to what
 * was trusted before instead of replacing it, so that a CA change does not cut off peers (replicas,
 * clients with client certificates) that still present a certificate of the old CA. Pure: the caller
 * reads and writes the files.
 */
public final class CaBundle {
    private CaBundle() {}

    /**
     * The incoming certificates first, then those trusted before; each certificate once (same DER), and
     * none that has expired at {@code now}.
     */
    public static List<X509Certificate> merge(List<X509Certificate> trustedBefore, List<X509Certificate> incoming, Instant now) {
        Map<Key, X509Certificate> merged = new LinkedHashMap<>();
        for (X509Certificate certificate : concat(incoming, trustedBefore)) {
            if (!certificate.getNotAfter().toInstant().isBefore(now)) {
                merged.putIfAbsent(new Key(der(certificate)), certificate);
            }
        }
        return List.copyOf(merged.values());
    }

    private static List<X509Certificate> concat(List<X509Certificate> a, List<X509Certificate> b) {
        List<X509Certificate> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    static byte[] der(X509Certificate certificate) {
        try {
            return certificate.getEncoded();
        } catch (CertificateEncodingException e) {
            throw new IllegalArgumentException("certificate does not encode: " + e.getMessage(), e);
        }
    }

    /** DER bytes with value equality, as a map key. */
    private record Key(byte[] der) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key other && Arrays.equals(der, other.der);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(der);
        }
    }
}
