package dev.marina.service.leader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.marina.service.leader.LeaderLease.Step;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The election's decisions: each row is a sequence of events, the steps they give, and whether the copy leads after. */
class LeaderLeaseTest {

    private static final long LEASE = 4_000;

    /** An event at a time: "assign", "confirm@T" (a commit sent at T accepted), "tick@T", "revoke", "fail". */
    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("an assigned copy does not act before a commit confirms it",
                        List.of("assign", "tick@100"), List.of(Step.NONE, Step.NONE), 100L, false),
                Arguments.of("a confirmed assignment begins the work once",
                        List.of("assign", "confirm@0", "confirm@1000"), List.of(Step.NONE, Step.BEGIN, Step.NONE), 1000L, true),
                Arguments.of("the lease runs from when the confirming commit was sent",
                        List.of("assign", "confirm@0"), List.of(Step.NONE, Step.BEGIN), 3_999L, true),
                Arguments.of("a lease not renewed ends the work when it runs out, before the group says anything",
                        List.of("assign", "confirm@0", "tick@3999", "tick@4000"), List.of(Step.NONE, Step.BEGIN, Step.NONE, Step.END), 4000L, false),
                Arguments.of("a copy stalled past its lease does not lead when it wakes",
                        List.of("assign", "confirm@0"), List.of(Step.NONE, Step.BEGIN), 60_000L, false),
                Arguments.of("a renewed lease keeps the work going",
                        List.of("assign", "confirm@0", "confirm@3000", "tick@6000"), List.of(Step.NONE, Step.BEGIN, Step.NONE, Step.NONE), 6000L, true),
                Arguments.of("revocation ends the work at once",
                        List.of("assign", "confirm@0", "revoke"), List.of(Step.NONE, Step.BEGIN, Step.END), 1L, false),
                Arguments.of("revocation of a copy that never began ends nothing",
                        List.of("assign", "revoke"), List.of(Step.NONE, Step.NONE), 1L, false),
                Arguments.of("a commit confirmed after revocation proves nothing",
                        List.of("assign", "revoke", "confirm@0"), List.of(Step.NONE, Step.NONE, Step.NONE), 1L, false),
                Arguments.of("a lapsed lease renewed later begins the work again",
                        List.of("assign", "confirm@0", "tick@5000", "confirm@6000"), List.of(Step.NONE, Step.BEGIN, Step.END, Step.BEGIN), 6000L, true),
                Arguments.of("work that failed to begin is begun again at the next confirmation",
                        List.of("assign", "confirm@0", "fail", "confirm@1000"), List.of(Step.NONE, Step.BEGIN, Step.NONE, Step.BEGIN), 1000L, true),
                Arguments.of("a copy re-assigned after revocation waits for a new confirmation",
                        List.of("assign", "confirm@0", "revoke", "assign"), List.of(Step.NONE, Step.BEGIN, Step.END, Step.NONE), 1L, false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void decides(String behaviour, List<String> events, List<Step> expected, long at, boolean leadingAfter) {
        LeaderLease lease = new LeaderLease(LEASE);
        List<Step> steps = new ArrayList<>();
        for (String event : events) {
            steps.add(apply(lease, event));
        }
        assertEquals(expected, steps, behaviour);
        assertEquals(leadingAfter, lease.leading(at), behaviour);
    }

    @Test
    void the_generation_is_the_one_of_the_last_assignment() {
        LeaderLease lease = new LeaderLease(LEASE);
        assertEquals(-1, lease.generation());
        lease.assigned(3);
        lease.revoked();
        lease.assigned(5);
        assertEquals(5, lease.generation());
    }

    @Test
    void a_lease_must_be_positive() {
        assertThrows(IllegalArgumentException.class, () -> new LeaderLease(0));
    }

    @Test
    void times_past_the_nano_clock_wrap_compare_correctly() {
        LeaderLease lease = new LeaderLease(LEASE);
        lease.assigned(1);
        long sent = Long.MAX_VALUE - 1_000;
        assertEquals(Step.BEGIN, lease.confirmed(sent));
        assertEquals(true, lease.leading(sent + 3_000)); // wraps to a negative reading
        assertEquals(false, lease.leading(sent + 4_000));
    }

    private static Step apply(LeaderLease lease, String event) {
        String[] parts = event.split("@");
        return switch (parts[0]) {
            case "assign" -> lease.assigned(7);
            case "confirm" -> lease.confirmed(Long.parseLong(parts[1]));
            case "tick" -> lease.tick(Long.parseLong(parts[1]));
            case "revoke" -> lease.revoked();
            case "fail" -> {
                lease.beginFailed();
                yield Step.NONE;
            }
            default -> throw new IllegalArgumentException(event);
        };
    }
}
