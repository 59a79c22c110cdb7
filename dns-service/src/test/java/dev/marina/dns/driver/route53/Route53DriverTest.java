package dev.marina.dns.driver.route53;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.dns.driver.DnsDriverException;
import dev.marina.dns.driver.DnsDriverException.Kind;
import dev.marina.dns.zone.OwnershipPlanner;
import dev.marina.dns.zone.Plan;
import dev.marina.dns.zone.RecordSet;
import dev.marina.dns.zone.ZoneChange;
import dev.marina.dns.zone.ZoneContents;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * The driver against recorded Route 53 exchanges (see {@code src/test/resources/route53/README.md}):
 * each test plays a scenario, and the fake endpoint fails the test if the SDK sends anything but the
 * recorded requests. Time is fake: pauses are recorded, not slept.
 */
class Route53DriverTest {

    static final String ZONE = "example.com.";
    static final String HOSTED_ZONE = "Z1D633PJN98FT9";
    static final String US = "acme/orders";
    static final String OWNER = "_marina-owner.orders.example.com.";

    static final AwsCredentialsProvider TEST_CREDENTIALS = StaticCredentialsProvider.create(
            AwsBasicCredentials.create(FakeRoute53.ACCESS_KEY, FakeRoute53.SECRET_KEY));

    FakeRoute53 route53;
    FakeTime time;
    Route53Driver driver;

    @BeforeEach
    void start() {
        route53 = new FakeRoute53();
        time = new FakeTime();
        driver = driver(s -> s);
    }

    @AfterEach
    void stop() {
        driver.close();
        route53.close();
        assertEquals(List.of(), route53.problems(), "requests that differ from the recorded exchanges");
        assertEquals(List.of(), route53.unplayed(), "recorded exchanges the driver never asked for");
    }

    Route53Driver driver(UnaryOperator<Route53Settings> adjust) {
        return driver(adjust, TEST_CREDENTIALS, Route53Driver.PAGE_SIZE);
    }

    Route53Driver driver(UnaryOperator<Route53Settings> adjust, AwsCredentialsProvider credentials, int pageSize) {
        Route53Settings settings = adjust.apply(Route53Settings.defaults(HOSTED_ZONE, "example.com")
                .withEndpoint(route53.endpoint()));
        // Jitter fixed at the middle of its range, so the pauses are exact.
        return new Route53Driver(settings, credentials, time, () -> 0.5, pageSize);
    }

    static RecordSet a(String name, String... values) {
        return RecordSet.of(name, "A", 60, values);
    }

    /** What the command handler does: read, plan for acme/orders, hand the change to the driver. */
    ZoneChange planned(List<RecordSet> desired) {
        Plan plan = OwnershipPlanner.plan(US, ZONE, desired, driver.read());
        return ((Plan.Apply) plan).change();
    }

    // ---- reading

    @Test
    void reads_every_page_into_canonical_record_sets() {
        driver.close();
        driver = driver(s -> s, TEST_CREDENTIALS, 3);
        route53.play("read-paginated");

        ZoneContents zone = driver.read();

        assertEquals(3, route53.received().size(), "three pages");
        assertEquals(List.of("*.example.com.", OWNER, "example.com.", "orders.example.com.", "www.example.com."),
                List.copyOf(zone.names()));
        Map<String, RecordSet> orders = zone.byType("orders.example.com.");
        assertEquals(a("orders.example.com.", "192.0.2.10", "192.0.2.11"), orders.get("A"));
        assertEquals(RecordSet.of("orders.example.com.", "AAAA", 60, "2001:db8:0:0:0:0:0:10"), orders.get("AAAA"));
        assertEquals(RecordSet.of(OWNER, "TXT", 60, "heritage=marina,deployment=acme/orders"),
                zone.byType(OWNER).get("TXT"), "TXT unquoted");
        assertEquals(RecordSet.of("*.example.com.", "CNAME", 300, "fallback.example.net."),
                zone.byType("*.example.com.").get("CNAME"), "\\052 is the wildcard; CNAME target fully qualified");
        assertEquals(List.of("v=spf1 include:_spf.example.net -all"), zone.byType("www.example.com.").get("TXT").values(),
                "a TXT of several strings is their concatenation");
        assertEquals(List.of(), zone.byType("www.example.com.").get("A").values(), "an alias has no values of its own");
        assertEquals(4, zone.byType(ZONE).get("NS").values().size());
    }

    // ---- changing

    @Test
    void creates_a_deployments_names_with_create_so_route53_refuses_if_they_got_taken() {
        route53.play("create");

        driver.apply(planned(List.of(a("orders.example.com.", "192.0.2.10"))));

        assertEquals(3, route53.received().size(), "list, change, one poll");
    }

    @Test
    void updates_an_owned_name_guarded_by_its_ownership_record() {
        route53.play("update");

        driver.apply(planned(List.of(a("orders.example.com.", "192.0.2.20"))));

        assertEquals(3, route53.received().size());
    }

    @Test
    void deletes_what_a_deployment_owns_naming_each_record_set_exactly_as_read() {
        route53.play("delete");

        driver.apply(planned(List.of()));

        assertEquals(3, route53.received().size());
    }

