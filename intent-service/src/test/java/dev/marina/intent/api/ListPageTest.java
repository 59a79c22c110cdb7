package dev.marina.intent.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class ListPageTest {

    /** Keys as the views hold them; the value is the key, so a page shows which entries it holds. */
    private static NavigableMap<String, String> fleet(String... keys) {
        NavigableMap<String, String> map = new TreeMap<>();
        for (String k : keys) {
            map.put(k, k);
        }
        return map;
    }

    private static final NavigableMap<String, String> FLEET = fleet("acme/a", "acme/b", "acme/c", "acme-2/x", "acme0/y",
            "globex/m", "globex/n");

    /** Every page of a listing, following the tokens. */
    private static List<List<String>> pages(NavigableMap<String, String> sorted, String tenant, int size) {
        List<List<String>> pages = new ArrayList<>();
        String token = "";
        do {
            ListPage.Page<String> page = ListPage.of(sorted, ListPage.request(tenant, size, token));
            pages.add(page.entries());
            token = page.nextToken();
        } while (!token.isEmpty());
        return pages;
    }

    @ParameterizedTest(name = "tenant \"{0}\", page size {1}: {2}")
    @CsvSource(delimiter = ';', value = {
            "'';    0; [[acme-2/x, acme/a, acme/b, acme/c, acme0/y, globex/m, globex/n]]",
            "'';    3; [[acme-2/x, acme/a, acme/b], [acme/c, acme0/y, globex/m], [globex/n]]",
            "'';    7; [[acme-2/x, acme/a, acme/b, acme/c, acme0/y, globex/m, globex/n]]",
            "acme;  0; [[acme/a, acme/b, acme/c]]",
            "acme;  2; [[acme/a, acme/b], [acme/c]]",
            "acme;  1; [[acme/a], [acme/b], [acme/c]]",
            "acme;  3; [[acme/a, acme/b, acme/c]]",
            "acme0; 5; [[acme0/y]]",
            "nobody; 5; [[]]",
    })
    void pagesCoverTheListingOnceInKeyOrderAndATenantsRangeOnly(String tenant, int size, String expected) {
        assertEquals(expected, pages(FLEET, tenant, size).toString());
    }

    @Test
    void aDeploymentCreatedOrDeletedBetweenPagesNeitherRepeatsNorShiftsTheRest() {
        NavigableMap<String, String> sorted = fleet("t/a", "t/b", "t/c", "t/d");
        ListPage.Page<String> first = ListPage.of(sorted, ListPage.request("t", 2, ""));
        assertEquals(List.of("t/a", "t/b"), first.entries());
        sorted.remove("t/a");
        sorted.put("t/aa", "t/aa"); // behind the cursor: the next listing shows it
        sorted.remove("t/c");
        ListPage.Page<String> second = ListPage.of(sorted, ListPage.request("t", 2, first.nextToken()));
        assertEquals(List.of("t/d"), second.entries());
        assertEquals("", second.nextToken());
    }

    @ParameterizedTest(name = "page size {0} refused")
    @CsvSource({"-1", "1001"})
    void aPageSizeOutOfRangeIsRefused(int size) {
        ApiError e = assertThrows(ApiError.class, () -> ListPage.request("t", size, ""));
        assertEquals(ApiError.Kind.BAD_REQUEST, e.kind());
        assertTrue(e.getMessage().contains("pageSize"), e.getMessage());
    }

    @ParameterizedTest(name = "token \"{0}\" refused")
    @CsvSource({"not-base64!", "eA", "YWZ0ZXI6bm9zbGFzaA"}) // "x"; "after:noslash"
    void aTokenThisApiDidNotGiveIsRefused(String token) {
        ApiError e = assertThrows(ApiError.class, () -> ListPage.request("", 10, token));
        assertTrue(e.getMessage().contains("pageToken"), e.getMessage());
    }

    @Test
    void aTokenGivenForOneTenantsListingIsRefusedForAnothers() {
        String acmeToken = ListPage.of(FLEET, ListPage.request("acme", 1, "")).nextToken();
        ApiError e = assertThrows(ApiError.class, () -> ListPage.request("globex", 1, acmeToken));
        assertTrue(e.getMessage().contains("another listing"), e.getMessage());
        assertEquals(List.of("acme/b"), ListPage.of(FLEET, ListPage.request("acme", 1, acmeToken)).entries());
    }
}
