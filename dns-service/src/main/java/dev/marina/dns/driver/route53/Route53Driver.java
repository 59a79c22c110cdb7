package dev.marina.dns.driver.route53;

import dev.marina.dns.driver.DnsDriver;
import dev.marina.dns.driver.DnsDriverException;
import dev.marina.dns.driver.DnsDriverException.Kind;
import dev.marina.dns.zone.Names;
import dev.marina.dns.zone.RecordSet;
import dev.marina.dns.zone.ZoneChange;
import dev.marina.dns.zone.ZoneContents;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;
import org.jboss.logging.Logger;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.route53.Route53Client;
import software.amazon.awssdk.services.route53.Route53ClientBuilder;
import software.amazon.awssdk.services.route53.model.Change;
import software.amazon.awssdk.services.route53.model.ChangeAction;
import software.amazon.awssdk.services.route53.model.ChangeInfo;
import software.amazon.awssdk.services.route53.model.ChangeStatus;
import software.amazon.awssdk.services.route53.model.ListResourceRecordSetsResponse;
import software.amazon.awssdk.services.route53.model.ResourceRecordSet;

/**
 * One Route 53 hosted zone behind {@link DnsDriver}, with aws-sdk-java-v2.
 *
 * <p>{@link #read()} lists every record set (page by page). {@link #apply} sends the whole
 * {@link ZoneChange} as one ChangeResourceRecordSets request, which Route 53 applies all or nothing,
 * with the conditions expressed as changes that fail when the zone moved (see {@link Route53Batch}),
 * then waits until Route 53 reports the change INSYNC, i.e. served by all its name servers.
 *
 * <p>Route 53 deletes a record set only when given its exact current TTL and values, which a
 * {@code Delete(name, type)} does not carry. The driver takes them from its last {@link #read()}
 * (which the command handler always does just before planning), kept up to date with what it
 * applied since, so a delete costs no extra request; if the zone moved meanwhile, Route 53 refuses
 * the stale DELETE and the command is read and planned again. Without a read (or after a failed
 * change) it reads just the record sets it needs before sending.
 *
 * <p>Every API call, retries and INSYNC polls included, takes a permit from one token bucket per
 * driver (Route 53 allows 5 requests per second per account). Throttling answers are retried here
 * with exponential backoff and jitter, a bounded number of times; the SDK's own retries are off so
 * the two do not multiply. Other failures are not retried here: the command handler retries
 * UNREACHABLE and ZONE_CHANGED with its own backoff.
 */
