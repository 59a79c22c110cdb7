package dev.marina.healthmonitor.dashboard;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PointRingTest {

    @Test
    void keeps_points_in_time_order_and_drops_the_oldest_beyond_its_capacity() {
        PointRing ring = new PointRing(40, 2);
        for (int t = 1; t <= 100; t++) {
            assertTrue(ring.add(t, new double[] {t, -t}));
        }
        assertEquals(40, ring.size());
        assertEquals(61, ring.times()[0]);
        assertEquals(100, ring.lastTime());
        assertEquals(61.0, ring.values(0)[0]);
        assertEquals(-100.0, ring.values(1)[39]);
    }

    @Test
    void refuses_a_point_that_is_not_newer_than_the_newest() {
        PointRing ring = new PointRing(10, 1);
        ring.add(5, new double[] {1});
        assertFalse(ring.add(5, new double[] {2}), "same time");
        assertFalse(ring.add(4, new double[] {3}), "older");
        assertArrayEquals(new double[] {1}, ring.values(0));
    }

    @Test
    void drops_points_older_than_a_time_after_wrapping_around() {
        PointRing ring = new PointRing(8, 1);
        for (int t = 1; t <= 12; t++) {
            ring.add(t * 10L, new double[] {t});
        }
        ring.dropBefore(105);
        assertArrayEquals(new long[] {110, 120}, ring.times());
        ring.dropBefore(1000);
        assertEquals(0, ring.size());
        assertTrue(ring.add(5, new double[] {1}), "an empty ring takes any time");
    }

    @Test
    void a_missing_gauge_stays_missing() {
        PointRing ring = new PointRing(4, 2);
        ring.add(1, new double[] {1, Double.NaN});
        assertTrue(Double.isNaN(ring.values(1)[0]));
    }
}
