package dev.marina.agent.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.agent.InstanceFiles;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The TLS files of an instance: requests, sets, the live link; on a real folder. */
class ServerTlsTest {

    private static final List<String> NAMES = List.of("orders.acme.db.test", "orders-1.acme.db.test");

    @TempDir
    Path dir;

    private InstanceFiles files;
    private ServerTls tls;
    private final TestCa ca = TestCa.root("test CA");
    private final Instant now = Instant.now();

    @BeforeEach
    void setUp() {
        files = new InstanceFiles(dir.resolve("instance"));
        tls = new ServerTls(files);
    }

    @Test
    void a_csr_names_the_first_name_as_cn_and_every_name_as_san_and_its_key_stays_in_a_private_file() throws Exception {
        String csr = tls.csr("r1", NAMES);
        try (PEMParser parser = new PEMParser(new java.io.StringReader(csr))) {
            PKCS10CertificationRequest request = (PKCS10CertificationRequest) parser.readObject();
            assertEquals("CN=orders.acme.db.test", request.getSubject().toString());
        }
        CertificateRequest.Parsed parsed = CertificateRequest.parse(csr);
        assertEquals(NAMES, parsed.dnsNames());
        assertFalse(csr.contains("PRIVATE KEY"));

        Path key = tls.requestKey("r1");
        assertEquals("rw-------", permissions(key));
        assertEquals("rwx------", permissions(files.tls()));
        assertEquals("rwx------", permissions(files.tlsRequests()));
        // The file's key is the request's key: what it signs verifies with the CSR's public key.
        PrivateKey privateKey = Pem.readPrivateKey(Files.readString(key));
        Signature signer = Signature.getInstance("SHA256withECDSA");
        signer.initSign(privateKey);
        signer.update(new byte[] {1, 2, 3});
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance("SHA256withECDSA");
        verifier.initVerify(parsed.publicKey());
        verifier.update(new byte[] {1, 2, 3});
        assertTrue(verifier.verify(signature));
    }

    @Test
    void the_same_request_again_gives_the_same_csr_and_keeps_its_key() throws Exception {
        String first = tls.csr("r1", NAMES);
        byte[] key = Files.readAllBytes(tls.requestKey("r1"));
        assertEquals(first, tls.csr("r1", NAMES));
        assertArrayEquals(key, Files.readAllBytes(tls.requestKey("r1")));
        assertNotEquals(first, tls.csr("r2", NAMES), "another request gets another key");
    }

    @Test
    void refuses_the_same_request_id_for_other_names_and_unsafe_ids() {
        tls.csr("r1", NAMES);
        assertTrue(assertThrows(TlsRefusal.class, () -> tls.csr("r1", List.of("other.db.test"))).getMessage().contains("other names"));
        assertThrows(TlsRefusal.class, () -> tls.csr("../r1", NAMES));
        assertThrows(TlsRefusal.class, () -> tls.check("../r1", "x", "y", now));
    }

    @Test
    void bootstrap_makes_a_complete_self_signed_live_set_once() throws Exception {
        tls.ensureLive(now);
        assertEquals(ServerTls.BOOTSTRAP, tls.liveSet().orElseThrow());
        X509Certificate self = tls.liveLeaf().orElseThrow();
        assertEquals(self.getSubjectX500Principal(), self.getIssuerX500Principal());
        assertEquals(List.of(self), Pem.certificates(Files.readString(files.caBundle())));
        assertEquals("rw-------", permissions(files.serverKey()));
        assertEquals(List.of(self), trustStore(files.agentTrustStore()));
        tls.ensureLive(now);
        assertEquals(self, tls.liveLeaf().orElseThrow(), "an existing live set is kept");
    }

    @Test
    void an_installed_chain_becomes_live_with_its_key_and_the_agent_still_trusts_the_bootstrap_until_the_next_install() throws Exception {
        tls.ensureLive(now);
        X509Certificate bootstrap = tls.liveLeaf().orElseThrow();
        X509Certificate leaf = ca.sign(tls.csr("r1", NAMES));
        ServerTls.Installation installation = tls.check("r1", ca.chainPem(leaf), ca.pem(), now);
        assertFalse(tls.isLive(installation));
        assertEquals(ServerTls.BOOTSTRAP, tls.makeLive(installation, now));
        assertTrue(tls.isLive(installation));
        assertEquals(leaf, tls.liveLeaf().orElseThrow());
        assertEquals(Files.readString(tls.requestKey("r1")), Files.readString(files.serverKey()));
        assertEquals(List.of(ca.certificate()), Pem.certificates(Files.readString(files.caBundle())), "the bootstrap certificate is not a CA of the server");
        assertEquals(List.of(ca.certificate(), bootstrap), trustStore(files.agentTrustStore()));
        tls.removeUnneeded("r1");
        try (Stream<Path> sets = Files.list(files.tlsSets())) {
            assertEquals(1, sets.count(), "only the live set is left");
        }
    }

