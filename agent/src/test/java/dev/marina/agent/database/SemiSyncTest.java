package dev.marina.agent.database;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.agent.database.SemiSync.Master;
import dev.marina.agent.database.SemiSync.Reading;
import dev.marina.schemas.v1.AgentCommand;
import dev.marina.schemas.v1.SemiSyncWait;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SemiSyncTest {

    static Stream<Arguments> promotions() {
        return Stream.of(
                Arguments.of("a replica promoted in a deployment that wants no replicas does not wait", true, true, 0, false, Master.OFF),
                Arguments.of("nor does it with the retiring replicas still attached", true, false, 2, false, Master.OFF),
                Arguments.of("a replica promoted under SEMI_SYNC is lossless at once", true, true, 0, true, Master.LOSSLESS),
                Arguments.of("a primary made writable again waits only once a replica attached", true, false, 0, true,
                        Master.UNTIL_FIRST_REPLICA),
                Arguments.of("a primary made writable again with its replicas attached is lossless", true, false, 2, true, Master.LOSSLESS),
                Arguments.of("ASYNC promotes without semi-sync", false, true, 1, true, Master.OFF),
                Arguments.of("ASYNC stays off with replicas attached", false, false, 2, true, Master.OFF));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("promotions")
    void promote(String behaviour, boolean semiSync, boolean wasReplica, long attached, boolean replicasWanted, Master expected) {
        assertEquals(expected, SemiSync.withAttached(SemiSync.atPromote(semiSync, wasReplica, replicasWanted), attached));
    }

    static Stream<Arguments> firstDeploys() {
        return Stream.of(
                Arguments.of("a first primary whose replicas are being made does not wait without one", true, 0, true,
                        Master.UNTIL_FIRST_REPLICA),
                Arguments.of("a first primary whose replicas attached already is lossless", true, 1, true, Master.LOSSLESS),
                Arguments.of("a first primary of a deployment that wants no replicas never waits", true, 0, false, Master.OFF),
                Arguments.of("ASYNC", false, 1, true, Master.OFF));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("firstDeploys")
    void firstDeploy(String behaviour, boolean semiSync, long attached, boolean replicasWanted, Master expected) {
        assertEquals(expected, SemiSync.withAttached(SemiSync.atFirstDeploy(semiSync, replicasWanted), attached));
    }

    static Stream<Arguments> told() {
        return Stream.of(
                Arguments.of("scaled to 0: an armed primary with no replica left stops waiting", new Reading(true, true, true, 0, 3), true,
                        false, Master.OFF),
                Arguments.of("scaled to 0 while a retiring replica is still attached: off too", new Reading(true, true, true, 1, 0), true,
                        false, Master.OFF),
                Arguments.of("scaled to 0 before any replica attached: off, so none arms it later",
                        new Reading(true, false, false, 0, 0), true, false, Master.OFF),
                Arguments.of("scaled from 0: waits once a replica attached", new Reading(false, false, false, 0, 0), true, true,
                        Master.UNTIL_FIRST_REPLICA),
                Arguments.of("scaled from 0 with a replica attached already: lossless", new Reading(false, false, false, 1, 0), true, true,
                        Master.LOSSLESS),
                Arguments.of("still wanted: an armed primary stays armed though its replica is reconnecting",
                        new Reading(true, true, true, 0, 0), true, true, Master.LOSSLESS),
                Arguments.of("ASYNC stays off", new Reading(false, false, false, 1, 0), false, true, Master.OFF));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("told")
    void whenTold(String behaviour, Reading now, boolean semiSync, boolean replicasWanted, Master expected) {
        assertEquals(expected, SemiSync.withAttached(SemiSync.whenTold(now, semiSync, replicasWanted), now.replicasConnected()));
    }

    @Test
    void a_primary_told_it_has_no_replicas_is_not_armed_by_a_replica_attaching() {
        assertFalse(SemiSync.arms(new Reading(false, false, false, 1, 0), false));
    }

    @Test
    void replicas_wanted_unset_reads_as_some() {
        assertTrue(SemiSync.replicasWanted(AgentCommand.getDefaultInstance()));
        assertTrue(SemiSync.replicasWanted(AgentCommand.newBuilder().setReplicasWanted(2).build()));
        assertFalse(SemiSync.replicasWanted(AgentCommand.newBuilder().setReplicasWanted(0).build()));
    }

    static Stream<Arguments> arming() {
        return Stream.of(
                Arguments.of("arms a writable primary once a semi-sync replica attached", new Reading(true, false, true, 1, 0), false, true),
                Arguments.of("not before a replica attached (a deployment of none)", new Reading(true, false, false, 0, 0), false, false),
                Arguments.of("not a read-only server", new Reading(true, false, true, 1, 0), true, false),
                Arguments.of("not with semi-sync off (ASYNC)", new Reading(false, false, false, 1, 0), false, false),
                Arguments.of("nothing to do when armed already", new Reading(true, true, true, 1, 0), false, false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("arming")
    void arms(String behaviour, Reading reading, boolean readOnly, boolean expected) {
        assertEquals(expected, SemiSync.arms(reading, readOnly));
    }

    static Stream<Arguments> waits() {
        return Stream.of(
                Arguments.of("async", new Reading(false, false, false, 0, 0), SemiSyncWait.SEMI_SYNC_WAIT_OFF),
                Arguments.of("not armed yet", new Reading(true, false, false, 0, 0), SemiSyncWait.SEMI_SYNC_WAIT_UNTIL_FIRST_REPLICA),
                Arguments.of("lossless with a replica", new Reading(true, true, true, 1, 0), SemiSyncWait.SEMI_SYNC_WAIT_LOSSLESS),
                Arguments.of("lossless, no replica, commits blocked", new Reading(true, true, true, 0, 3), SemiSyncWait.SEMI_SYNC_WAIT_LOSSLESS),
                Arguments.of("fell back to async", new Reading(true, true, false, 0, 0), SemiSyncWait.SEMI_SYNC_WAIT_FELL_BACK));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("waits")
    void heartbeatWord(String behaviour, Reading reading, SemiSyncWait expected) {
        assertEquals(expected, SemiSync.waitOf(reading));
    }

    static Stream<Arguments> stalls() {
        Reading attachedWaiting = new Reading(true, true, true, 1, 1);
        return Stream.of(
                Arguments.of("releases a commit that waited past the bound with a semi-sync replica attached", attachedWaiting, false, 1_500L,
                        false, true),
                Arguments.of("not a commit waiting a normal moment", attachedWaiting, false, 3L, false, false),
                Arguments.of("not without a semi-sync replica attached: nobody could acknowledge", new Reading(true, true, true, 0, 1), false,
                        60_000L, false, false),
                Arguments.of("not while the agent's own releasing transaction still waits", attachedWaiting, false, 60_000L, true, false),
                Arguments.of("not with nothing waiting", new Reading(true, true, true, 1, 0), false, 60_000L, false, false),
                Arguments.of("not on a read-only server", attachedWaiting, true, 60_000L, false, false),
                Arguments.of("not with semi-sync off", new Reading(false, false, false, 1, 1), false, 60_000L, false, false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stalls")
    void stalled(String behaviour, Reading reading, boolean readOnly, long oldestWaitMs, boolean agentWaits, boolean expected) {
        assertEquals(expected, SemiSync.stalled(reading, readOnly, oldestWaitMs, SemiSync.STALL, agentWaits));
    }
}
