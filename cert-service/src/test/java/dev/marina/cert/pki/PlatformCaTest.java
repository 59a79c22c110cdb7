package dev.marina.cert.pki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.cert.TestCsrs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlatformCaTest {

    private static final Instant NOW = Instant.parse("2026-11-20T10:00:00Z");
    private static final char[] PASSPHRASE = "correct horse".toCharArray();

    @TempDir
    Path dir;

    @Test
    void keeps_its_key_encrypted_at_rest_and_readable_only_by_its_owner() throws Exception {
        PlatformCa.loadOrCreate(dir, PASSPHRASE, NOW, Duration.ofDays(3650));

        String stored = Files.readString(dir.resolve(PlatformCa.KEY_FILE));
        assertTrue(stored.startsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----"), stored);
        assertFalse(stored.contains("BEGIN PRIVATE KEY"), "no plaintext PKCS#8");
        assertFalse(stored.contains("BEGIN EC PRIVATE KEY"), "no plaintext SEC1");
        assertEquals(java.util.Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
                Files.getPosixFilePermissions(dir.resolve(PlatformCa.KEY_FILE)));
    }

    @Test
    void loads_the_same_ca_again_with_the_right_passphrase() {
        PlatformCa first = PlatformCa.loadOrCreate(dir, PASSPHRASE, NOW, Duration.ofDays(3650));
        PlatformCa again = PlatformCa.loadOrCreate(dir, PASSPHRASE, NOW.plusSeconds(60), Duration.ofDays(3650));

        assertEquals(first.certificate(), again.certificate());
    }

    @Test
    void a_wrong_passphrase_fails_with_a_clear_message() {
        PlatformCa.loadOrCreate(dir, PASSPHRASE, NOW, Duration.ofDays(3650));

        var error = assertThrows(EncryptedKeys.WrongPassphrase.class,
                () -> PlatformCa.loadOrCreate(dir, "wrong".toCharArray(), NOW, Duration.ofDays(3650)));

        assertTrue(error.getMessage().contains("wrong passphrase"), error.getMessage());
        assertTrue(error.getMessage().contains("MARINA_CERT_CA_PASSPHRASE"), error.getMessage());
    }

    @Test
    void refuses_a_certificate_without_its_key() throws Exception {
        PlatformCa.loadOrCreate(dir, PASSPHRASE, NOW, Duration.ofDays(3650));
        Files.delete(dir.resolve(PlatformCa.KEY_FILE));

        var error = assertThrows(IllegalStateException.class, () -> PlatformCa.loadOrCreate(dir, PASSPHRASE, NOW, Duration.ofDays(3650)));

        assertTrue(error.getMessage().contains("incomplete"), error.getMessage());
    }

    @Test
    void signs_a_leaf_with_the_csrs_names_both_usages_and_a_positive_random_serial() throws Exception {
        PlatformCa ca = PlatformCa.loadOrCreate(dir, PASSPHRASE, NOW, Duration.ofDays(3650));
        var csr = CsrCheck.check(TestCsrs.csr(TestCsrs.ecKey(), "w.db1.marina.test", "ro.db1.marina.test"),
                List.of("w.db1.marina.test", "ro.db1.marina.test"), "marina.test");

        X509Certificate leaf = ca.issue(csr, NOW, Duration.ofDays(90));
        X509Certificate other = ca.issue(csr, NOW, Duration.ofDays(90));

        leaf.verify(ca.certificate().getPublicKey());
        assertEquals(NOW.plus(Duration.ofDays(90)), leaf.getNotAfter().toInstant());
        assertTrue(leaf.getSubjectX500Principal().getName().contains("CN=w.db1.marina.test"));
        assertEquals(List.of("w.db1.marina.test", "ro.db1.marina.test"),
                leaf.getSubjectAlternativeNames().stream().map(san -> (String) san.get(1)).toList());
        assertEquals(List.of("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"), leaf.getExtendedKeyUsage());
        assertEquals(-1, leaf.getBasicConstraints());
        assertTrue(leaf.getSerialNumber().signum() > 0);
        assertFalse(leaf.getSerialNumber().equals(other.getSerialNumber()));
    }

    @Test
    void serials_are_lowercase_hex_of_the_positive_number() throws Exception {
        PlatformCa ca = PlatformCa.loadOrCreate(dir, PASSPHRASE, NOW, Duration.ofDays(3650));
        var csr = CsrCheck.check(TestCsrs.csr(TestCsrs.ecKey(), "a.marina.test"), List.of("a.marina.test"), "marina.test");
        for (int i = 0; i < 20; i++) {
            X509Certificate leaf = ca.issue(csr, NOW, Duration.ofDays(1));
            String serial = Pem.serial(leaf);
            assertTrue(serial.matches("[1-9a-f][0-9a-f]*"), serial);
            assertEquals(leaf.getSerialNumber(), new java.math.BigInteger(serial, 16));
        }
    }
}