    @Test
    void a_new_ca_is_merged_with_the_one_trusted_before() throws Exception {
        tls.ensureLive(now);
        X509Certificate first = ca.sign(tls.csr("r1", NAMES));
        tls.makeLive(tls.check("r1", ca.chainPem(first), ca.pem(), now), now);
        TestCa next = TestCa.root("next CA");
        X509Certificate second = next.sign(tls.csr("r2", NAMES));
        String previous = tls.makeLive(tls.check("r2", next.chainPem(second), next.pem(), now), now);
        assertTrue(previous.startsWith("r1."), previous);
        assertEquals(List.of(next.certificate(), ca.certificate()), Pem.certificates(Files.readString(files.caBundle())));
        assertEquals(List.of(next.certificate(), ca.certificate()), trustStore(files.agentTrustStore()));
    }

    @Test
    void after_an_install_the_older_requests_are_removed_and_a_newer_one_stays() throws Exception {
        tls.ensureLive(now);
        tls.csr("r1", NAMES);
        Thread.sleep(20);
        X509Certificate leaf = ca.sign(tls.csr("r2", NAMES));
        Thread.sleep(20);
        tls.csr("r3", NAMES);
        tls.makeLive(tls.check("r2", ca.chainPem(leaf), ca.pem(), now), now);
        tls.removeUnneeded("r2");
        assertFalse(Files.exists(tls.requestKey("r1")));
        assertFalse(Files.exists(tls.requestCsr("r1")));
        assertTrue(Files.exists(tls.requestKey("r2")), "kept: the same request may be asked again");
        assertTrue(Files.exists(tls.requestKey("r3")), "kept: a renewal under way");
        TlsRefusal late = assertThrows(TlsRefusal.class, () -> tls.check("r1", ca.chainPem(leaf), ca.pem(), now));
        assertTrue(late.getMessage().contains("no key for request r1"), late.getMessage());
    }

    @Test
    void making_the_live_set_live_again_rewrites_nothing() throws Exception {
        tls.ensureLive(now);
        X509Certificate leaf = ca.sign(tls.csr("r1", NAMES));
        ServerTls.Installation installation = tls.check("r1", ca.chainPem(leaf), ca.pem(), now);
        tls.makeLive(installation, now);
        String live = tls.liveSet().orElseThrow();
        var written = Files.getLastModifiedTime(files.serverCert());
        Thread.sleep(20);
        assertEquals(live, tls.makeLive(installation, now));
        assertEquals(written, Files.getLastModifiedTime(files.serverCert()));
    }

    @Test
    void relink_puts_the_previous_set_back() {
        tls.ensureLive(now);
        X509Certificate bootstrap = tls.liveLeaf().orElseThrow();
        X509Certificate leaf = ca.sign(tls.csr("r1", NAMES));
        String previous = tls.makeLive(tls.check("r1", ca.chainPem(leaf), ca.pem(), now), now);
        tls.relink(previous);
        assertEquals(bootstrap, tls.liveLeaf().orElseThrow());
    }

    @Test
    void refuses_chains_that_do_not_parse_or_do_not_belong_to_the_request() {
        tls.ensureLive(now);
        String csr = tls.csr("r1", NAMES);
        assertTrue(assertThrows(TlsRefusal.class, () -> tls.check("r1", "not a chain", ca.pem(), now)).getMessage()
                .contains("certificate chain holds no certificate"));
        assertTrue(assertThrows(TlsRefusal.class, () -> tls.check("r1",
                "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", ca.pem(), now)).getMessage().contains("does not parse"));
        X509Certificate other = ca.sign(new ServerTls(new InstanceFiles(dir.resolve("other"))).csr("x", NAMES));
        assertTrue(assertThrows(TlsRefusal.class, () -> tls.check("r1", ca.chainPem(other), ca.pem(), now)).getMessage()
                .contains("another key"));
        assertTrue(assertThrows(TlsRefusal.class, () -> tls.check("r9", ca.chainPem(ca.sign(csr)), ca.pem(), now)).getMessage()
                .contains("no key for request r9"));
    }

    private static List<X509Certificate> trustStore(Path file) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            store.load(in, ServerTls.TRUST_STORE_PASSWORD.toCharArray());
        }
        return Collections.list(store.aliases()).stream().sorted().map(alias -> {
            try {
                return (X509Certificate) store.getCertificate(alias);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).toList();
    }

    private static String permissions(Path file) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
    }
}
