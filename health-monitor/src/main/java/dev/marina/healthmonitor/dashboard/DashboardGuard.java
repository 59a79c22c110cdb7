package dev.marina.healthmonitor.dashboard;

import dev.marina.service.SecretBox;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * In front of everything health-monitor serves over HTTP:
 * <ul>
 * <li>the {@code Host} header must be an address, {@code localhost} or a name of
 * {@code marina.dashboard.hosts} ({@link HostCheck}), else 403: a page from elsewhere that re-points its
 * own name at this machine (DNS rebinding) cannot read the dashboard, health or metrics;</li>
 * <li>when health-monitor listens beyond loopback, {@code /dashboard} and everything under it needs the
 * dashboard's token ({@code marina.dashboard.token}, or the file {@code marina.dashboard.token-file},
 * made when needed): as {@code Authorization: Bearer}, or once as {@code /dashboard?token=…}, which
 * sets an HttpOnly, SameSite=Strict cookie and sends the browser to the address without it. On
 * loopback no token is asked for: only this machine's users reach it.</li>
 * </ul>
 */
@ApplicationScoped
public class DashboardGuard {
    private static final Logger LOG = Logger.getLogger(DashboardGuard.class);
    static final String COOKIE = "marina-dashboard";
    private static final String PREFIX = "/dashboard";

    @ConfigProperty(name = "quarkus.http.host", defaultValue = "0.0.0.0")
    String boundHost;

    @Inject
    DashboardConfig config;

    private Set<String> names;
    /** The token asked for; null when none is (listening on loopback). */
    private byte[] token;

    void install(@Observes Router router) {
        names = config.hosts().orElse(java.util.List.of()).stream().map(n -> n.trim().toLowerCase(Locale.ROOT))
                .filter(n -> !n.isEmpty()).collect(Collectors.toUnmodifiableSet());
        if (!HostCheck.loopback(boundHost)) {
            token = config.token().filter(t -> !t.isBlank()).orElseGet(this::fromFile).trim().getBytes(StandardCharsets.UTF_8);
            LOG.infof("dashboard needs a token host=%s token-file=%s", boundHost,
                    config.token().isPresent() ? "(marina.dashboard.token)" : config.tokenFile());
        }
        router.route().order(Integer.MIN_VALUE).handler(this::check);
    }

    private void check(RoutingContext ctx) {
        // host(): the Host header, or HTTP/2's :authority (Java's client upgrades to h2c, and an upgraded
        // request has no Host header)
        String host = ctx.request().host();
        if (!HostCheck.accepts(host, names)) {
            LOG.warnf("request refused path=%s reason=host not answered here", ctx.normalizedPath());
            refuse(ctx, 403, "Host " + shown(host) + " is not answered here (a guard against DNS rebinding): use an address, "
                    + "localhost, or add the name to marina.dashboard.hosts");
            return;
        }
        String path = ctx.normalizedPath();
        if (token == null || !(path.equals(PREFIX) || path.startsWith(PREFIX + "/"))) {
            ctx.next();
            return;
        }
        String fromQuery = ctx.request().getParam("token");
        if (fromQuery != null && matches(fromQuery)) {
            ctx.response().addCookie(Cookie.cookie(COOKIE, fromQuery).setPath(PREFIX).setHttpOnly(true)
                    .setSameSite(CookieSameSite.STRICT).setSecure(ctx.request().isSSL()));
            ctx.response().setStatusCode(303).putHeader("Location", path).putHeader("Cache-Control", "no-store").end();
            return;
        }
        String authorization = ctx.request().getHeader("Authorization");
        boolean bearer = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                && matches(authorization.substring(7).trim());
        Cookie cookie = ctx.request().getCookie(COOKIE);
        if (bearer || cookie != null && matches(cookie.getValue())) {
            ctx.next();
            return;
        }
        refuse(ctx, 401, "this dashboard needs its token: open " + PREFIX + "?token=<token> once, or send Authorization: Bearer "
                + "<token> (marina.dashboard.token, or the file marina.dashboard.token-file)");
    }

    private boolean matches(String offered) {
        return MessageDigest.isEqual(token, offered.trim().getBytes(StandardCharsets.UTF_8));
    }

    private static void refuse(RoutingContext ctx, int status, String message) {
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                .end(new JsonObject().put("error", message).encode());
    }

    private static String shown(String host) {
        if (host == null) {
            return "(none)";
        }
        return "\"" + (host.length() <= 64 ? host : host.substring(0, 64) + "…") + "\"";
    }

    private String fromFile() {
        Path file = Path.of(config.tokenFile());
        try {
            if (!Files.exists(file)) {
                Files.createDirectories(file.toAbsolutePath().getParent());
                try {
                    Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                    Files.writeString(file, SecretBox.randomPassword(24) + "\n");
                } catch (FileAlreadyExistsException someoneElseMadeIt) {
                    // read theirs
                }
            }
            String value = Files.readString(file).trim();
            if (value.isEmpty()) {
                throw new IllegalStateException("dashboard token file " + file + " is empty");
            }
            return value;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the dashboard token file " + file, e);
        }
    }
}
