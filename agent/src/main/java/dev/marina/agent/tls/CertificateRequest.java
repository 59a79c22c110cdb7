package dev.marina.agent.tls;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * Key pairs, PKCS#10 requests and the throwaway bootstrap certificate. Keys are EC P-256: MariaDB 10.11
 * (OpenSSL 3), Connector/J and ACME CAs all take them, and they are quick to make.
 */
public final class CertificateRequest {
    private CertificateRequest() {}

    private static final String SIGNATURE = "SHA256withECDSA";
    private static final SecureRandom RANDOM = new SecureRandom();

    public static KeyPair newKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot make an EC P-256 key pair: " + e.getMessage(), e);
        }
    }

    /** A PKCS#10 request (PEM) with CN = the first name and a subjectAltName extension listing every name. */
    public static String csr(KeyPair keys, List<String> dnsNames) {
        try {
            X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, dnsNames.get(0)).build();
            ExtensionsGenerator extensions = new ExtensionsGenerator();
            extensions.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(
                    dnsNames.stream().map(n -> new GeneralName(GeneralName.dNSName, n)).toArray(GeneralName[]::new)));
            PKCS10CertificationRequest request = new JcaPKCS10CertificationRequestBuilder(subject, keys.getPublic())
                    .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, extensions.generate())
                    .build(new JcaContentSignerBuilder(SIGNATURE).build(keys.getPrivate()));
            return Pem.block("CERTIFICATE REQUEST", request.getEncoded());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (OperatorCreationException e) {
            throw new IllegalStateException("cannot sign the request: " + e.getMessage(), e);
        }
    }

    /** What a request asks for: its public key and the DNS names of its subjectAltName extension. */
    public record Parsed(PublicKey publicKey, List<String> dnsNames) {}

    public static Parsed parse(String csrPem) {
        try (PEMParser parser = new PEMParser(new StringReader(csrPem))) {
            Object object = parser.readObject();
            if (!(object instanceof PKCS10CertificationRequest request)) {
                throw new IllegalArgumentException("not a PKCS#10 request");
            }
            List<String> names = new ArrayList<>();
            for (var attribute : request.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest)) {
                Extensions extensions = Extensions.getInstance(attribute.getAttrValues().getObjectAt(0));
                GeneralNames sans = GeneralNames.fromExtensions(extensions, Extension.subjectAlternativeName);
                if (sans != null) {
                    for (GeneralName name : sans.getNames()) {
                        if (name.getTagNo() == GeneralName.dNSName) {
                            names.add(name.getName().toString());
                        }
                    }
                }
            }
            return new Parsed(new JcaPKCS10CertificationRequest(request).getPublicKey(), List.copyOf(names));
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("request does not parse: " + e.getMessage(), e);
        }
    }

    /**
     * A self-signed certificate for {@code keys}, only so that the server can start TLS-capable before a
     * real certificate arrives. It is never sent anywhere and nobody but the agent trusts it.
     */
    public static X509Certificate selfSigned(KeyPair keys, String commonName, Instant now, Duration validity) {
        try {
            X500Name name = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
            var builder = new JcaX509v3CertificateBuilder(name, new BigInteger(64, RANDOM).setBit(63), Date.from(now.minus(Duration.ofMinutes(5))),
                    Date.from(now.plus(validity)), name, keys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            return new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder(SIGNATURE).build(keys.getPrivate())));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot make the bootstrap certificate: " + e.getMessage(), e);
        }
    }
}
