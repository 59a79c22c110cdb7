package dev.marina.agent.metrics;

import java.util.OptionalLong;

/**
 * Whether the server replicates from a primary, and how far behind it is.
 *
 * @param replica    the server has a replication connection configured
 * @param lagSeconds seconds behind the primary; empty when not a replica, or when the server does not
 *                   know (replication threads stopped or not connected)
 */
public record Replication(boolean replica, OptionalLong lagSeconds) {

    public static final Replication NOT_A_REPLICA = new Replication(false, OptionalLong.empty());

    public static Replication replicaBehind(long seconds) {
        return new Replication(true, OptionalLong.of(seconds));
    }

    public static Replication replicaWithUnknownLag() {
        return new Replication(true, OptionalLong.empty());
    }
}
