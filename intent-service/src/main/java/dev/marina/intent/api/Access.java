package dev.marina.intent.api;

import java.util.Optional;

/**
 * What a caller may do, decided without side effects: every API operation asks here first, with the
 * tenant it concerns. The checks, in order:
 * <ol>
 * <li>a platform-admin token may do everything;</li>
 * <li>token management is the admin's alone: {@link Decision#FORBIDDEN};</li>
 * <li>another tenant's deployment does not exist for a tenant token: {@link Decision#NOT_FOUND}, the
 * same answer as for a deployment that does not exist, whether it exists or not, and before anything
 * else is looked at, so no answer tells one from the other;</li>
 * <li>a read-only token may not change anything, nor read a deployment's credentials (the admin
 * password writes to the database): {@link Decision#FORBIDDEN};</li>
 * <li>the rest is allowed.</li>
 * </ol>
 */
public final class Access {
    private Access() {}

    /** What an operation needs. */
    public enum Need {
        /** Read a deployment's intent, status, CA bundle, or watch it. */
        READ,
        /** Apply, delete, switch over, renew. */
        CHANGE,
        /** Read a deployment's credentials. */
        SECRETS,
        /** Create, list or revoke tokens. */
        ADMIN
    }

    public enum Decision { ALLOW, NOT_FOUND, FORBIDDEN }

    public static Decision decide(Caller caller, Need need, String tenant) {
        if (caller.admin()) {
            return Decision.ALLOW;
        }
        if (need == Need.ADMIN) {
            return Decision.FORBIDDEN;
        }
        if (!caller.tenant().equals(tenant)) {
            return Decision.NOT_FOUND;
        }
        if (caller.readOnly() && need != Need.READ) {
            return Decision.FORBIDDEN;
        }
        return Decision.ALLOW;
    }

    /**
     * The tenant a list or tenant-wide watch shows: every tenant (an empty string) or the one asked
     * for, for an admin; the caller's own for a tenant token; nothing (empty) when a tenant token asks
     * for another tenant, which then looks like a tenant without deployments.
     */
    public static Optional<String> visibleTenant(Caller caller, String requested) {
        String asked = requested == null ? "" : requested;
        if (caller.admin()) {
            return Optional.of(asked);
        }
        if (asked.isEmpty() || asked.equals(caller.tenant())) {
            return Optional.of(caller.tenant());
        }
        return Optional.empty();
    }

    /** Why a {@link Decision#FORBIDDEN} was given, for the 403's message. */
    public static String whyForbidden(Caller caller, Need need) {
        if (need == Need.ADMIN) {
            return "token management needs a platform-admin token";
        }
        if (need == Need.SECRETS) {
            return "a read-only token cannot read credentials (the admin password writes to the database)";
        }
        return "a read-only token cannot change deployments";
    }
}