    @Test
    void reads_the_record_sets_it_deletes_when_it_has_not_read_the_zone() {
        route53.play("delete-without-read");
        ZoneChange change = new ZoneChange(
                List.of(new ZoneChange.TxtIs(OWNER, "heritage=marina,deployment=acme/orders")),
                List.of(new ZoneChange.Delete("orders.example.com.", "A"), new ZoneChange.Delete(OWNER, "TXT")));

        driver.apply(change);

        assertEquals(4, route53.received().size(), "two reads, the change, one poll");
    }

    @Test
    void knows_what_it_wrote_so_a_second_change_needs_no_read() {
        route53.play("follow-up");
        driver.apply(planned(List.of(a("orders.example.com.", "192.0.2.10"))));

        driver.apply(new ZoneChange(List.of(new ZoneChange.TxtIs(OWNER, "heritage=marina,deployment=acme/orders")),
                List.of(new ZoneChange.Delete("orders.example.com.", "A"), new ZoneChange.Delete(OWNER, "TXT"))));

        assertEquals(5, route53.received().size(), "list, change, poll, change, poll");
    }

    @Test
    void refuses_to_send_when_the_ownership_record_it_knows_says_otherwise() {
        route53.expect("update/01-list", 1);
        driver.read();
        ZoneChange change = new ZoneChange(List.of(new ZoneChange.TxtIs(OWNER, "heritage=marina,deployment=acme/billing")),
                List.of(new ZoneChange.Replace(a("orders.example.com.", "192.0.2.99"))));

        DnsDriverException e = assertThrows(DnsDriverException.class, () -> driver.apply(change));

        assertEquals(Kind.ZONE_CHANGED, e.kind(), e.getMessage());
        assertEquals(1, route53.received().size(), "nothing sent after the read");
    }

    @Test
    void a_changed_ownership_record_fails_the_whole_change_as_zone_changed() {
        route53.play("owner-changed");

        DnsDriverException e = assertThrows(DnsDriverException.class,
                () -> driver.apply(planned(List.of(a("orders.example.com.", "192.0.2.20")))));

        assertEquals(Kind.ZONE_CHANGED, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("values provided do not match"), e.getMessage());
        assertTrue(e.kind().retryable());
    }

    @Test
    void a_name_taken_meanwhile_is_zone_changed_also_when_route53_lists_several_messages() {
        route53.play("name-taken");

        DnsDriverException e = assertThrows(DnsDriverException.class,
                () -> driver.apply(planned(List.of(a("orders.example.com.", "192.0.2.10")))));

        assertEquals(Kind.ZONE_CHANGED, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("already exists"), e.getMessage());
    }

    @Test
    void a_change_route53_rejects_for_another_reason_is_refused() {
        route53.play("invalid-value");

        DnsDriverException e = assertThrows(DnsDriverException.class,
                () -> driver.apply(planned(List.of(a("orders.example.com.", "192.0.2.10")))));

        assertEquals(Kind.REFUSED, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("not permitted in zone"), e.getMessage());
    }

    // ---- waiting for INSYNC

