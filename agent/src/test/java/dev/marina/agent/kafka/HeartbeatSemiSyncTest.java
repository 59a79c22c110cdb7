package dev.marina.agent.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.marina.agent.InstanceIdentity;
import dev.marina.agent.RoleFacts;
import dev.marina.agent.database.Observation;
import dev.marina.agent.database.SemiSync;
import dev.marina.schemas.v1.Heartbeat;
import dev.marina.schemas.v1.Role;
import dev.marina.schemas.v1.SemiSyncWait;
import java.time.Clock;
import org.junit.jupiter.api.Test;

class HeartbeatSemiSyncTest {

    private static final InstanceIdentity ID = new InstanceIdentity("acme-orders-1", "acme/orders", "127.10.0.3");

    private static Heartbeat beat(Role role, SemiSync.Reading reading) {
        Observation observation = Observation.reachable("0-1-5", "0-1-5", false, null).withSemiSync(reading);
        return HeartbeatLoop.heartbeat(ID, observation, new RoleFacts(role, false, 2, ""), 1, Clock.systemUTC());
    }

    @Test
    void a_lossless_primary_without_a_replica_shows_its_blocked_commits() {
        Heartbeat beat = beat(Role.ROLE_PRIMARY, new SemiSync.Reading(true, true, true, 0, 3));
        assertEquals(SemiSyncWait.SEMI_SYNC_WAIT_LOSSLESS, beat.getSemiSyncWait());
        assertEquals(0, beat.getSemiSyncReplicasConnected());
        assertEquals(3, beat.getCommitsWaiting());
    }

    @Test
    void a_primary_with_replicas_attached_reports_them() {
        Heartbeat beat = beat(Role.ROLE_PRIMARY, new SemiSync.Reading(true, true, true, 2, 0));
        assertEquals(2, beat.getSemiSyncReplicasConnected());
        assertEquals(0, beat.getCommitsWaiting());
    }

    @Test
    void a_replica_reports_no_commit_wait() {
        Heartbeat beat = beat(Role.ROLE_REPLICA, new SemiSync.Reading(false, false, false, 0, 0));
        assertEquals(SemiSyncWait.SEMI_SYNC_WAIT_UNSPECIFIED, beat.getSemiSyncWait());
        assertFalse(beat.hasField(Heartbeat.getDescriptor().findFieldByName("commits_waiting")));
    }

    @Test
    void an_unreachable_primary_reports_nothing_about_it() {
        Heartbeat beat = HeartbeatLoop.heartbeat(ID, Observation.unreachable("down"), new RoleFacts(Role.ROLE_PRIMARY, false, 2, ""), 1,
                Clock.systemUTC());
        assertEquals(SemiSyncWait.SEMI_SYNC_WAIT_UNSPECIFIED, beat.getSemiSyncWait());
    }
}
