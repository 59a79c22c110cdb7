package dev.marina.agent.database;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.marina.agent.database.SemiSync.Master;
import dev.marina.agent.database.SemiSync.Reading;
import dev.marina.schemas.v1.SemiSyncWait;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SemiSyncTest {

    static Stream<Arguments> promotions() {
        return Stream.of(
                Arguments.of("a replica promoted under SEMI_SYNC is lossless at once", true, true, 0, Master.LOSSLESS),
                Arguments.of("a primary made writable again waits only once a replica attached", true, false, 0,
                        Master.UNTIL_FIRST_REPLICA),
                Arguments.of("a primary made writable again with its replicas attached is lossless", true, false, 2, Master.LOSSLESS),
                Arguments.of("ASYNC promotes without semi-sync", false, true, 1, Master.OFF),
                Arguments.of("ASYNC stays off with replicas attached", false, false, 2, Master.OFF));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("promotions")
    void promote(String behaviour, boolean semiSync, boolean wasReplica, long attached, Master expected) {
        assertEquals(expected, SemiSync.withAttached(SemiSync.atPromote(semiSync, wasReplica), attached));
    }

    static Stream<Arguments> firstDeploys() {
        return Stream.of(
                Arguments.of("a first primary may have no replicas: it does not wait without one", true, 0, Master.UNTIL_FIRST_REPLICA),
                Arguments.of("a first primary whose replicas attached already is lossless", true, 1, Master.LOSSLESS),
                Arguments.of("ASYNC", false, 1, Master.OFF));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("firstDeploys")
    void firstDeploy(String behaviour, boolean semiSync, long attached, Master expected) {
        assertEquals(expected, SemiSync.withAttached(SemiSync.atFirstDeploy(semiSync), attached));
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
}
