package dev.marina.healthmonitor.dashboard;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.marina.schemas.topics.DeploymentKey;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import org.jboss.resteasy.reactive.RestStreamElementType;

/**
 * The fleet dashboard: the page at {@code /dashboard} (static files beside it under
 * {@code META-INF/resources/dashboard/}), a JSON snapshot of the fleet, one deployment in detail, and
 * server-sent events with every change. Read-only; nothing here is secret. {@link DashboardGuard}
 * checks the {@code Host} header and, beyond loopback, the dashboard's token before any of it.
 */
@Path("/dashboard")
public class DashboardResource {
    private static final String PAGE = "META-INF/resources/dashboard/index.html";
    /** Keeps idle connections open through proxies, and finds browsers that went away. */
    private static final Duration PING_EVERY = Duration.ofSeconds(15);

    @Inject
    FleetFeed feed;

    @Inject
    ObjectMapper json;

    @GET
    @Produces(MediaType.TEXT_HTML)
    public Response page() {
        try (InputStream in = Thread.currentThread().getContextClassLoader().getResourceAsStream(PAGE)) {
            if (in == null) {
                throw new NotFoundException("the dashboard page is missing from this build");
            }
            return Response.ok(in.readAllBytes(), MediaType.TEXT_HTML_TYPE.withCharset("UTF-8"))
                    .header("Cache-Control", "no-cache").build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @GET
    @Path("api/fleet")
    @Produces(MediaType.APPLICATION_JSON)
    @Blocking
    public Views.Fleet fleet() {
        return feed.view().fleet(feed.now()).withFeed(feed.state());
    }

    @GET
    @Path("api/deployments/{tenant}/{name}")
    @Produces(MediaType.APPLICATION_JSON)
    @Blocking
    public Views.Detail deployment(@PathParam("tenant") String tenant, @PathParam("name") String name) {
        String key = DeploymentKey.of(tenant, name);
        return feed.view().deployment(key, feed.now())
                .orElseThrow(() -> new NotFoundException("no deployment " + key + " on the dashboard"));
    }

    /**
     * Every change as it happens. {@code deployment=tenant/name} adds that deployment's new metric
     * points (points of the others are not sent). The first event is {@code hello}: load the snapshot
     * then, so that nothing falls between the snapshot and the stream. A browser that cannot keep up
     * has its stream ended; it reconnects and loads the snapshot again.
     */
    @GET
    @Path("api/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    public Multi<String> events(@QueryParam("deployment") String deployment) {
        Multi<Views.Event> changes = feed.events()
                .filter(e -> !Views.Event.POINT.equals(e.type()) || e.key().equals(deployment));
        Multi<Views.Event> pings = Multi.createFrom().ticks().every(PING_EVERY).map(tick -> Views.Event.ping());
        Multi<Views.Event> live = Multi.createBy().merging().streams(changes, pings)
                .onOverflow().buffer(feed.settings().eventsBuffer());
        return Multi.createBy().concatenating().streams(Multi.createFrom().item(Views.Event.hello()), live)
                .map(this::toJson);
    }

    private String toJson(Views.Event event) {
        try {
            return json.writeValueAsString(event);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("event not serializable: " + event.type(), e);
        }
    }
}
