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
    /** The primary, in the tests with replicas. */
    static final String INSTANCE = "acme-orders-1";
    static final String REPLICA_2 = "acme-orders-2";
    static final String REPLICA_3 = "acme-orders-3";
    static final Instant T0 = Instant.parse("2026-11-02T10:00:00Z");

    static Heartbeat heartbeat(Instant sentAt) {
        return heartbeat(INSTANCE, sentAt, true, "");
    }

    static Heartbeat unreachable(Instant sentAt, String error) {
        return heartbeat(INSTANCE, sentAt, false, error);
    }

    /** A primary's heartbeat at epoch 1. */
    static Heartbeat heartbeat(String instance, Instant sentAt, boolean reachable, String error) {
        return Heartbeat.newBuilder()
                .setDeployment(DeploymentKey.parse(DEPLOYMENT))
                .setInstanceId(instance)
                .setRole(Role.ROLE_PRIMARY)
                .setEpoch(1)
                .setDatabaseReachable(reachable)
                .setDatabaseError(error)
                .setGtidPosition("0-1-" + sentAt.toEpochMilli() % 100_000)
                .setSentAt(Timestamps.of(sentAt))
                .setSequence(1)
                .setPrimaryLastSeenMs(-1)
                .build();
    }

    /**
     * A replica's heartbeat at epoch 1: replicating from {@code source}, connected or not, its IO thread
     * having heard from the primary 100 ms ago when connected.
     */
    static Heartbeat replica(String instance, Instant sentAt, String source, boolean connected) {
        return heartbeat(instance, sentAt, true, "").toBuilder()
                .setRole(Role.ROLE_REPLICA)
                .setReadOnly(true)
                .setReplicationSource(source)
                .setReplicationConnected(connected)
                .setReplicationLagMs(connected ? 5 : 0)
                .setPrimaryLastSeenMs(connected ? 100 : 5_000)
                .build();
    }

    static Instant heartbeatTime(Heartbeat heartbeat) {
        return Timestamps.toInstant(heartbeat.getSentAt());
    }

    /** A stored instance whose newest heartbeat is {@code latest}, heard when it was sent, with the given health since {@code since}. */
    static InstanceState stored(Heartbeat latest, Health health, Instant since) {
        return new InstanceState(DEPLOYMENT, latest.getInstanceId(), latest, Timestamps.toInstant(latest.getSentAt()),
                health, "", since, false);
    }

    /** A stored primary last heard of (and sent) at {@code heardAt}, with the given health since {@code since}. */
    static InstanceState known(Health health, Instant heardAt, Instant since) {
        return stored(heartbeat(heardAt).toBuilder().setGtidPosition("0-1-7").build(), health, since);
    }

    /** A paused server's heartbeat (stopped on purpose, so not reachable), the primary's waking on connect or not. */
    static Heartbeat paused(Instant sentAt, boolean wakeOnConnect) {
        return heartbeat(INSTANCE, sentAt, false, "").toBuilder().setPaused(true).setWakeOnConnect(wakeOnConnect).build();
    }

    /** A stored primary paused since {@code since}, last heard (and sent) at {@code heardAt}. */
    static InstanceState knownPaused(Instant heardAt, Instant since) {
        return new InstanceState(DEPLOYMENT, INSTANCE, paused(heardAt, true), heardAt, Health.HEALTH_PAUSED,
                "paused: server stopped on purpose, wakes on connect", since, false);
    }

    /** A stored PAUSED primary whose agent said at {@code heardAt} it is no longer paused, its server not serving yet. */
    static InstanceState knownResuming(Instant heardAt, Instant resumedAt) {
        return new InstanceState(DEPLOYMENT, INSTANCE, unreachable(heardAt, "Connection refused"), heardAt,
                Health.HEALTH_PAUSED, "resuming: server starting", resumedAt, false);
    }

    static InstanceState knownUnreachable(Instant heardAt) {
        return new InstanceState(DEPLOYMENT, INSTANCE, unreachable(heardAt, "Connection refused"), heardAt,
                Health.HEALTH_SUSPECT, "database unreachable: Connection refused", heardAt, false);
    }
}
