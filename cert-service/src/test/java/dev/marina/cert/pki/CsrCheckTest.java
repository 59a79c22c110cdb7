package dev.marina.cert.pki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.cert.CertFailure;
import dev.marina.cert.TestCsrs;
import java.security.KeyPair;
import java.util.List;
import org.junit.jupiter.api.Test;

class CsrCheckTest {

    private static final String ZONE = "marina.test";
    private final KeyPair key = TestCsrs.ecKey();

    @Test
    void accepts_a_csr_whose_names_were_all_requested_and_gives_them_cn_first() throws CertFailure {
        String csr = TestCsrs.csr(key, "w.db1.marina.test", "ro.db1.marina.test");

        CsrCheck.CheckedCsr checked = CsrCheck.check(csr, List.of("W.db1.marina.test.", "ro.db1.marina.test", "x.db1.marina.test"), ZONE);

        assertEquals(List.of("w.db1.marina.test", "ro.db1.marina.test"), checked.names());
    }

    @Test
    void refuses_a_name_that_is_not_among_the_deployments_names() {
        String csr = TestCsrs.csr(key, "w.db1.marina.test", "w.other.marina.test");

        CertFailure failure = assertThrows(CertFailure.class, () -> CsrCheck.check(csr, List.of("w.db1.marina.test"), ZONE));

        assertEquals(CertFailure.NAME_NOT_REQUESTED, failure.code());
        assertFalse(failure.isRetryable());
        assertTrue(failure.reason().contains("w.other.marina.test"), failure.reason());
    }

    @Test
    void refuses_a_name_outside_the_zone_even_when_requested() {
        String csr = TestCsrs.csr(key, "db1.example.com");

        CertFailure failure = assertThrows(CertFailure.class, () -> CsrCheck.check(csr, List.of("db1.example.com"), ZONE));

        assertEquals(CertFailure.NAME_OUTSIDE_ZONE, failure.code());
        assertFalse(failure.isRetryable());
    }

    @Test
    void a_suffix_that_only_looks_like_the_zone_is_outside() {
        assertFalse(CsrCheck.inZone("evilmarina.test", ZONE));
        assertTrue(CsrCheck.inZone("a.b.marina.test.", ZONE));
        assertTrue(CsrCheck.inZone("marina.test", ZONE));
    }

    @Test
    void refuses_text_that_is_not_a_csr() {
        for (String bad : List.of("", "hello", "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n")) {
            CertFailure failure = assertThrows(CertFailure.class, () -> CsrCheck.check(bad, List.of("a.marina.test"), ZONE));
            assertEquals(CertFailure.CSR_UNREADABLE, failure.code(), bad);
            assertFalse(failure.isRetryable());
        }
    }

    @Test
    void refuses_a_csr_whose_signature_does_not_match_its_key() throws Exception {
        var good = TestCsrs.request(key, "a.marina.test");
        var other = TestCsrs.request(TestCsrs.ecKey(), "a.marina.test");
        // the first request's content and key with the second one's signature
        var forged = new org.bouncycastle.asn1.pkcs.CertificationRequest(good.toASN1Structure().getCertificationRequestInfo(),
                other.toASN1Structure().getSignatureAlgorithm(), other.toASN1Structure().getSignature());
        String pem = Pem.of(new org.bouncycastle.pkcs.PKCS10CertificationRequest(forged));

        CertFailure failure = assertThrows(CertFailure.class, () -> CsrCheck.check(pem, List.of("a.marina.test"), ZONE));

        assertEquals(CertFailure.CSR_SIGNATURE, failure.code());
    }
}
