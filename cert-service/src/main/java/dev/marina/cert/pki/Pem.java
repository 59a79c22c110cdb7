package dev.marina.cert.pki;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.Provider;
import java.security.Security;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;

/** PEM in and out, and the BouncyCastle provider (registered once, on first use of this class). */
public final class Pem {
    private Pem() {}

    /**
     * Our own instance, used explicitly everywhere here: a provider registered by another class loader
     * (tests run several in one JVM) would hand out key classes ours cannot cast.
     */
    private static final Provider PROVIDER = new BouncyCastleProvider();

    static {
        if (Security.getProvider(BouncyCastleProvider.PROVIDER_NAME) == null) {
            Security.addProvider(PROVIDER); // acme4j looks it up by name for EC keys
        }
    }

    /** The BouncyCastle provider (also registered by name, once, for acme4j). */
    public static Provider provider() {
        return PROVIDER;
    }

    public static String of(Object... objects) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            for (Object o : objects) {
                writer.writeObject(o);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    public static String ofCertificates(List<X509Certificate> certificates) {
        return of(certificates.toArray());
    }

    /** Every certificate in a PEM text, in order; throws {@link IllegalArgumentException} when there is none or one is bad. */
    public static List<X509Certificate> certificates(String pem) {
        try {
            List<X509Certificate> certs = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))
                    .stream().map(X509Certificate.class::cast).toList();
            if (certs.isEmpty()) {
                throw new IllegalArgumentException("no certificate in the PEM text");
            }
            return certs;
        } catch (CertificateException e) {
            throw new IllegalArgumentException("not a PEM certificate: " + e.getMessage(), e);
        }
    }

    /** A certificate serial as events carry it: lowercase hex of the positive number, no leading zeros. */
    public static String serial(X509Certificate certificate) {
        return certificate.getSerialNumber().toString(16);
    }
}
