package dev.marina.schemas.gtid;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class GtidsTest {

    @Test
    void reads_the_domain_zero_sequence_number_of_a_gtid_or_a_position() {
        assertEquals(OptionalLong.of(42), Gtids.domainZero("0-167772161-42"));
        assertEquals(OptionalLong.of(42), Gtids.domainZero("1-2-7, 0-167772161-42"));
        assertEquals(OptionalLong.empty(), Gtids.domainZero("1-2-7"));
        assertEquals(OptionalLong.empty(), Gtids.domainZero(""));
        assertEquals(OptionalLong.empty(), Gtids.domainZero("0-1-x"));
        assertEquals(OptionalLong.empty(), Gtids.domainZero("0-1-2-3"));
        assertEquals(OptionalLong.empty(), Gtids.domainZero("0-1-5,0-2-6"));
        assertEquals(OptionalLong.empty(), Gtids.domainZero("0-1--5"));
    }

    @Test
    void positions_are_compared_per_domain_and_read_leniently() {
        assertEquals(Map.of(0L, 42L, 1L, 7L), Gtids.parse("0-1-42,1-3-7"));
        assertEquals(Map.of(), Gtids.parse("0-1-x"));
        assertEquals(1, Gtids.compare("0-1-43", "0-2-42"));
        assertEquals(-1, Gtids.compare("", "0-2-42"));
        assertEquals(0, Gtids.compare("0-1-43,1-1-1", "0-1-42,1-1-2"));
    }
}
