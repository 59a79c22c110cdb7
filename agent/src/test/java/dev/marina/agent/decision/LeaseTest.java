package dev.marina.agent.decision;

import static dev.marina.agent.decision.Lease.Verdict.FENCE;
import static dev.marina.agent.decision.Lease.Verdict.NOT_HELD;
import static dev.marina.agent.decision.Lease.Verdict.VALID;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class LeaseTest {

    private static final long MS = 1_000_000L;
    /** Monotonic times can be negative: start far below zero to catch comparisons that assume otherwise. */
    private static final long T0 = Long.MIN_VALUE + 5_000 * MS;

    private final Lease lease = new Lease(Duration.ofSeconds(1));

    @Test
    void holds_while_heartbeats_are_acknowledged_within_the_lease() {
        lease.granted(T0);
        lease.acknowledged(T0 + 800 * MS);
        assertEquals(VALID, lease.check(true, T0 + 1_700 * MS));
        lease.acknowledged(T0 + 1_600 * MS);
        assertEquals(VALID, lease.check(true, T0 + 2_600 * MS));
    }

    @Test
    void runs_out_one_lease_after_the_last_acknowledged_send() {
        lease.granted(T0);
        lease.acknowledged(T0 + 200 * MS);
        assertEquals(VALID, lease.check(true, T0 + 1_200 * MS));
        assertEquals(FENCE, lease.check(true, T0 + 1_201 * MS));
    }

    @Test
    void a_late_acknowledgement_counts_from_its_send_not_its_arrival() {
        lease.granted(T0);
        // Sent at 100 ms, acknowledged only now at 1.05 s: the lease runs from 100 ms.
        lease.acknowledged(T0 + 100 * MS);
        assertEquals(FENCE, lease.check(true, T0 + 1_150 * MS));
    }

    @Test
    void an_older_acknowledgement_arriving_late_does_not_shorten_the_lease() {
        lease.acknowledged(T0 + 900 * MS);
        lease.acknowledged(T0 + 100 * MS);
        assertEquals(VALID, lease.check(true, T0 + 1_800 * MS));
    }

    @Test
    void a_promote_grants_a_fresh_lease_even_after_a_long_silence() {
        lease.acknowledged(T0);
        assertEquals(FENCE, lease.check(true, T0 + 5_000 * MS));
        lease.granted(T0 + 5_000 * MS);
        assertEquals(VALID, lease.check(true, T0 + 5_500 * MS));
    }

    @Test
    void guards_nothing_when_not_a_writable_primary() {
        assertEquals(NOT_HELD, lease.check(false, T0 + 9_000 * MS));
    }

    @Test
    void a_writable_primary_whose_lease_never_started_fences() {
        assertEquals(FENCE, lease.check(true, T0));
    }

    @Test
    void tells_how_long_ago_it_was_renewed() {
        assertEquals(-1, lease.sinceRenewalMillis(T0));
        lease.acknowledged(T0);
        assertEquals(1_250, lease.sinceRenewalMillis(T0 + 1_250 * MS));
    }

    @Test
    void must_be_positive() {
        assertThrows(IllegalArgumentException.class, () -> new Lease(Duration.ZERO));
    }
}
