package dev.marina.cert.pki;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.RSAPublicKeySpec;
import org.bouncycastle.jce.interfaces.ECPrivateKey;
import org.bouncycastle.jce.spec.ECPublicKeySpec;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8DecryptorProviderBuilder;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.openssl.PKCS8Generator;

/**
 * Private keys at rest: PKCS#8 encrypted PEM ({@code -----BEGIN ENCRYPTED PRIVATE KEY-----}), PBES2
 * with PBKDF2-HMAC-SHA256 and AES-256-CBC, which {@code openssl pkey} reads too.
 */
public final class EncryptedKeys {
    private EncryptedKeys() {}

    private static final int ITERATIONS = 100_000;

    /** Thrown when the passphrase does not open the key. */
    public static final class WrongPassphrase extends RuntimeException {
        WrongPassphrase(String message, Throwable cause) {
            super(message, cause);
        }
    }

    public static String encrypt(PrivateKey key, char[] passphrase) {
        try {
            var encryptor = new JceOpenSSLPKCS8EncryptorBuilder(PKCS8Generator.AES_256_CBC)
                    .setPRF(PKCS8Generator.PRF_HMACSHA256)
                    .setIterationCount(ITERATIONS)
                    .setRandom(new SecureRandom())
                    .setProvider(Pem.provider())
                    .setPassword(passphrase)
                    .build();
            StringWriter out = new StringWriter();
            try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
                writer.writeObject(new JcaPKCS8Generator(key, encryptor));
            }
            return out.toString();
        } catch (OperatorCreationException e) {
            throw new IllegalStateException("cannot encrypt a private key", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Opens an encrypted PEM key. {@code what} names it in errors ("the platform CA key in /x/ca-key.pem").
     *
     * @throws WrongPassphrase when the passphrase does not decrypt it
     * @throws IllegalArgumentException when the text is not an encrypted PKCS#8 key
     */
    public static PrivateKey decrypt(String pem, char[] passphrase, String what) {
        Object parsed;
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            parsed = parser.readObject();
        } catch (IOException e) {
            throw new IllegalArgumentException(what + " is not readable PEM: " + e.getMessage(), e);
        }
        if (!(parsed instanceof PKCS8EncryptedPrivateKeyInfo encrypted)) {
            throw new IllegalArgumentException(what + " is not an encrypted PKCS#8 key (found "
                    + (parsed == null ? "nothing" : parsed.getClass().getSimpleName()) + ")");
        }
        try {
            var decryptor = new JceOpenSSLPKCS8DecryptorProviderBuilder().setProvider(Pem.provider()).build(passphrase);
            return new JcaPEMKeyConverter().setProvider(Pem.provider()).getPrivateKey(encrypted.decryptPrivateKeyInfo(decryptor));
        } catch (PKCSException e) {
            throw new WrongPassphrase("cannot decrypt " + what + ": wrong passphrase"
                    + " (marina.cert.ca-passphrase / MARINA_CERT_CA_PASSPHRASE or marina.cert.ca-passphrase-file)", e);
        } catch (OperatorCreationException | IOException e) {
            throw new IllegalStateException("cannot decrypt " + what + ": " + e.getMessage(), e);
        }
    }

    /** The key pair of a private key: its public half is computed (EC) or read from the CRT parameters (RSA). */
    public static KeyPair keyPair(PrivateKey key) {
        try {
            PublicKey pub;
            if (key instanceof java.security.interfaces.ECPrivateKey && !(key instanceof ECPrivateKey)) {
                // another provider's key: re-read it with ours
                key = KeyFactory.getInstance("EC", Pem.provider()).generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(key.getEncoded()));
            }
            if (key instanceof ECPrivateKey ec) {
                var params = ec.getParameters();
                pub = KeyFactory.getInstance("EC", Pem.provider()).generatePublic(
                        new ECPublicKeySpec(params.getG().multiply(ec.getD()).normalize(), params));
            } else if (key instanceof RSAPrivateCrtKey rsa) {
                pub = KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(rsa.getModulus(), rsa.getPublicExponent()));
            } else {
                throw new IllegalArgumentException("unsupported key type " + key.getAlgorithm());
            }
            return new KeyPair(pub, key);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot derive the public key", e);
        }
    }
}
