package dev.marina.intent.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.schemas.v1.ActionKey;
import dev.marina.schemas.v1.ActionKind;
import dev.marina.schemas.v1.InFlightAction;
import dev.marina.schemas.v1.ReconcilerState;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class LedgerTest {
    private static final String I = "acme-orders-2";

    static Stream<Arguments> ids() {
        return Stream.of(
                Arguments.of(Ledger.createInstance(I), "create/" + I),
                Arguments.of(Ledger.deploy(I), "deploy/" + I),
                Arguments.of(Ledger.stopDatabase(I), "agent-destroy/" + I),
                Arguments.of(Ledger.destroyInstance(I), "destroy/" + I),
                Arguments.of(Ledger.applyNames("a1b2c3"), "dns/a1b2c3"),
                Arguments.of(Ledger.removeNames(), "dns/remove"),
                Arguments.of(Ledger.makeCsr(I, 2), "csr/" + I + "/2"),
                Arguments.of(Ledger.issueCert(I, 2), "cert/" + I + "/2"),
                Arguments.of(Ledger.installCert(I, 2), "install/" + I + "/2"),
                Arguments.of(Ledger.revokeCert("0afe"), "revoke/0afe"),
                Arguments.of(Ledger.promote(I, 3), "promote/" + I + "/3"),
                Arguments.of(Ledger.replicate(I, 3), "replicate/" + I + "/3"),
                Arguments.of(Ledger.fence(I, 3), "fence/" + I + "/3"),
                Arguments.of(Ledger.backup(I, "s-20261202-0300"), "backup/s-20261202-0300/" + I),
                Arguments.of(Ledger.replicasWanted(I, 0), "replicas-wanted/" + I + "/0"),
                Arguments.of(Ledger.update(I, "9f1c2e"), "update/" + I + "/9f1c2e"),
                Arguments.of(Ledger.pause(I, 2), "pause/" + I + "/2"),
                Arguments.of(Ledger.resume(I, 2), "resume/" + I + "/2"),
                Arguments.of(Ledger.archiveBinlogs(I, 3, dev.marina.schemas.v1.BinlogArchiveSettings.newBuilder().setEnabled(true)
                        .setKeepAfterGtid("0-1-42").build()), "archive/" + I + "/3/on/0-1-42"),
                Arguments.of(Ledger.archiveBinlogs(I, 3, dev.marina.schemas.v1.BinlogArchiveSettings.getDefaultInstance()),
                        "archive/" + I + "/3/off"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("ids")
    void ids_keep_the_names_command_ids_had_before_the_typed_ledger(ActionKey key, String id) {
        assertEquals(id, Ledger.id(key));
    }

    @Test
    void every_kind_has_a_constructor_with_a_distinct_id() {
        Set<ActionKind> covered = ids().map(a -> ((ActionKey) a.get()[0]).getKind()).collect(Collectors.toSet());
        EnumSet<ActionKind> all = EnumSet.allOf(ActionKind.class);
        all.remove(ActionKind.ACTION_KIND_UNSPECIFIED);
        all.remove(ActionKind.UNRECOGNIZED);
        assertEquals(all, covered);
        assertEquals(ids().count(), ids().map(a -> Ledger.id((ActionKey) a.get()[0])).distinct().count());
    }

    private static ReconcilerState inFlight(ActionKey... keys) {
        ReconcilerState.Builder state = ReconcilerState.newBuilder();
        for (ActionKey key : keys) {
            state.putInFlight(Ledger.id(key), InFlightAction.newBuilder().setKey(Ledger.id(key)).setAction(key)
                    .setCommandId("acme/orders/1/" + Ledger.id(key)).build());
        }
        return state.build();
    }

    @Test
    void an_answer_is_matched_by_the_key_it_echoes_not_by_its_command_id() {
        ReconcilerState state = inFlight(Ledger.replicate(I, 3));
        assertTrue(Ledger.answered(state, Ledger.replicate(I, 3), "anything").isPresent());
        assertTrue(Ledger.answered(state, Ledger.replicate(I, 2), "acme/orders/1/replicate/" + I + "/3").isEmpty(),
                "an answer for an older epoch does not count for the newer action");
    }

    @Test
    void an_answer_without_a_key_is_matched_by_its_whole_command_id() {
        ReconcilerState state = inFlight(Ledger.deploy(I));
        assertEquals(Ledger.deploy(I), Ledger.answered(state, ActionKey.getDefaultInstance(), "acme/orders/1/deploy/" + I)
                .orElseThrow().getAction());
        assertTrue(Ledger.answered(state, ActionKey.getDefaultInstance(), "acme/orders/1/deploy/" + I + "x").isEmpty());
    }

    @Test
    void forgetting_an_instance_keeps_revocations_and_other_instances() {
        ReconcilerState.Builder state = inFlight(Ledger.deploy(I), Ledger.promote(I, 2), Ledger.installCert(I, 1),
                Ledger.revokeCert("0afe"), Ledger.deploy("acme-orders-3"), Ledger.applyNames("d")).toBuilder();
        Ledger.forgetInstance(state, I);
        assertEquals(Set.of("revoke/0afe", "deploy/acme-orders-3", "dns/d"), state.getInFlightMap().keySet());
    }

    @Test
    void a_newer_names_wish_replaces_older_ones() {
        ReconcilerState.Builder state = inFlight(Ledger.applyNames("old"), Ledger.removeNames(), Ledger.deploy(I)).toBuilder();
        Ledger.forgetNamesExcept(state, Optional.of(Ledger.applyNames("new")));
        assertEquals(Set.of("deploy/" + I), state.getInFlightMap().keySet());
    }

    @Test
    void entries_from_before_the_typed_ledger_are_dropped_on_load() {
        ReconcilerState typed = inFlight(Ledger.deploy(I));
        ReconcilerState old = typed.toBuilder().putInFlight("replicate/" + I + "/2", InFlightAction.newBuilder()
                .setKey("replicate/" + I + "/2").setCommandId("acme/orders/1/replicate/" + I + "/2").build()).build();
        assertEquals(typed, Ledger.dropUntyped(old));
        assertTrue(Ledger.dropUntyped(typed) == typed, "nothing to drop: the same state");
        assertFalse(Ledger.dropUntyped(old).getInFlightMap().containsKey("replicate/" + I + "/2"));
    }
}
