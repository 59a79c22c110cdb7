package dev.marina.cert.names;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.marina.cert.names.NameOwnership.Verdict;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class NameOwnershipTest {

    private static final String ORDERS = "acme/orders";
    private static final String W = "orders.acme.marina.test";
    private static final String RO = "ro.orders.acme.marina.test";
    private static final String I1 = "i1.orders.acme.marina.test";
    private static final String OTHER = "billing.globex.marina.test";

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("every name declared for it", Map.of(ORDERS, Set.of(W, RO, I1)), List.of(W, RO, I1),
                        new Verdict.Owned()),
                Arguments.of("a subset of its names", Map.of(ORDERS, Set.of(W, RO, I1)), List.of(I1),
                        new Verdict.Owned()),
                Arguments.of("nothing declared yet", Map.of(), List.of(W, RO),
                        new Verdict.NotDeclared(List.of(W, RO))),
                Arguments.of("an instance name not declared yet", Map.of(ORDERS, Set.of(W, RO)), List.of(W, RO, I1),
                        new Verdict.NotDeclared(List.of(I1))),
                Arguments.of("another deployment's name", Map.of(ORDERS, Set.of(W), "globex/billing", Set.of(OTHER)),
                        List.of(W, OTHER), new Verdict.OwnedElsewhere(OTHER, Set.of("globex/billing"))),
                Arguments.of("another deployment's name it does not declare", Map.of("globex/billing", Set.of(OTHER)),
                        List.of(OTHER), new Verdict.OwnedElsewhere(OTHER, Set.of("globex/billing"))),
                Arguments.of("a name two deployments declare (a clash): neither may have it",
                        Map.of(ORDERS, Set.of(W), "globex/billing", Set.of(W)), List.of(W),
                        new Verdict.OwnedElsewhere(W, Set.of("globex/billing"))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void decides(String description, Map<String, Set<String>> declared, List<String> asked, Verdict expected) {
        assertEquals(expected, NameOwnership.decide(ORDERS, asked, declared, inverse(declared)));
    }

    private static Map<String, Set<String>> inverse(Map<String, Set<String>> declared) {
        Map<String, Set<String>> owners = new HashMap<>();
        declared.forEach((deployment, names) -> names.forEach(n -> owners.computeIfAbsent(n, k -> new HashSet<>()).add(deployment)));
        return owners;
    }
}
