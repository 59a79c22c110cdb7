package dev.marina.intent.api;

import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.v1.CreateTokenRequest;
import dev.marina.schemas.v1.CreateTokenResponse;
import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * REST for API tokens, platform-admin tokens only (403 for others). A token is shown once, in the
 * answer to its creation; lists never hold a secret. Every change leaves an {@link Audit} record.
 */
@Path("/v1/tokens")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class TokenResource {

    @Inject
    TokenApi tokens;

    @Inject
    CurrentCaller caller;

    @Inject
    Audit audit;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create a token: platform admin, or limited to a tenant (read-write, or read-only)",
            description = "The body is a CreateTokenRequest: {\"tenant\": \"acme\", \"scope\": \"TOKEN_SCOPE_TENANT_READ_ONLY\"}; "
                    + "a tenant without a scope is read-write. 201 with the token, shown this once, and its id.")
    public Response create(String body) {
        Audit.Call call = audit.call(caller.get(), "rest", Actions.TOKEN_CREATE, "", "", null);
        return audit.run(call, () -> {
            CreateTokenRequest request = DeploymentResource.parse(body == null || body.isBlank() ? "{}" : body,
                    CreateTokenRequest.newBuilder());
            call.requestId(request.getRequestId()).about(request.getTenant(), "");
            CreateTokenResponse created = tokens.create(call.caller(), request, call.requestId());
            call.about(created.getTokenInfo().getTenant(), created.getTokenInfo().getId());
            return Response.status(201).type(MediaType.APPLICATION_JSON_TYPE).entity(ProtoJsonSerde.toJson(created)).build();
        }, Response::getStatus);
    }

    @GET
    @Operation(summary = "Every token, or a tenant's: id, tenant, scope, created, revoked, last used (never the secret)")
    public Response list(@QueryParam("tenant") String tenant) {
        return Response.ok(ProtoJsonSerde.toJson(tokens.list(caller.get(), tenant)), MediaType.APPLICATION_JSON_TYPE).build();
    }

    @DELETE
    @Path("{id}")
    @Operation(summary = "Revoke a token: from now on it is refused (401); revoking it again changes nothing")
    public Response revoke(@PathParam("id") String id, @QueryParam("requestId") String requestId) {
        Audit.Call call = audit.call(caller.get(), "rest", Actions.TOKEN_REVOKE, tokens.tenantOf(id), Actions.tokenTarget(id), requestId);
        return audit.run(call, () -> Response.ok(ProtoJsonSerde.toJson(tokens.revoke(call.caller(), id, call.requestId())),
                MediaType.APPLICATION_JSON_TYPE).build(), Response::getStatus);
    }
}
