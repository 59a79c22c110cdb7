package dev.marina.provisioner.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AddressAllocatorTest {

    private static final AddressRange DEFAULT = AddressRange.parse("127.10.0.0/16");

    @Test
    void hands_out_the_first_usable_address_of_an_empty_range() {
        assertEquals(Optional.of("127.10.0.1"), AddressAllocator.lowestFree(DEFAULT, List.of()));
    }

    @Test
    void hands_out_the_lowest_address_nobody_holds() {
        assertEquals(Optional.of("127.10.0.2"),
                AddressAllocator.lowestFree(DEFAULT, List.of("127.10.0.1", "127.10.0.3")));
    }

    @Test
    void reuses_a_freed_address_below_the_ones_in_use() {
        assertEquals(Optional.of("127.10.0.1"),
                AddressAllocator.lowestFree(DEFAULT, List.of("127.10.0.2", "127.10.0.3")));
    }

    @Test
    void never_hands_out_an_address_in_use() {
        List<String> inUse = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            String next = AddressAllocator.lowestFree(DEFAULT, inUse).orElseThrow();
            assertTrue(!inUse.contains(next), next + " handed out twice");
            inUse.add(next);
        }
    }

    @Test
    void skips_addresses_ending_in_255_and_0_when_crossing_an_octet() {
        List<String> inUse = new ArrayList<>();
        for (int i = 1; i <= 254; i++) {
            inUse.add("127.10.0." + i);
        }
        assertEquals(Optional.of("127.10.1.1"), AddressAllocator.lowestFree(DEFAULT, inUse));
    }

    @Test
    void never_hands_out_127_0_0_1() {
        AddressRange low = AddressRange.parse("127.0.0.0/30");
        assertEquals(Optional.of("127.0.0.2"), AddressAllocator.lowestFree(low, List.of()));
    }

    @Test
    void says_so_when_the_range_is_exhausted() {
        AddressRange tiny = AddressRange.parse("127.10.0.0/30");
        assertEquals(Optional.empty(), AddressAllocator.lowestFree(tiny, List.of("127.10.0.1", "127.10.0.2", "127.10.0.3")));
    }

    @Test
    void normalises_a_range_written_with_host_bits() {
        assertEquals("127.10.0.0/16", AddressRange.parse("127.10.3.7/16").toString());
    }

    @Test
    void refuses_ranges_outside_loopback_and_malformed_ones() {
        assertThrows(IllegalArgumentException.class, () -> AddressRange.parse("10.0.0.0/8"));
        assertThrows(IllegalArgumentException.class, () -> AddressRange.parse("127.10.0.0"));
        assertThrows(IllegalArgumentException.class, () -> AddressRange.parse("127.10.0.300/16"));
        assertThrows(IllegalArgumentException.class, () -> AddressRange.parse("127.0.0.0/4"));
    }
}
