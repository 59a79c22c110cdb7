package dev.marina.cert.commands;

import dev.marina.cert.StateKeys;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/**
 * The platform CA for clients that want it by HTTP: {@code GET /ca/cert.pem} (the self-signed mode's
 * trust anchor) and {@code GET /ca/revoked} (every serial revoked here, lowercase hex, one per line).
 */
@ApplicationScoped
public class CaRoutes {

    @Inject
    StateKeys state;

    void routes(@Observes Router router) {
        router.get("/ca/cert.pem").handler(ctx -> ctx.response()
                .putHeader("Content-Type", "application/x-pem-file")
                .end(state.ca().certificatePem()));
        router.get("/ca/revoked").blockingHandler(ctx -> ctx.response()
                .putHeader("Content-Type", "text/plain; charset=utf-8")
                .end(String.join("\n", state.journal().revokedSerials()) + "\n"));
    }
}
