package dev.marina.dns.driver.route53;

import dev.marina.dns.zone.Names;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where the Route 53 driver writes and how hard it may push. Credentials are not here: the SDK's
 * default provider chain finds them (environment, profile, web identity, container or instance role).
 * Every field is checked at construction, all problems reported at once.
 *
 * @param hostedZoneId the hosted zone's id, {@code Z0123456789ABCDEFGHIJ} (a leading {@code /hostedzone/} is dropped)
 * @param zone the hosted zone's name, e.g. {@code db.example.com}; stored fully qualified
 * @param region the SDK region; Route 53 is global, so {@code aws-global} unless in a separate partition
 *        ({@code aws-cn-global}, {@code aws-us-gov-global})
 * @param endpoint another endpoint than Route 53's own (tests, a proxy); empty for the real one
 * @param requestTimeout how long one HTTP request may take, connecting included
 * @param changeTimeout how long {@code apply} waits for Route 53 to report a change INSYNC
 * @param requestsPerSecond the rate of API calls this driver makes; Route 53 allows 5 per second per account
 * @param throttleRetries how often a throttled call is tried again before it counts as unreachable
 * @param throttleBackoff the pause before the first retry of a throttled call; doubled for each further one
 */
public record Route53Settings(String hostedZoneId, String zone, String region, Optional<URI> endpoint,
        Duration requestTimeout, Duration changeTimeout, double requestsPerSecond, int throttleRetries,
        Duration throttleBackoff) {

    /** Route 53's documented limit for the control-plane API, per account. */
    public static final double ROUTE53_REQUESTS_PER_SECOND = 5.0;
    public static final String DEFAULT_REGION = "aws-global";
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);
    /** Route 53 says changes usually reach all its servers within 60 seconds. */
    public static final Duration DEFAULT_CHANGE_TIMEOUT = Duration.ofSeconds(120);
    public static final int DEFAULT_THROTTLE_RETRIES = 5;
    public static final Duration DEFAULT_THROTTLE_BACKOFF = Duration.ofMillis(200);

    private static final String HOSTED_ZONE_PREFIX = "/hostedzone/";
    private static final Pattern ZONE_ID = Pattern.compile("[A-Z0-9]{1,32}");
    private static final Pattern REGION = Pattern.compile("[a-z0-9]+(-[a-z0-9]+)*");
    private static final Pattern LABEL = Pattern.compile("[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?");

    public Route53Settings {
        hostedZoneId = hostedZoneId == null ? "" : hostedZoneId.trim();
        if (hostedZoneId.startsWith(HOSTED_ZONE_PREFIX)) {
            hostedZoneId = hostedZoneId.substring(HOSTED_ZONE_PREFIX.length());
        }
        zone = zone == null || zone.isBlank() ? "" : Names.fqdn(zone);
        region = region == null ? "" : region.trim();
        endpoint = endpoint == null ? Optional.empty() : endpoint;

        List<String> problems = new ArrayList<>();
        if (!ZONE_ID.matcher(hostedZoneId).matches()) {
            problems.add("marina.dns.route53.hosted-zone-id must be a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ, not \""
                    + hostedZoneId + "\"");
        }
        if (!isZoneName(zone)) {
            problems.add("marina.dns.zone must be a domain name such as db.example.com, not \"" + zone + "\"");
        }
        if (!REGION.matcher(region).matches()) {
            problems.add("marina.dns.route53.region must be an AWS region such as aws-global or us-east-1, not \"" + region + "\"");
        }
        endpoint.ifPresent(uri -> {
            boolean web = "http".equals(uri.getScheme()) || "https".equals(uri.getScheme());
            if (!uri.isAbsolute() || !web || uri.getHost() == null) {
                problems.add("marina.dns.route53.endpoint must be an http(s) URL with a host, not \"" + uri + "\"");
            }
        });
        requirePositive(problems, "marina.dns.route53.request-timeout", requestTimeout);
        requirePositive(problems, "marina.dns.route53.change-timeout", changeTimeout);
        requirePositive(problems, "marina.dns.route53.throttle-backoff", throttleBackoff);
        if (!(requestsPerSecond > 0 && requestsPerSecond <= 100)) {
            problems.add("marina.dns.route53.rate must be above 0 and at most 100 requests per second (Route 53 allows "
                    + ROUTE53_REQUESTS_PER_SECOND + "), not " + requestsPerSecond);
        }
        if (throttleRetries < 0 || throttleRetries > 20) {
            problems.add("marina.dns.route53.throttle-retries must be between 0 and 20, not " + throttleRetries);
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid Route 53 settings: " + String.join("; ", problems));
        }
    }

    /** Settings with every default: the real Route 53 endpoint, 5 requests per second. */
    public static Route53Settings defaults(String hostedZoneId, String zone) {
        return new Route53Settings(hostedZoneId, zone, DEFAULT_REGION, Optional.empty(), DEFAULT_REQUEST_TIMEOUT,
                DEFAULT_CHANGE_TIMEOUT, ROUTE53_REQUESTS_PER_SECOND, DEFAULT_THROTTLE_RETRIES, DEFAULT_THROTTLE_BACKOFF);
    }

    public Route53Settings withRegion(String newRegion) {
        return new Route53Settings(hostedZoneId, zone, newRegion, endpoint, requestTimeout, changeTimeout,
                requestsPerSecond, throttleRetries, throttleBackoff);
    }

    public Route53Settings withEndpoint(URI newEndpoint) {
        return new Route53Settings(hostedZoneId, zone, region, Optional.of(newEndpoint), requestTimeout, changeTimeout,
                requestsPerSecond, throttleRetries, throttleBackoff);
    }

    public Route53Settings withTimeouts(Duration newRequestTimeout, Duration newChangeTimeout) {
        return new Route53Settings(hostedZoneId, zone, region, endpoint, newRequestTimeout, newChangeTimeout,
                requestsPerSecond, throttleRetries, throttleBackoff);
    }

    public Route53Settings withRate(double newRequestsPerSecond) {
        return new Route53Settings(hostedZoneId, zone, region, endpoint, requestTimeout, changeTimeout,
                newRequestsPerSecond, throttleRetries, throttleBackoff);
    }

    public Route53Settings withThrottleRetries(int newRetries, Duration newBackoff) {
        return new Route53Settings(hostedZoneId, zone, region, endpoint, requestTimeout, changeTimeout,
                requestsPerSecond, newRetries, newBackoff);
    }

    private static void requirePositive(List<String> problems, String key, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            problems.add(key + " must be a positive duration, not " + value);
        }
    }

    private static boolean isZoneName(String fqdn) {
        if (fqdn.length() < 2 || fqdn.length() > 254) {
            return false;
        }
        for (String label : fqdn.substring(0, fqdn.length() - 1).split("\\.", -1)) {
            if (!LABEL.matcher(label).matches()) {
                return false;
            }
        }
        return true;
    }
}
