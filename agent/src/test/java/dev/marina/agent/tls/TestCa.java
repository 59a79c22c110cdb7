package dev.marina.agent.tls;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** A certificate authority for tests, made with BouncyCastle: a root, optionally below another CA. */
public final class TestCa {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final KeyPair keys = CertificateRequest.newKeyPair();
    private final X509Certificate certificate;
    private final TestCa parent;

    private TestCa(String name, TestCa parent, Instant notBefore, Instant notAfter) {
        this.parent = parent;
        X500Name subject = new X500Name("CN=" + name);
        X500Name issuer = parent == null ? subject : X500Name.getInstance(parent.certificate.getSubjectX500Principal().getEncoded());
        KeyPair signer = parent == null ? keys : parent.keys;
        this.certificate = build(issuer, subject, keys.getPublic(), signer, notBefore, notAfter, true, List.of());
    }

    /** A root valid from an hour ago for a year. */
    public static TestCa root(String name) {
        Instant now = Instant.now();
        return new TestCa(name, null, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(365)));
    }

    public static TestCa root(String name, Instant notBefore, Instant notAfter) {
        return new TestCa(name, null, notBefore, notAfter);
    }

    public TestCa intermediate(String name) {
        Instant now = Instant.now();
        return new TestCa(name, this, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(365)));
    }

    public X509Certificate certificate() {
        return certificate;
    }

    public String pem() {
        return Pem.certificates(List.of(certificate));
    }

    /** A server certificate for the request's key with the request's names, valid from an hour ago for 90 days. */
    public X509Certificate sign(String csrPem) {
        CertificateRequest.Parsed request = CertificateRequest.parse(csrPem);
        Instant now = Instant.now();
        return leaf(request.publicKey(), request.dnsNames(), now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(90)));
    }

    public X509Certificate leaf(PublicKey key, List<String> dnsNames, Instant notBefore, Instant notAfter) {
        return build(X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded()), new X500Name("CN=" + dnsNames.get(0)), key,
                keys, notBefore, notAfter, false, dnsNames);
    }

    /** Leaf, then this CA and its parents up to (not including) the root. */
    public String chainPem(X509Certificate leaf) {
        StringBuilder chain = new StringBuilder(Pem.certificates(List.of(leaf)));
        for (TestCa ca = this; ca.parent != null; ca = ca.parent) {
            chain.append(ca.pem());
        }
        return chain.toString();
    }

    private static X509Certificate build(X500Name issuer, X500Name subject, PublicKey key, KeyPair signer, Instant notBefore,
            Instant notAfter, boolean ca, List<String> dnsNames) {
        try {
            JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            var builder = new JcaX509v3CertificateBuilder(issuer, new BigInteger(96, RANDOM).setBit(95), Date.from(notBefore),
                    Date.from(notAfter), subject, key)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(ca))
                    .addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(key))
                    .addExtension(Extension.authorityKeyIdentifier, false, utils.createAuthorityKeyIdentifier(signer.getPublic()));
            if (ca) {
                builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            } else {
                builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                        .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
                        .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(
                                dnsNames.stream().map(n -> new GeneralName(GeneralName.dNSName, n)).toArray(GeneralName[]::new)));
            }
            return new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())));
        } catch (Exception e) {
            throw new IllegalStateException("test CA cannot sign: " + e.getMessage(), e);
        }
    }
}
