package dev.marina.intent.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.marina.intent.validation.Violation;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/** Authentication of API calls and the JSON shape of every API error. */
public class ApiHttp {
    private static final Logger LOG = Logger.getLogger(ApiHttp.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    TokenStore tokens;

    @Inject
    CurrentCaller current;

    @Inject
    Audit audit;

    @ServerRequestFilter
    public Response authenticate(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        if (!path.startsWith("/v1/") && !path.equals("/v1")) {
            return null;
        }
        Optional<Caller> caller = tokens.authenticate(request.getHeaderString(HttpHeaders.AUTHORIZATION));
        if (caller.isPresent()) {
            current.set(caller.get());
            return null;
        }
        // never the header itself: it may hold a real token sent to the wrong place, or a near miss
        LOG.warnf("api call refused method=%s path=%s reason=missing, wrong or revoked bearer token", request.getMethod(), path);
        ApiError refused = new ApiError(ApiError.Kind.UNAUTHORIZED,
                "missing, wrong or revoked bearer token: send Authorization: Bearer <token> (./marina reads it from "
                        + ".marina/secrets/api.token, or MARINA_API_TOKEN)", "", List.of());
        Optional<Actions.Action> change = Actions.ofRest(request.getMethod(), path);
        if (change.isPresent()) {
            Audit.Call call = audit.call(null, "rest", change.get().name(), change.get().tenant(), change.get().target(),
                    request.getUriInfo().getQueryParameters().getFirst("requestId"));
            try {
                audit.refused(call, refused.httpStatus(), refused.getMessage());
            } catch (ApiError unavailable) {
                return error(unavailable);
            }
        }
        return error(refused);
    }

    @ServerExceptionMapper
    public Response map(ApiError error) {
        return error(error);
    }

    static Response error(ApiError error) {
        ObjectNode body = JSON.createObjectNode().put("error", error.getMessage());
        if (!error.requestId().isEmpty()) {
            body.put("requestId", error.requestId());
        }
        if (!error.violations().isEmpty()) {
            ArrayNode list = body.putArray("violations");
            for (Violation v : error.violations()) {
                list.addObject().put("field", v.field()).put("reason", v.reason());
            }
        }
        return Response.status(error.httpStatus()).type(MediaType.APPLICATION_JSON_TYPE).entity(body).build();
    }
}
