package dev.marina.intent.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import dev.marina.intent.validation.JsonShape;
import dev.marina.intent.validation.Shown;
import dev.marina.intent.validation.Violation;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.v1.ApplyRequest;
import dev.marina.schemas.v1.DeploymentRef;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.jboss.resteasy.reactive.RestStreamElementType;

/**
 * REST for deployments. Bodies are the proto3 JSON of the {@code marina.v1} messages, the same
 * shapes as on the topics and in gRPC. Every call needs {@code Authorization: Bearer <token>}; what a
 * token may do is {@link Access}'s decision; every change leaves an {@link Audit} record.
 */
@Path("/v1/deployments")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class DeploymentResource {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String EXAMPLE = """
            {"spec": {"engine": "ENGINE_MARIADB", "version": "10.11", "size": "SIZE_SMALL", "replicas": 0},
             "expectedGeneration": "0"}""";

    @Inject
    DeploymentApi api;

    @Inject
    CurrentCaller caller;

    @Inject
    Audit audit;

    @PUT
    @Path("{tenant}/{name}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Apply: create or change a deployment",
            description = "The body is an ApplyRequest in proto3 JSON (its deployment, if given, must match the path). "
                    + "200 with the accepted intent and its generation; 202 when intake has not decided within the wait; "
                    + "400 malformed, 422 invalid (field and reason), 409 when expectedGeneration does not match.")
    @RequestBody(content = @Content(mediaType = MediaType.APPLICATION_JSON, examples = @ExampleObject(name = "small", value = EXAMPLE)))
    @APIResponse(responseCode = "200", description = "accepted")
    public Response apply(@PathParam("tenant") String tenant, @PathParam("name") String name, String body,
            @HeaderParam("If-Match") String ifMatch) {
        DeploymentRef ref = ref(tenant, name);
        Audit.Call call = change(Actions.APPLY, ref, null);
        return audit.run(call, () -> apply(call, ref, body, ifMatch), Response::getStatus);
    }

    private Response apply(Audit.Call call, DeploymentRef ref, String body, String ifMatch) {
        ApplyRequest request = parse(body == null || body.isBlank() ? "{}" : body, ApplyRequest.newBuilder());
        call.requestId(request.getRequestId());
        if (request.hasDeployment() && !request.getDeployment().equals(ref)) {
            throw ApiError.invalid(ApiError.Kind.BAD_REQUEST, request.getRequestId(), List.of(new Violation("deployment",
                    DeploymentKey.of(request.getDeployment()) + " in the body does not match " + DeploymentKey.of(ref) + " in the path")));
        }
        long fromHeader = ifMatchGeneration(ifMatch);
        if (request.getExpectedGeneration() < 0) {
            throw ApiError.invalid(ApiError.Kind.BAD_REQUEST, request.getRequestId(), List.of(new Violation("expectedGeneration",
                    "must not be negative, got " + request.getExpectedGeneration())));
        }
        if (request.getExpectedGeneration() > 0 && fromHeader > 0 && fromHeader != request.getExpectedGeneration()) {
            throw ApiError.invalid(ApiError.Kind.BAD_REQUEST, request.getRequestId(), List.of(new Violation("If-Match",
                    "says generation " + fromHeader + " but the body's expectedGeneration says "
                            + request.getExpectedGeneration() + ": send one, or the same in both")));
        }
        long expected = request.getExpectedGeneration() > 0 ? request.getExpectedGeneration() : fromHeader;
        return submitted(api.apply(call.caller(), ref, request.getSpec(), expected, call.requestId(), "api"));
    }

    @GET
    @Path("{tenant}/{name}")
    @Operation(summary = "A deployment's intent (desired) and status (observed)")
    public Response get(@PathParam("tenant") String tenant, @PathParam("name") String name) {
        return json(api.get(caller.get(), ref(tenant, name)));
    }

    @GET
    @Operation(summary = "A page of all deployments, or of a tenant's, in name order; a tenant token sees only its own tenant's."
            + " pageSize 1..1000 (default 500); pass the response's nextPageToken as pageToken for the next page")
    public Response list(@QueryParam("tenant") String tenant, @QueryParam("pageSize") @DefaultValue("0") int pageSize,
            @QueryParam("pageToken") String pageToken) {
        return json(api.list(caller.get(), tenant, pageSize, pageToken));
    }

    @DELETE
    @Path("{tenant}/{name}")
    @Operation(summary = "Delete a deployment: its instances, data and names go; its status ends in PHASE_DELETED")
    public Response delete(@PathParam("tenant") String tenant, @PathParam("name") String name,
            @QueryParam("requestId") String requestId, @HeaderParam("If-Match") String ifMatch) {
        DeploymentRef ref = ref(tenant, name);
        Audit.Call call = change(Actions.DELETE, ref, requestId);
        return audit.run(call, () -> submitted(api.delete(call.caller(), ref, ifMatchGeneration(ifMatch), call.requestId(), "api")),
                Response::getStatus);
    }

    @GET
    @Path("{tenant}/{name}/credentials")
    @Operation(summary = "How to connect as the deployment's admin user, password included")
    public DeploymentApi.Credentials credentials(@PathParam("tenant") String tenant, @PathParam("name") String name) {
        return api.credentials(caller.get(), ref(tenant, name));
    }

    @POST
    @Path("{tenant}/{name}/certificates/renew")
    @Operation(summary = "Renew every certificate of the deployment now",
            description = "202 with the request id; the status's TlsReady condition and instances' certificate serials "
                    + "show the renewal. 404 for an unknown deployment, 422 when it has no TLS.")
    public Response renewCertificates(@PathParam("tenant") String tenant, @PathParam("name") String name,
            @QueryParam("requestId") String requestId) {
        DeploymentRef ref = ref(tenant, name);
        Audit.Call call = change(Actions.RENEW_CERTIFICATES, ref, requestId);
        return audit.run(call, () -> submitted(api.renewCertificates(call.caller(), ref, call.requestId(), "api")), Response::getStatus);
    }

    @POST
    @Path("{tenant}/{name}/switchover")
    @Operation(summary = "Hand the primary role to a replica (target, or the most advanced one) without losing a write",
            description = "200 with the request id once intake accepted it; the status's ReplicasReady condition shows "
                    + "SwitchingOver, and role-changes records the outcome. 422 when the deployment has no replica.")
    public Response switchover(@PathParam("tenant") String tenant, @PathParam("name") String name,
            @QueryParam("target") String target, @QueryParam("requestId") String requestId) {
        DeploymentRef ref = ref(tenant, name);
        Audit.Call call = change(Actions.SWITCHOVER, ref, requestId);
        return audit.run(call, () -> submitted(api.switchover(call.caller(), ref, target, call.requestId(), "api")), Response::getStatus);
    }

    @POST
    @Path("{tenant}/{name}/pause")
    @Operation(summary = "Stop every server of the deployment, keeping its data, names and certificates",
            description = "200 with the request id once intake accepted it; the status's phase goes Paused and its pause "
                    + "says why and since when (a pause waits while a backup or a roll runs, and says so). A client connecting "
                    + "to the writer name wakes it. 404 for an unknown deployment.")
    public Response pause(@PathParam("tenant") String tenant, @PathParam("name") String name,
            @QueryParam("requestId") String requestId) {
        DeploymentRef ref = ref(tenant, name);
        Audit.Call call = change(Actions.PAUSE, ref, requestId);
        return audit.run(call, () -> submitted(api.pause(call.caller(), ref, true, call.requestId(), "api")), Response::getStatus);
    }

    @POST
    @Path("{tenant}/{name}/resume")
    @Operation(summary = "Start a paused deployment's servers again",
            description = "200 with the request id once intake accepted it; the phase goes Resuming, then Ready. "
                    + "404 for an unknown deployment.")
    public Response resume(@PathParam("tenant") String tenant, @PathParam("name") String name,
            @QueryParam("requestId") String requestId) {
        DeploymentRef ref = ref(tenant, name);
        Audit.Call call = change(Actions.RESUME, ref, requestId);
        return audit.run(call, () -> submitted(api.pause(call.caller(), ref, false, call.requestId(), "api")), Response::getStatus);
    }

    @POST
    @Path("{tenant}/{name}/backups")
    @Operation(summary = "Take a backup now",
            description = "202 with the backup's id (requestId if given: lower-case letters, digits, dashes); GET "
                    + ".../backups and the status's BackupsHealthy condition show how it goes. 404 for an unknown deployment.")
    public Response backup(@PathParam("tenant") String tenant, @PathParam("name") String name,
            @QueryParam("requestId") String requestId) {
        DeploymentRef ref = ref(tenant, name);
        String id = api.backupIdOr(requestId);
        Audit.Call call = change(Actions.BACKUP, ref, id);
        return audit.run(call, () -> submitted(api.backup(call.caller(), ref, id, "api")), Response::getStatus);
    }

    @GET
    @Path("{tenant}/{name}/backups")
    @Operation(summary = "The deployment's backups, newest first: state, times, GTID position, sizes, checksums, objects",
            description = "A deleted deployment's backups are listed until retention removes them.")
    public Response backups(@PathParam("tenant") String tenant, @PathParam("name") String name) {
        return json(dev.marina.schemas.v1.ListBackupsResponse.newBuilder()
                .addAllBackups(api.backups(caller.get(), ref(tenant, name))).build());
    }

    @GET
    @Path("{tenant}/{name}/ca")
    @Produces("application/x-pem-file")
    @Operation(summary = "The CA certificates (PEM) a client should trust to verify the deployment's certificates")
    public Response ca(@PathParam("tenant") String tenant, @PathParam("name") String name) {
        return Response.ok(api.caBundle(caller.get(), ref(tenant, name))).type("application/x-pem-file").build();
    }

    @GET
    @Path("{tenant}/{name}/watch")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    @Operation(summary = "Server-sent events: the deployment's status now and at every change")
    public Multi<String> watch(@PathParam("tenant") String tenant, @PathParam("name") String name) {
        DeploymentRef ref = ref(tenant, name);
        Caller who = caller.get();
        api.get(who, ref); // 404 for an unknown deployment (or another tenant's), before the stream starts
        return api.watch(who, ref.getTenant(), ref.getName()).map(ProtoJsonSerde::toJson);
    }

    private Audit.Call change(String action, DeploymentRef ref, String requestId) {
        return audit.call(caller.get(), "rest", action, ref.getTenant(), DeploymentKey.of(ref), requestId);
    }

    private static DeploymentRef ref(String tenant, String name) {
        return DeploymentRef.newBuilder().setTenant(tenant).setName(name).build();
    }

    private static long ifMatchGeneration(String ifMatch) {
        if (ifMatch == null || ifMatch.isBlank()) {
            return 0;
        }
        long generation;
        try {
            generation = Long.parseLong(ifMatch.replace("\"", "").trim());
        } catch (NumberFormatException e) {
            generation = -1;
        }
        if (generation < 0) {
            throw ApiError.invalid(ApiError.Kind.BAD_REQUEST, "", List.of(new Violation("If-Match",
                    "must be a generation number (0 or more), got " + Shown.quoted(ifMatch))));
        }
        return generation;
    }

    @SuppressWarnings("unchecked")
    static <T extends Message> T parse(String body, Message.Builder builder) {
        List<Violation> violations = JsonShape.check(body, builder.getDescriptorForType());
        if (!violations.isEmpty()) {
            throw ApiError.invalid(ApiError.Kind.BAD_REQUEST, "", violations);
        }
        try {
            JsonFormat.parser().ignoringUnknownFields().merge(body, builder);
            return (T) builder.build();
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            throw ApiError.invalid(ApiError.Kind.BAD_REQUEST, "", List.of(new Violation("", "not a valid "
                    + builder.getDescriptorForType().getName() + ": " + e.getMessage())));
        }
    }

    private static Response submitted(DeploymentApi.Submitted submitted) {
        ObjectNode body = JSON.createObjectNode().put("requestId", submitted.requestId());
        if (submitted.intent().isEmpty()) {
            body.put("outcome", "pending").put("detail", "intake has not decided yet; watch intents or intent-rejections for this request id");
            return Response.accepted(body).build();
        }
        body.put("outcome", "accepted").put("generation", submitted.intent().get().getGeneration());
        body.set("intent", tree(submitted.intent().get()));
        return Response.ok(body).build();
    }

    private static Response json(Message message) {
        return Response.ok(ProtoJsonSerde.toJson(message), MediaType.APPLICATION_JSON_TYPE).build();
    }

    private static JsonNode tree(Message message) {
        try {
            return JSON.readTree(ProtoJsonSerde.toJson(message));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
