package dev.marina.intent.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.marina.intent.api.Access.Decision;
import dev.marina.intent.api.Access.Need;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Who may do what to which tenant's deployments: the decision every API call asks for first. */
class AccessTest {

    private static final Caller ADMIN = Caller.admin("admin");
    private static final Caller ACME_RW = Caller.tenant("00000000000000a1", "acme", false);
    private static final Caller ACME_RO = Caller.tenant("00000000000000a2", "acme", true);

    static Stream<Arguments> decisions() {
        return Stream.of(
                // an admin token does everything, everywhere
                Arguments.of("admin reads any tenant", ADMIN, Need.READ, "acme", Decision.ALLOW),
                Arguments.of("admin changes any tenant", ADMIN, Need.CHANGE, "globex", Decision.ALLOW),
                Arguments.of("admin reads credentials", ADMIN, Need.SECRETS, "globex", Decision.ALLOW),
                Arguments.of("admin manages tokens", ADMIN, Need.ADMIN, "", Decision.ALLOW),
                // a read-write tenant token: everything in its tenant, nothing elsewhere
                Arguments.of("tenant token reads its tenant", ACME_RW, Need.READ, "acme", Decision.ALLOW),
                Arguments.of("tenant token changes its tenant", ACME_RW, Need.CHANGE, "acme", Decision.ALLOW),
                Arguments.of("tenant token reads its credentials", ACME_RW, Need.SECRETS, "acme", Decision.ALLOW),
                Arguments.of("another tenant's deployment is not found on read", ACME_RW, Need.READ, "globex", Decision.NOT_FOUND),
                Arguments.of("another tenant's deployment is not found on change", ACME_RW, Need.CHANGE, "globex", Decision.NOT_FOUND),
                Arguments.of("another tenant's credentials are not found", ACME_RW, Need.SECRETS, "globex", Decision.NOT_FOUND),
                Arguments.of("a tenant whose name starts alike is another tenant", ACME_RW, Need.READ, "acme2", Decision.NOT_FOUND),
                Arguments.of("an empty tenant is another tenant", ACME_RW, Need.READ, "", Decision.NOT_FOUND),
                Arguments.of("tenant token cannot manage tokens", ACME_RW, Need.ADMIN, "acme", Decision.FORBIDDEN),
                // a read-only tenant token: reads only, and not found elsewhere before forbidden
                Arguments.of("read-only reads its tenant", ACME_RO, Need.READ, "acme", Decision.ALLOW),
                Arguments.of("read-only cannot change", ACME_RO, Need.CHANGE, "acme", Decision.FORBIDDEN),
                Arguments.of("read-only cannot read credentials", ACME_RO, Need.SECRETS, "acme", Decision.FORBIDDEN),
                Arguments.of("read-only: another tenant is not found, not forbidden", ACME_RO, Need.CHANGE, "globex", Decision.NOT_FOUND),
                Arguments.of("read-only: another tenant's read is not found", ACME_RO, Need.READ, "globex", Decision.NOT_FOUND),
                Arguments.of("read-only cannot manage tokens", ACME_RO, Need.ADMIN, "", Decision.FORBIDDEN));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("decisions")
    void decides(String behaviour, Caller caller, Need need, String tenant, Decision expected) {
        assertEquals(expected, Access.decide(caller, need, tenant));
    }

    static Stream<Arguments> visibleTenants() {
        return Stream.of(
                Arguments.of("admin without a tenant sees every tenant", ADMIN, null, Optional.of("")),
                Arguments.of("admin asking for a tenant sees it", ADMIN, "globex", Optional.of("globex")),
                Arguments.of("tenant token without a tenant sees its own", ACME_RW, "", Optional.of("acme")),
                Arguments.of("tenant token asking for its own sees it", ACME_RO, "acme", Optional.of("acme")),
                Arguments.of("tenant token asking for another sees nothing", ACME_RW, "globex", Optional.empty()),
                Arguments.of("read-only asking for another sees nothing", ACME_RO, "globex", Optional.empty()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("visibleTenants")
    void lists(String behaviour, Caller caller, String requested, Optional<String> expected) {
        assertEquals(expected, Access.visibleTenant(caller, requested));
    }
}
