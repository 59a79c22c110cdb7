package dev.marina.intent.api;

import dev.marina.schemas.v1.CreateTokenRequest;
import dev.marina.schemas.v1.CreateTokenResponse;
import dev.marina.schemas.v1.ListTokensResponse;
import dev.marina.schemas.v1.RevokeTokenResponse;
import dev.marina.schemas.v1.TokenScope;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;

/** Token management, which REST and gRPC share: the platform admin's alone ({@link Access.Need#ADMIN}). */
@ApplicationScoped
public class TokenApi {

    @Inject
    TokenStore store;

    /** A scope left unspecified means read-write for a token with a tenant. */
    public CreateTokenResponse create(Caller caller, CreateTokenRequest request, String requestId) {
        requireAdmin(caller, requestId);
        TokenScope scope = request.getScope() == TokenScope.TOKEN_SCOPE_UNSPECIFIED && !request.getTenant().isEmpty()
                ? TokenScope.TOKEN_SCOPE_TENANT_READ_WRITE : request.getScope();
        TokenStore.Created created = store.create(caller, request.getTenant(), scope, request.getDescription(), requestId);
        return CreateTokenResponse.newBuilder().setTokenInfo(created.info()).setToken(created.token()).build();
    }

    public ListTokensResponse list(Caller caller, String tenant) {
        requireAdmin(caller, "");
        return ListTokensResponse.newBuilder().addAllTokens(store.list(tenant)).build();
    }

    public RevokeTokenResponse revoke(Caller caller, String id, String requestId) {
        requireAdmin(caller, requestId);
        return RevokeTokenResponse.newBuilder().setTokenInfo(store.revoke(caller, id, requestId)).build();
    }

    /** The tenant an audit record of a token change is filed under: the token's own. */
    public String tenantOf(String id) {
        return store.tenantOf(id).orElse("");
    }

    private static void requireAdmin(Caller caller, String requestId) {
        if (Access.decide(caller, Access.Need.ADMIN, "") != Access.Decision.ALLOW) {
            throw new ApiError(ApiError.Kind.FORBIDDEN, Access.whyForbidden(caller, Access.Need.ADMIN), requestId, List.of());
        }
    }
}