    @Test
    void returns_only_once_route53_reports_the_change_insync() {
        route53.play("insync");

        driver.apply(planned(List.of(a("orders.example.com.", "192.0.2.10"))));

        assertEquals(5, route53.received().size(), "list, change, PENDING, PENDING, INSYNC");
        assertEquals(List.of(Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1)), time.pauses(),
                "brisk polls first, then doubling");
    }

    @Test
    void gives_up_waiting_for_insync_after_the_change_timeout() {
        driver.close();
        driver = driver(s -> s.withTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(1)));
        route53.play("never-insync").expect("never-insync/get-change-pending", 3);

        DnsDriverException e = assertThrows(DnsDriverException.class,
                () -> driver.apply(planned(List.of(a("orders.example.com.", "192.0.2.10")))));

        assertEquals(Kind.UNREACHABLE, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("C2682N5HXP0BZ4") && e.getMessage().contains("PENDING"), e.getMessage());
        assertEquals(Duration.ofSeconds(1), time.elapsed(), "waited exactly the change timeout");
    }

    // ---- throttling and failures

    @Test
    void retries_throttled_calls_with_growing_pauses() {
        route53.play("throttled");

        driver.read();

        assertEquals(3, route53.received().size(), "Throttling, PriorRequestNotComplete, then the answer");
        // Backoff 200 ms doubling, equal jitter at 0.5: three quarters of 200 ms, then of 400 ms.
        assertEquals(List.of(Duration.ofMillis(150), Duration.ofMillis(300)), time.pauses());
    }

    @Test
    void gives_up_on_throttling_after_the_configured_retries() {
        driver.close();
        driver = driver(s -> s.withThrottleRetries(2, Duration.ofMillis(200)));
        route53.play("throttled-out");

        DnsDriverException e = assertThrows(DnsDriverException.class, driver::read);

        assertEquals(Kind.UNREACHABLE, e.kind(), e.getMessage());
        assertEquals(3, route53.received().size(), "the call and two retries, the second after a 429");
        assertEquals(2, time.pauses().size());
    }

    @Test
    void access_denied_is_refused_without_retrying() {
        route53.play("access-denied");

        DnsDriverException e = assertThrows(DnsDriverException.class, driver::read);

        assertEquals(Kind.REFUSED, e.kind(), e.getMessage());
        assertFalse(e.kind().retryable());
        assertTrue(e.getMessage().contains("AccessDenied") && e.getMessage().contains("route53:ListResourceRecordSets"),
                e.getMessage());
        assertEquals(1, route53.received().size());
    }

    @Test
    void an_unknown_access_key_is_refused() {
        route53.play("invalid-token");

        DnsDriverException e = assertThrows(DnsDriverException.class, driver::read);

        assertEquals(Kind.REFUSED, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("InvalidClientTokenId"), e.getMessage());
    }

    @Test
    void missing_credentials_are_refused_before_anything_is_sent() {
        driver.close();
        driver = driver(s -> s, () -> {
            throw SdkClientException.create("Unable to load credentials from any of the providers in the chain");
        }, Route53Driver.PAGE_SIZE);

        DnsDriverException e = assertThrows(DnsDriverException.class, driver::read);

        assertEquals(Kind.REFUSED, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("no AWS credentials"), e.getMessage());
        assertEquals(0, route53.received().size());
    }

    @Test
    void a_route53_failure_is_unreachable_and_left_to_the_handler_to_retry() {
        route53.play("service-unavailable");

        DnsDriverException e = assertThrows(DnsDriverException.class, driver::read);

        assertEquals(Kind.UNREACHABLE, e.kind(), e.getMessage());
        assertEquals(1, route53.received().size(), "no retry inside the driver");
    }

    @Test
    void no_server_is_unreachable() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        driver.close();
        driver = driver(s -> s.withEndpoint(URI.create("http://127.0.0.1:" + closedPort)));

        DnsDriverException e = assertThrows(DnsDriverException.class, driver::read);

        assertEquals(Kind.UNREACHABLE, e.kind(), e.getMessage());
    }

    // ---- limits

    @Test
    void refuses_a_change_larger_than_one_request_before_sending_it() {
        List<String> addresses = IntStream.range(0, 1001).mapToObj(i -> "10.0." + (i / 250) + "." + (i % 250 + 1)).toList();
        ZoneChange tooMany = new ZoneChange(List.of(new ZoneChange.NameIsFree("big.example.com.")),
                List.of(new ZoneChange.Replace(new RecordSet("big.example.com.", "A", addresses, 60))));

        ChangeTooLargeException e = assertThrows(ChangeTooLargeException.class, () -> driver.apply(tooMany));

        assertEquals(Kind.REFUSED, e.kind());
        assertEquals(new ChangeSize(1001, e.size().valueCharacters()), e.size());
        assertTrue(e.getMessage().contains("1001 resource records") && e.getMessage().contains("split"), e.getMessage());
        assertEquals(0, route53.received().size(), "nothing sent");
    }

    @Test
    void counts_upserts_twice_and_value_characters_as_route53_does() {
        List<String> addresses = IntStream.range(0, 501).mapToObj(i -> "10.1." + (i / 250) + "." + (i % 250 + 1)).toList();
        ZoneChange upsert = new ZoneChange(List.of(),
                List.of(new ZoneChange.Replace(new RecordSet("big.example.com.", "A", addresses, 60))));
        assertEquals(1002, driver.sizeOf(upsert).resourceRecords(), "an UPSERT counts its records twice");
        assertFalse(driver.sizeOf(upsert).fits());

        String chunk = "x".repeat(250);
        List<String> texts = IntStream.range(0, 130).mapToObj(i -> String.format("%03d", i) + chunk.substring(3)).toList();
        ZoneChange longTexts = new ZoneChange(List.of(new ZoneChange.NameIsFree("txt.example.com.")),
                List.of(new ZoneChange.Replace(new RecordSet("txt.example.com.", "TXT", texts, 60))));
        ChangeSize size = driver.sizeOf(longTexts);
        assertEquals(new ChangeSize(130, 130 * 252), size, "each value quoted");
        assertFalse(size.fits(), size.toString());
        assertThrows(ChangeTooLargeException.class, () -> driver.apply(longTexts));

        ZoneChange small = new ZoneChange(List.of(), List.of(new ZoneChange.Replace(a("one.example.com.", "192.0.2.1"))));
        assertTrue(driver.sizeOf(small).fits());
        assertEquals(0, route53.received().size());
    }

    // ---- rate

    @Test
    void paces_all_calls_to_the_configured_rate() {
        int n = 12;
        route53.expect("rate/list", n);

        for (int i = 0; i < n; i++) {
            driver.read();
        }

        Duration least = Duration.ofMillis((n - 5) * 1000L / 5);
        assertTrue(time.elapsed().compareTo(least) >= 0, n + " calls took " + time.elapsed() + ", at least " + least);
        assertTrue(time.elapsed().minus(least).toMillis() < 1, n + " calls took " + time.elapsed());
        assertEquals(n, route53.received().size());
    }
}
