package dev.marina.intent.api;

import dev.marina.schemas.v1.TokenScope;

/**
 * Who is calling: the id of the token they showed (never the token), what it may do, and the tenant
 * a tenant-scoped token is limited to.
 */
public record Caller(String tokenId, TokenScope scope, String tenant) {

    /** The token id audit records carry for a call without a token the API knows. */
    public static final String NOBODY = "-";

    /** The id of the platform-admin token from {@code marina.api.token} or its file. */
    public static final String FILE_ADMIN_ID = "admin";

    public static Caller admin(String tokenId) {
        return new Caller(tokenId, TokenScope.TOKEN_SCOPE_PLATFORM_ADMIN, "");
    }

    public static Caller tenant(String tokenId, String tenant, boolean readOnly) {
        return new Caller(tokenId, readOnly ? TokenScope.TOKEN_SCOPE_TENANT_READ_ONLY : TokenScope.TOKEN_SCOPE_TENANT_READ_WRITE,
                tenant);
    }

    public boolean admin() {
        return scope == TokenScope.TOKEN_SCOPE_PLATFORM_ADMIN;
    }

    public boolean readOnly() {
        return scope == TokenScope.TOKEN_SCOPE_TENANT_READ_ONLY;
    }
}
