package dev.marina.cert;

import dev.marina.cert.journal.Files2;
import dev.marina.cert.journal.Journal;
import dev.marina.cert.pki.EncryptedKeys;
import dev.marina.cert.pki.Pem;
import dev.marina.cert.pki.PlatformCa;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.util.Base64;
import org.jboss.logging.Logger;

/**
 * What cert-service keeps in its state folder, opened at start: the platform CA, the ACME account
 * key (both encrypted with the passphrase) and the journal. A passphrase that does not open them
 * fails the start with a message saying so.
 */
@Startup
@ApplicationScoped
public class StateKeys {

    private static final Logger LOG = Logger.getLogger(StateKeys.class);
    public static final String ACCOUNT_KEY_FILE = "acme-account-key.pem";

    @Inject
    CertConfig config;

    @Inject
    Clock clock;

    private PlatformCa ca;
    private KeyPair accountKey;
    private Journal journal;

    @PostConstruct
    void open() {
        Path dir = Path.of(config.stateDir()).toAbsolutePath();
        char[] passphrase = passphrase(config);
        ca = PlatformCa.loadOrCreate(dir, passphrase, clock.instant(), config.selfSigned().caValidity());
        accountKey = loadOrCreateAccountKey(dir.resolve(ACCOUNT_KEY_FILE), passphrase);
        journal = new Journal(dir);
        LOG.infof("cert state opened dir=%s ca-subject=\"%s\" ca-serial=%s ca-not-after=%s", dir,
                ca.certificate().getSubjectX500Principal(), Pem.serial(ca.certificate()), ca.certificate().getNotAfter().toInstant());
    }

    public PlatformCa ca() {
        return ca;
    }

    public KeyPair accountKey() {
        return accountKey;
    }

    public Journal journal() {
        return journal;
    }

    /** The passphrase: {@code marina.cert.ca-passphrase}, else the file (created with a random one when missing). */
    static char[] passphrase(CertConfig config) {
        if (config.caPassphrase().filter(p -> !p.isBlank()).isPresent()) {
            return config.caPassphrase().get().toCharArray();
        }
        Path file = Path.of(config.caPassphraseFile().orElseThrow(() -> new IllegalStateException(
                "no passphrase for the platform CA key: set marina.cert.ca-passphrase (MARINA_CERT_CA_PASSPHRASE)"
                        + " or marina.cert.ca-passphrase-file")));
        try {
            if (!Files.exists(file)) {
                byte[] random = new byte[32];
                new SecureRandom().nextBytes(random);
                Files2.writeAtomically(file, (Base64.getEncoder().encodeToString(random) + "\n").getBytes(StandardCharsets.US_ASCII), true);
                LOG.infof("cert passphrase created file=%s", file.toAbsolutePath());
            }
            String line = Files.readAllLines(file, StandardCharsets.UTF_8).stream().findFirst().orElse("").trim();
            if (line.isEmpty()) {
                throw new IllegalStateException("the passphrase file " + file + " is empty");
            }
            return line.toCharArray();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the passphrase file " + file, e);
        }
    }

    private static KeyPair loadOrCreateAccountKey(Path file, char[] passphrase) {
        try {
            if (Files.exists(file)) {
                return EncryptedKeys.keyPair(EncryptedKeys.decrypt(Files.readString(file), passphrase, "the ACME account key " + file));
            }
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC", Pem.provider());
            generator.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
            KeyPair pair = generator.generateKeyPair();
            Files2.writeAtomically(file, EncryptedKeys.encrypt(pair.getPrivate(), passphrase).getBytes(StandardCharsets.US_ASCII), true);
            return pair;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or write the ACME account key " + file, e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate the ACME account key", e);
        }
    }
}