public final class Route53Driver implements DnsDriver, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(Route53Driver.class);

    /** Record sets per ListResourceRecordSets page: Route 53's largest. */
    static final int PAGE_SIZE = 300;
    /** The longest pause between two tries of a throttled call. */
    static final Duration MAX_THROTTLE_PAUSE = Duration.ofSeconds(10);
    /** The first INSYNC poll comes soon (small changes are often in sync within seconds)… */
    static final Duration FIRST_SYNC_POLL = Duration.ofMillis(250);
    /** …then the pauses double up to this. */
    static final Duration MAX_SYNC_POLL = Duration.ofSeconds(5);

    private final Route53Settings settings;
    private final Route53Client client;
    private final TimeSource time;
    private final DoubleSupplier jitter;
    private final RateLimiter limiter;
    private final int pageSize;
    private final AwsCredentialsProvider credentials;

    /** The zone as last read, by key, in Route 53's own spelling; null when unknown. */
    private Map<RecordSet.Key, List<ResourceRecordSet>> known;

    /** With credentials from the SDK's default provider chain. */
    public Route53Driver(Route53Settings settings) {
        this(settings, DefaultCredentialsProvider.builder().build(), TimeSource.SYSTEM,
                () -> ThreadLocalRandom.current().nextDouble(), PAGE_SIZE);
    }

    /**
     * @param jitter numbers in [0, 1) that spread the pauses of throttled retries
     * @param pageSize record sets per page when reading the zone (small in tests, to see pages)
     */
    Route53Driver(Route53Settings settings, AwsCredentialsProvider credentials, TimeSource time, DoubleSupplier jitter,
            int pageSize) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.time = time;
        this.jitter = jitter;
        this.pageSize = pageSize;
        this.limiter = RateLimiter.perSecond(settings.requestsPerSecond(), time);
        this.credentials = credentials;
        this.client = client(settings, new MarkedCredentials(credentials));
    }

    private static Route53Client client(Route53Settings settings, AwsCredentialsProvider credentials) {
        Route53ClientBuilder builder = Route53Client.builder()
                .region(Region.of(settings.region()))
                .credentialsProvider(credentials)
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(settings.requestTimeout())
                        .socketTimeout(settings.requestTimeout()))
                .overrideConfiguration(ClientOverrideConfiguration.builder()
                        // Retries happen in call(), paced by the shared limiter.
                        .retryStrategy(AwsRetryStrategy.doNotRetry())
                        .apiCallTimeout(settings.requestTimeout())
                        .apiCallAttemptTimeout(settings.requestTimeout())
                        .build());
        settings.endpoint().ifPresent(builder::endpointOverride);
        return builder.build();
    }

    @Override
    public String zone() {
        return settings.zone();
    }

    @Override
    public ZoneContents read() {
        Map<RecordSet.Key, List<ResourceRecordSet>> byKey = Route53Records.byKey(listAll());
        synchronized (this) {
            known = byKey;
        }
        List<RecordSet> sets = new ArrayList<>();
        byKey.forEach((key, wire) -> sets.add(Route53Records.recordSet(key, wire)));
        return ZoneContents.of(sets);
    }

    @Override
    public void apply(ZoneChange change) {
        if (change.isEmpty()) {
            return;
        }
        Map<RecordSet.Key, List<ResourceRecordSet>> before = takeKnown();
        Route53Batch batch = Route53Batch.of(change, current(before));
        if (batch.isEmpty()) {
            remember(before);
            return;
        }
        ChangeSize size = batch.size();
        if (!size.fits()) {
            remember(before);
            throw new ChangeTooLargeException(zone(), size);
        }
        ChangeInfo info = call("change zone " + zone(), () -> client.changeResourceRecordSets(request -> request
                .hostedZoneId(settings.hostedZoneId())
                .changeBatch(b -> b.changes(batch.changes())))).changeInfo();
        LOG.infof("route53 change accepted zone=%s hostedZone=%s change=%s changes=%d countedRecords=%d",
                zone(), settings.hostedZoneId(), info.id(), batch.changes().size(), size.resourceRecords());
        if (before != null) {
            remember(appliedTo(before, batch.changes()));
        }
        waitInSync(info);
    }

    /**
     * How big the request for {@code change} would be now, as Route 53 counts it. A caller with a
     * change that does not {@link ChangeSize#fits() fit} splits it (by deployment) and applies the
     * pieces one by one. Reads nothing when the change follows a {@link #read()}.
     */
    /**
     * Keeps packed batches well inside Route 53's limits (1000 records, 32,000 value characters per
     * request): an item becomes at most two changes (UPSERT counts twice; a condition is a DELETE and a
     * CREATE) of one short value each. A single deployment's change is never split, and one larger than
     * the limits is refused by {@link #apply}.
     */
    @Override
    public int maxUpdateItems() {
        return 100;
    }

    public ChangeSize sizeOf(ZoneChange change) {
        Map<RecordSet.Key, List<ResourceRecordSet>> snapshot;
        synchronized (this) {
            snapshot = known;
        }
        return Route53Batch.of(change, current(snapshot)).size();
    }

    @Override
    public void close() {
        client.close();
        // The SDK closes only what it made; the default chain may hold a refreshing provider.
        if (credentials instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                LOG.debugf("closing the credentials provider failed zone=%s reason=%s", zone(), e.getMessage());
            }
        }
    }

    // ---- reading

    private List<ResourceRecordSet> listAll() {
        List<ResourceRecordSet> all = new ArrayList<>();
        String name = null;
        String type = null;
        String identifier = null;
        while (true) {
            String startName = name;
            String startType = type;
            String startIdentifier = identifier;
            ListResourceRecordSetsResponse page = call("read zone " + zone(), () -> client.listResourceRecordSets(r -> r
                    .hostedZoneId(settings.hostedZoneId())
                    .startRecordName(startName)
                    .startRecordType(startType)
                    .startRecordIdentifier(startIdentifier)
                    .maxItems(String.valueOf(pageSize))));
            all.addAll(page.resourceRecordSets());
            if (!Boolean.TRUE.equals(page.isTruncated())) {
                return all;
            }
            if (page.nextRecordName() == null || (page.nextRecordName().equals(name)
                    && Objects.equals(page.nextRecordTypeAsString(), type)
                    && Objects.equals(page.nextRecordIdentifier(), identifier))) {
                throw new DnsDriverException(Kind.UNREACHABLE, "could not read zone " + zone()
                        + ": Route 53 sent a truncated page without a new place to go on from");
            }
            name = page.nextRecordName();
            type = page.nextRecordTypeAsString();
            identifier = page.nextRecordIdentifier();
        }
    }

    /** The record sets at one name and type, read just now; at most 100 share a name and type. */
    private List<ResourceRecordSet> readAt(RecordSet.Key key) {
        ListResourceRecordSetsResponse page = call("read " + key.name() + " " + key.type(), () -> client
                .listResourceRecordSets(r -> r.hostedZoneId(settings.hostedZoneId())
                        .startRecordName(key.name()).startRecordType(key.type()).maxItems("100")));
        return page.resourceRecordSets().stream().filter(set -> Route53Records.key(set).equals(key)).toList();
    }

    private boolean readHolds(String name) {
        ListResourceRecordSetsResponse page = call("read " + name, () -> client.listResourceRecordSets(r -> r
                .hostedZoneId(settings.hostedZoneId()).startRecordName(name).maxItems("1")));
        return page.resourceRecordSets().stream().anyMatch(set -> Route53Records.name(set.name()).equals(Names.fqdn(name)));
    }

    /** What the batch compares against: the last read if there is one, else reads of just what it needs. */
    private Route53Batch.Current current(Map<RecordSet.Key, List<ResourceRecordSet>> snapshot) {
        if (snapshot != null) {
            return new Route53Batch.Current() {
                @Override
                public List<ResourceRecordSet> at(RecordSet.Key key) {
                    return snapshot.getOrDefault(key, List.of());
                }

                @Override
                public boolean holds(String name) {
                    return snapshot.keySet().stream().anyMatch(key -> key.name().equals(Names.fqdn(name)));
                }
            };
        }
        Map<RecordSet.Key, List<ResourceRecordSet>> read = new HashMap<>();
        return new Route53Batch.Current() {
            @Override
            public List<ResourceRecordSet> at(RecordSet.Key key) {
                return read.computeIfAbsent(key, k -> readAt(k));
            }

            @Override
            public boolean holds(String name) {
                return readHolds(name);
            }
        };
    }

    // ---- what the driver knows of the zone

    /** Takes the last read for one apply: a change that fails leaves the driver knowing nothing. */
    private synchronized Map<RecordSet.Key, List<ResourceRecordSet>> takeKnown() {
        Map<RecordSet.Key, List<ResourceRecordSet>> taken = known;
        known = null;
        return taken;
    }

    private synchronized void remember(Map<RecordSet.Key, List<ResourceRecordSet>> zone) {
        // A read that finished meanwhile is newer: keep it.
        if (known == null) {
            known = zone;
        }
    }

    /** The zone after Route 53 applied these changes, in order, to {@code before}. */
    static Map<RecordSet.Key, List<ResourceRecordSet>> appliedTo(Map<RecordSet.Key, List<ResourceRecordSet>> before,
            List<Change> changes) {
        Map<RecordSet.Key, List<ResourceRecordSet>> after = new LinkedHashMap<>(before);
        for (Change change : changes) {
            ResourceRecordSet set = change.resourceRecordSet();
            RecordSet.Key key = Route53Records.key(set);
            List<ResourceRecordSet> sets = new ArrayList<>(after.getOrDefault(key, List.of()));
            sets.removeIf(old -> Objects.equals(old.setIdentifier(), set.setIdentifier()));
            if (change.action() != ChangeAction.DELETE) {
                sets.add(set);
            }
            if (sets.isEmpty()) {
                after.remove(key);
            } else {
                after.put(key, List.copyOf(sets));
            }
        }
        return after;
    }

    // ---- waiting for the change to reach every Route 53 name server

    private void waitInSync(ChangeInfo info) {
        long started = time.nanoTime();
        Duration pause = FIRST_SYNC_POLL;
        ChangeStatus status = info.status();
        while (status != ChangeStatus.INSYNC) {
            Duration waited = Duration.ofNanos(time.nanoTime() - started);
            Duration left = settings.changeTimeout().minus(waited);
            if (left.isNegative() || left.isZero()) {
                throw new DnsDriverException(Kind.UNREACHABLE, "change " + info.id() + " of zone " + zone()
                        + " was accepted but Route 53 still reports it " + status + " after " + waited.toSeconds()
                        + "s; its records are written and will be served once it is INSYNC");
            }
            sleep(pause.compareTo(left) < 0 ? pause : left, "wait for change " + info.id());
            pause = pause.multipliedBy(2).compareTo(MAX_SYNC_POLL) < 0 ? pause.multipliedBy(2) : MAX_SYNC_POLL;
            status = call("check change " + info.id(), () -> client.getChange(r -> r.id(info.id()))).changeInfo().status();
            LOG.debugf("route53 change status zone=%s change=%s status=%s", zone(), info.id(), status);
        }
    }

    // ---- every API call goes through here

    /** One API call: paced by the limiter, throttling answers retried with backoff, failures translated. */
    private <T> T call(String what, Supplier<T> request) {
        for (int retry = 1; ; retry++) {
            try {
                limiter.acquire();
            } catch (InterruptedException e) {
                throw interrupted(what, e);
            }
            try {
                return request.get();
            } catch (CredentialsUnavailable e) {
                throw Route53Errors.noCredentials(what, e);
            } catch (SdkException e) {
                if (!Route53Errors.isThrottling(e) || retry > settings.throttleRetries()) {
                    throw Route53Errors.translate(e, what, zone());
                }
                Duration pause = throttlePause(retry);
                LOG.warnf("route53 throttled, retrying zone=%s call=\"%s\" retry=%d in=%dms", zone(), what, retry,
                        pause.toMillis());
                sleep(pause, what);
            }
        }
    }

    /** Exponential, capped, with "equal jitter": at least half the pause, the other half random. */
    Duration throttlePause(int retry) {
        Duration full = settings.throttleBackoff().multipliedBy(1L << Math.min(retry - 1, 20));
        if (full.compareTo(MAX_THROTTLE_PAUSE) > 0) {
            full = MAX_THROTTLE_PAUSE;
        }
        long half = full.toNanos() / 2;
        return Duration.ofNanos(half + (long) (jitter.getAsDouble() * half));
    }

    private void sleep(Duration pause, String what) {
        try {
            time.sleep(pause);
        } catch (InterruptedException e) {
            throw interrupted(what, e);
        }
    }

    private DnsDriverException interrupted(String what, InterruptedException e) {
        Thread.currentThread().interrupt();
        return new DnsDriverException(Kind.UNREACHABLE, "interrupted (" + what + ")", e);
    }

    /**
     * Marks a failure to find credentials, so it reads as "not configured" (REFUSED) rather than
     * as "Route 53 did not answer", whether the SDK passes it on as it is or wraps it.
     */
    static final class CredentialsUnavailable extends RuntimeException {
        CredentialsUnavailable(RuntimeException cause) {
            super(cause.getMessage(), cause);
        }
    }

    private record MarkedCredentials(AwsCredentialsProvider delegate) implements AwsCredentialsProvider {
        @Override
        public AwsCredentials resolveCredentials() {
            try {
                return delegate.resolveCredentials();
            } catch (RuntimeException e) {
                throw new CredentialsUnavailable(e);
            }
        }
    }
}
