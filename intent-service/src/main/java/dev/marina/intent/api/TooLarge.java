package dev.marina.intent.api;

import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * A request body over {@code quarkus.http.limits.max-body-size} gets a 413 with the same JSON shape as
 * every other API error. The HTTP layer's own check answers with an empty body, so a request that says
 * its length is answered here first; one sent in chunks without a length still meets the layer's check.
 */
@ApplicationScoped
public class TooLarge {

    @ConfigProperty(name = "quarkus.http.limits.max-body-size")
    MemorySize limit;

    void install(@Observes Router router) {
        long max = limit.asLongValue();
        router.route().order(Integer.MIN_VALUE).handler(ctx -> {
            String length = ctx.request().getHeader("Content-Length");
            long declared;
            try {
                declared = length == null ? -1 : Long.parseLong(length.trim());
            } catch (NumberFormatException e) {
                declared = -1;
            }
            if (declared > max) {
                ctx.response().setStatusCode(413).putHeader("Content-Type", "application/json").putHeader("Connection", "close")
                        .end(new JsonObject().put("error", "request body too large: " + declared + " bytes, an API request is at most "
                                + max + " (quarkus.http.limits.max-body-size); a deployment's spec is a few hundred bytes").encode());
                return;
            }
            ctx.next();
        });
    }
}
