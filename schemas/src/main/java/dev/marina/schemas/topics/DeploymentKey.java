package dev.marina.schemas.topics;

import dev.marina.schemas.v1.DeploymentRef;

/**
 * The record key of every deployment-keyed topic: {@code "<tenant>/<name>"}. Keying every topic the
 * reconciler reads by deployment keeps them co-partitioned, so one Streams task sees all facts of
 * one deployment.
 */
public final class DeploymentKey {
    private DeploymentKey() {}

    public static String of(DeploymentRef ref) {
        return of(ref.getTenant(), ref.getName());
    }

    public static String of(String tenant, String name) {
        return tenant + "/" + name;
    }

    /** Parses a key; throws {@link IllegalArgumentException} naming the key when it is not "tenant/name". */
    public static DeploymentRef parse(String key) {
        int slash = key == null ? -1 : key.indexOf('/');
        if (slash <= 0 || slash == key.length() - 1 || key.indexOf('/', slash + 1) >= 0) {
            throw new IllegalArgumentException("deployment key must be \"<tenant>/<name>\", got \"" + key + "\"");
        }
        return DeploymentRef.newBuilder()
                .setTenant(key.substring(0, slash))
                .setName(key.substring(slash + 1))
                .build();
    }
}
