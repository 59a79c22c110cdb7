package dev.marina.intent.api;

import dev.marina.schemas.v1.CreateTokenRequest;
import dev.marina.schemas.v1.CreateTokenResponse;
import dev.marina.schemas.v1.ListTokensRequest;
import dev.marina.schemas.v1.ListTokensResponse;
import dev.marina.schemas.v1.RevokeTokenRequest;
import dev.marina.schemas.v1.RevokeTokenResponse;
import dev.marina.schemas.v1.TokenServiceGrpc;
import io.grpc.stub.StreamObserver;
import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;

/** The gRPC face of {@link TokenApi}; platform-admin tokens only, changes audited. */
@GrpcService
@Blocking
public class TokenGrpcService extends TokenServiceGrpc.TokenServiceImplBase {

    @Inject
    TokenApi tokens;

    @Inject
    Audit audit;

    @Override
    public void create(CreateTokenRequest request, StreamObserver<CreateTokenResponse> response) {
        Audit.Call call = audit.call(ApiTokenInterceptor.caller(), "grpc", Actions.TOKEN_CREATE, request.getTenant(), "",
                request.getRequestId());
        DeploymentGrpcService.unary(response, () -> audit.run(call, () -> {
            CreateTokenResponse created = tokens.create(call.caller(), request, call.requestId());
            call.about(created.getTokenInfo().getTenant(), created.getTokenInfo().getId());
            return created;
        }, r -> 201));
    }

    @Override
    public void list(ListTokensRequest request, StreamObserver<ListTokensResponse> response) {
        DeploymentGrpcService.unary(response, () -> tokens.list(ApiTokenInterceptor.caller(), request.getTenant()));
    }

    @Override
    public void revoke(RevokeTokenRequest request, StreamObserver<RevokeTokenResponse> response) {
        Audit.Call call = audit.call(ApiTokenInterceptor.caller(), "grpc", Actions.TOKEN_REVOKE, tokens.tenantOf(request.getId()),
                Actions.tokenTarget(request.getId()), request.getRequestId());
        DeploymentGrpcService.unary(response, () -> audit.run(call, () -> tokens.revoke(call.caller(), request.getId(), call.requestId()),
                r -> 200));
    }
}
