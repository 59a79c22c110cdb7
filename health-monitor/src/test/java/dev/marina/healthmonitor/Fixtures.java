package dev.marina.healthmonitor;

import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.v1.Health;
import dev.marina.schemas.v1.Heartbeat;
import dev.marina.schemas.v1.Role;
import dev.marina.service.Timestamps;
import java.time.Instant;

/** Heartbeats and states the tests share. */
final class Fixtures {
    private Fixtures() {}

    static final String DEPLOYMENT = "acme/orders";
    static final String INSTANCE = "acme-orders-1";
    static final Instant T0 = Instant.parse("2026-11-02T10:00:00Z");

    static Heartbeat heartbeat(Instant sentAt) {
        return heartbeat(INSTANCE, sentAt, true, "");
    }

    static Heartbeat unreachable(Instant sentAt, String error) {
        return heartbeat(INSTANCE, sentAt, false, error);
    }

    static Heartbeat heartbeat(String instance, Instant sentAt, boolean reachable, String error) {
        return Heartbeat.newBuilder()
                .setDeployment(DeploymentKey.parse(DEPLOYMENT))
                .setInstanceId(instance)
                .setRole(Role.ROLE_PRIMARY)
                .setDatabaseReachable(reachable)
                .setDatabaseError(error)
                .setGtidPosition("0-1-" + sentAt.getEpochSecond() % 1000)
                .setSentAt(Timestamps.of(sentAt))
                .setSequence(1)
                .build();
    }

    /** A stored instance last heard of (and sent) at {@code heardAt}, with the given health since {@code since}. */
    static InstanceState known(Health health, Instant heardAt, Instant since) {
        return new InstanceState(DEPLOYMENT, INSTANCE, Role.ROLE_PRIMARY, "0-1-7", true, "", heardAt, heardAt,
                health, "", since);
    }

    static InstanceState knownUnreachable(Instant heardAt) {
        return new InstanceState(DEPLOYMENT, INSTANCE, Role.ROLE_PRIMARY, "0-1-7", false, "Connection refused",
                heardAt, heardAt, Health.HEALTH_SUSPECT, "database unreachable: Connection refused", heardAt);
    }
}
