package dev.marina.intent.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class ActionsTest {

    @Test
    void changing_requests_are_named_and_reads_are_not() {
        assertEquals(Optional.of(new Actions.Action(Actions.APPLY, "acme", "acme/orders")), Actions.ofRest("PUT", "/v1/deployments/acme/orders"));
        assertEquals(Optional.of(new Actions.Action(Actions.DELETE, "acme", "acme/orders")), Actions.ofRest("DELETE", "/v1/deployments/acme/orders"));
        assertEquals(Optional.of(new Actions.Action(Actions.SWITCHOVER, "acme", "acme/orders")),
                Actions.ofRest("POST", "/v1/deployments/acme/orders/switchover"));
        assertEquals(Optional.of(new Actions.Action(Actions.BACKUP, "acme", "acme/orders")),
                Actions.ofRest("POST", "/v1/deployments/acme/orders/backups"));
        assertEquals(Optional.of(new Actions.Action(Actions.RENEW_CERTIFICATES, "acme", "acme/orders")),
                Actions.ofRest("POST", "/v1/deployments/acme/orders/certificates/renew"));
        assertEquals(Optional.of(new Actions.Action(Actions.PAUSE, "acme", "acme/orders")),
                Actions.ofRest("POST", "/v1/deployments/acme/orders/pause"));
        assertEquals(Optional.of(new Actions.Action(Actions.RESUME, "acme", "acme/orders")),
                Actions.ofRest("POST", "/v1/deployments/acme/orders/resume"));
        assertEquals(Optional.of(new Actions.Action(Actions.TOKEN_CREATE, "", "")), Actions.ofRest("POST", "/v1/tokens"));
        assertEquals(Optional.of(new Actions.Action(Actions.TOKEN_REVOKE, "", "0123456789abcdef")),
                Actions.ofRest("DELETE", "/v1/tokens/0123456789abcdef"));
        assertEquals(Optional.empty(), Actions.ofRest("GET", "/v1/deployments/acme/orders"));
    }

    @Test
    void a_revoke_names_only_an_id_never_what_else_was_sent() {
        String token = "marina_0123456789abcdef_" + "s".repeat(43);
        assertEquals("(not a token id)", Actions.ofRest("DELETE", "/v1/tokens/" + token).orElseThrow().target());
    }
}
