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
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/** Authentication of API calls and the JSON shape of every API error. */
public class ApiHttp {
    private static final Logger LOG = Logger.getLogger(ApiHttp.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    ApiToken token;

    @ServerRequestFilter
    public Response authenticate(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        if (!path.startsWith("/v1/") && !path.equals("/v1")) {
            return null;
        }
        if (token.accepts(request.getHeaderString(HttpHeaders.AUTHORIZATION))) {
            return null;
        }
        LOG.warnf("api call refused path=%s reason=missing or wrong bearer token", path);
        return error(new ApiError(ApiError.Kind.UNAUTHORIZED,
                "missing or wrong bearer token: send Authorization: Bearer <token> (./marina reads it from .marina/secrets/api.token)",
                "", java.util.List.of()));
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
