package dev.marina.agent.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class GtidPositionTest {

    @ParameterizedTest(name = "\"{0}\" includes \"{1}\": {2}")
    @CsvSource(delimiter = '|', value = {
            "0-1-42 | 0-1-42 | true",
            "0-1-43 | 0-1-42 | true",
            "0-1-41 | 0-1-42 | false",
            "0-2-50 | 0-1-42 | true",      // another server wrote later transactions of the same domain
            "0-1-42,1-3-7 | 1-3-7 | true",
            "0-1-42 | 0-1-42,1-3-7 | false", // a domain it has never seen
            "0-1-42 | '' | true",
            "'' | 0-1-1 | false",
            "'' | '' | true"})
    void includes(String held, String wanted, boolean expected) {
        assertEquals(expected, GtidPosition.parse(held).includes(GtidPosition.parse(wanted)));
    }

    @Test
    void reads_what_mariadb_prints_with_or_without_spaces() {
        assertEquals("0-2131360000-42,1-7-3", GtidPosition.parse("1-7-3, 0-2131360000-42").toString());
        assertEquals(42, GtidPosition.parse("0-2131360000-42").byDomain().get(0L).sequence());
    }

    @ParameterizedTest
    @ValueSource(strings = {"0-1", "a-b-c", "0-1-1;DROP", "0-1-1'", "0-1-1,", "-1-1-1"})
    void refuses_what_is_not_a_position(String text) {
        assertFalse(GtidPosition.isValid(text));
        assertThrows(IllegalArgumentException.class, () -> GtidPosition.parse(text));
    }

    @Test
    void refuses_a_domain_named_twice() {
        assertTrue(GtidPosition.isValid("0-1-1,0-2-2"));
        assertThrows(IllegalArgumentException.class, () -> GtidPosition.parse("0-1-1,0-2-2"));
    }
}
