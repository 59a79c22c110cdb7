package dev.marina.agent.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ChainCheckTest {

    private static final List<String> NAMES = List.of("orders.acme.db.test", "orders-1.acme.db.test");

    private final Instant now = Instant.now();
    private final KeyPair key = CertificateRequest.newKeyPair();
    private final TestCa root = TestCa.root("test root");
    private final TestCa intermediate = root.intermediate("test intermediate");

    private Optional<String> check(List<X509Certificate> chain, List<X509Certificate> bundle) {
        return ChainCheck.problem(chain, key.getPublic(), NAMES, bundle, now);
    }

    private X509Certificate leaf(TestCa ca) {
        return ca.leaf(key.getPublic(), NAMES, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(90)));
    }

    private static void assertProblem(Optional<String> problem, String part) {
        assertTrue(problem.isPresent(), "expected a problem with \"" + part + "\"");
        assertTrue(problem.get().contains(part), problem.get());
    }

    @Test
    void accepts_a_leaf_signed_by_a_ca_of_the_bundle() {
        assertEquals(Optional.empty(), check(List.of(leaf(root)), List.of(root.certificate())));
    }

    @Test
    void accepts_a_chain_through_an_intermediate_with_or_without_the_root_at_its_end() {
        X509Certificate leaf = leaf(intermediate);
        assertEquals(Optional.empty(), check(List.of(leaf, intermediate.certificate()), List.of(root.certificate())));
        assertEquals(Optional.empty(), check(List.of(leaf, intermediate.certificate(), root.certificate()), List.of(root.certificate())));
    }

    @Test
    void refuses_a_certificate_for_another_key() {
        KeyPair other = CertificateRequest.newKeyPair();
        X509Certificate leaf = root.leaf(other.getPublic(), NAMES, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(1)));
        assertProblem(check(List.of(leaf), List.of(root.certificate())), "another key");
    }

    @Test
    void refuses_an_expired_certificate_and_one_not_valid_yet() {
        X509Certificate expired = root.leaf(key.getPublic(), NAMES, now.minus(Duration.ofDays(10)), now.minus(Duration.ofDays(1)));
        assertProblem(check(List.of(expired), List.of(root.certificate())), "expired");
        X509Certificate early = root.leaf(key.getPublic(), NAMES, now.plus(Duration.ofDays(1)), now.plus(Duration.ofDays(10)));
        assertProblem(check(List.of(early), List.of(root.certificate())), "not valid before");
    }

    @Test
    void refuses_a_certificate_that_does_not_cover_every_requested_name() {
        X509Certificate leaf = root.leaf(key.getPublic(), List.of(NAMES.get(0)), now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(1)));
        assertProblem(check(List.of(leaf), List.of(root.certificate())), "does not cover orders-1.acme.db.test");
    }

    @Test
    void refuses_a_chain_of_another_ca() {
        TestCa stranger = TestCa.root("stranger");
        assertProblem(check(List.of(leaf(stranger)), List.of(root.certificate())), "does not verify up to the CA bundle");
    }

    @Test
    void refuses_a_chain_without_its_intermediate() {
        assertProblem(check(List.of(leaf(intermediate)), List.of(root.certificate())), "does not verify");
    }

    @Test
    void refuses_an_empty_chain_or_bundle() {
        assertProblem(check(List.of(), List.of(root.certificate())), "no certificate");
        assertProblem(check(List.of(leaf(root)), List.of()), "CA bundle holds no certificate");
    }
}
