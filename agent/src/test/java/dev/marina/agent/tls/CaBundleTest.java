package dev.marina.agent.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class CaBundleTest {

    private final Instant now = Instant.now();
    private final X509Certificate oldCa = TestCa.root("old CA").certificate();
    private final X509Certificate newCa = TestCa.root("new CA").certificate();
    private final X509Certificate expired = TestCa.root("expired CA", now.minus(Duration.ofDays(30)), now.minus(Duration.ofDays(1))).certificate();

    @Test
    void keeps_the_cas_trusted_before_when_a_new_ca_arrives() {
        assertEquals(List.of(newCa, oldCa), CaBundle.merge(List.of(oldCa), List.of(newCa), now));
    }

    @Test
    void lists_each_certificate_once() {
        assertEquals(List.of(newCa, oldCa), CaBundle.merge(List.of(oldCa, newCa), List.of(newCa, newCa), now));
    }

    @Test
    void drops_expired_certificates_old_or_new() {
        assertEquals(List.of(newCa), CaBundle.merge(List.of(expired), List.of(newCa), now));
        assertEquals(List.of(oldCa), CaBundle.merge(List.of(oldCa), List.of(expired), now));
    }

    @Test
    void the_same_bundle_again_changes_nothing() {
        List<X509Certificate> once = CaBundle.merge(List.of(), List.of(oldCa, newCa), now);
        assertEquals(once, CaBundle.merge(once, List.of(oldCa, newCa), now));
    }

    @Test
    void round_trips_through_pem() {
        assertEquals(List.of(newCa, oldCa), Pem.certificates(Pem.certificates(CaBundle.merge(List.of(oldCa), List.of(newCa), now))));
    }
}
