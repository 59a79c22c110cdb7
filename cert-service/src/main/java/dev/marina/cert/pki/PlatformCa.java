package dev.marina.cert.pki;

import dev.marina.cert.journal.Files2;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;

/**
 * The platform CA of self-signed mode: an EC P-256 key and a self-signed CA certificate, generated on
 * first start in the state folder ({@code ca.pem}, and {@code ca-key.pem} encrypted with the
 * passphrase), then signing leaf certificates for CSRs that passed {@link CsrCheck}.
 */
public final class PlatformCa {

    public static final String CERT_FILE = "ca.pem";
    public static final String KEY_FILE = "ca-key.pem";
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Leaves start a little in the past, so a client whose clock lags a bit accepts them. */
    private static final Duration BACKDATE = Duration.ofMinutes(5);

    private final X509Certificate certificate;
    private final PrivateKey key;

    private PlatformCa(X509Certificate certificate, PrivateKey key) {
        this.certificate = certificate;
        this.key = key;
    }

    /**
     * Loads the CA from {@code dir}, or generates it when neither file exists.
     *
     * @throws EncryptedKeys.WrongPassphrase when the passphrase does not open the stored key
     * @throws IllegalStateException when the certificate exists without its key, or they do not belong together
     */
    public static PlatformCa loadOrCreate(Path dir, char[] passphrase, Instant now, Duration validity) {
        Path certFile = dir.resolve(CERT_FILE);
        Path keyFile = dir.resolve(KEY_FILE);
        try {
            boolean hasCert = Files.exists(certFile);
            boolean hasKey = Files.exists(keyFile);
            if (hasCert && !hasKey) {
                throw new IllegalStateException("the platform CA in " + dir + " is incomplete: " + keyFile
                        + " is missing; restore it from a backup (a new CA would invalidate every certificate issued)");
            }
            // a key without a certificate: a first start that stopped between the two writes; nothing was signed yet
            if (hasCert) {
                X509Certificate cert = Pem.certificates(Files.readString(certFile)).get(0);
                PrivateKey key = EncryptedKeys.decrypt(Files.readString(keyFile), passphrase, "the platform CA key " + keyFile);
                if (!java.util.Arrays.equals(EncryptedKeys.keyPair(key).getPublic().getEncoded(), cert.getPublicKey().getEncoded())) {
                    throw new IllegalStateException("the platform CA key " + keyFile + " does not belong to " + certFile);
                }
                return new PlatformCa(cert, key);
            }
            Files.createDirectories(dir);
            PlatformCa ca = generate(now, validity);
            // the key first, then the certificate: a crash in between leaves a key alone, which the next start refuses
            Files2.writeAtomically(keyFile, EncryptedKeys.encrypt(ca.key, passphrase).getBytes(StandardCharsets.US_ASCII), true);
            Files2.writeAtomically(certFile, Pem.of(ca.certificate).getBytes(StandardCharsets.US_ASCII), false);
            return ca;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or write the platform CA in " + dir, e);
        }
    }

    static PlatformCa generate(Instant now, Duration validity) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC", Pem.provider());
            generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            KeyPair pair = generator.generateKeyPair();
            X500Name subject = new X500NameBuilder(BCStyle.INSTANCE)
                    .addRDN(BCStyle.O, "marina")
                    .addRDN(BCStyle.CN, "marina platform CA")
                    .build();
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, randomSerial(),
                    Date.from(now.minus(BACKDATE)), Date.from(now.plus(validity)), subject, pair.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(pair.getPublic()));
            return new PlatformCa(sign(builder, pair.getPrivate()), pair.getPrivate());
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot generate the platform CA", e);
        }
    }

    /** Signs a leaf for a checked CSR: its key, its names (CN = the first), serverAuth and clientAuth. */
    public X509Certificate issue(CsrCheck.CheckedCsr csr, Instant now, Duration validity) {
        try {
            PublicKey leafKey = new JcaPKCS10CertificationRequest(csr.request()).setProvider(Pem.provider()).getPublicKey();
            List<String> names = csr.names();
            X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, names.get(0)).build();
            GeneralNames sans = new GeneralNames(names.stream().map(n -> new GeneralName(GeneralName.dNSName, n))
                    .toArray(GeneralName[]::new));
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(certificate, randomSerial(),
                    Date.from(now.minus(BACKDATE)), Date.from(now.plus(validity)), subject, leafKey)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment))
                    .addExtension(Extension.extendedKeyUsage, false,
                            new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}))
                    .addExtension(Extension.subjectAlternativeName, false, sans)
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(leafKey))
                    .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(certificate));
            return sign(builder, key);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot sign a certificate for " + csr.names(), e);
        }
    }

    public X509Certificate certificate() {
        return certificate;
    }

    public String certificatePem() {
        return Pem.of(certificate);
    }

    /** A random positive serial of 128 bits (RFC 5280 allows up to 20 octets; at least 64 bits of entropy). */
    static BigInteger randomSerial() {
        BigInteger serial;
        do {
            serial = new BigInteger(128, RANDOM);
        } while (serial.signum() == 0);
        return serial;
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key) throws GeneralSecurityException {
        try {
            String algorithm = key.getAlgorithm().startsWith("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
            return new JcaX509CertificateConverter().setProvider(Pem.provider())
                    .getCertificate(builder.build(new JcaContentSignerBuilder(algorithm).setProvider(Pem.provider()).build(key)));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }
}
