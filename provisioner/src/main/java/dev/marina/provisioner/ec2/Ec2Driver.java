package dev.marina.provisioner.ec2;

import dev.marina.provisioner.driver.CreateRequest;
import dev.marina.provisioner.driver.DriverException;
import dev.marina.provisioner.driver.Instance;
import dev.marina.provisioner.driver.InstanceDriver;
import dev.marina.provisioner.driver.InstanceIds;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * The {@code ec2} driver: an instance is an EC2 instance tagged {@code marina:owner}, {@code marina:deployment},
 * {@code marina:instance}. EC2 itself is the registry: every call asks it (DescribeInstances by tag), so nothing is
 * kept here that a crash could lose. Idempotent by instance id: a create finds an existing host by its tags first, and
 * RunInstances carries a {@link ClientTokens client token}, so a retried create never makes a second host.
 * Decisions are pure ({@link ClientTokens}, {@link SubnetOrder}, {@link Ec2States}, {@link Ec2Tags}, {@link Backoff},
 * {@link Ec2Errors}, {@link UserData}, {@link BootstrapSweep}); EC2 is behind {@link Ec2Api}, SSM behind {@link SsmApi}.
 *
 * <p>The one-time bootstrap secret: before RunInstances the instance's credentials are made ({@link InstanceSecrets}:
 * its Kafka principal, its proof key) and written as one SecureString parameter ({@link BootstrapSecret}); the agent
 * reads and deletes it. What is left is deleted by {@link #sweepBootstrap} after {@code bootstrap-ttl} and by a
 * destroy, which removes the principal too.
 */
public final class Ec2Driver implements InstanceDriver {

    private static final Logger LOG = Logger.getLogger(Ec2Driver.class);

    private final Ec2Settings settings;
    private final Ec2Api api;
    private final RateLimiter limiter;
    private final Backoff backoff;
    private final TimeSource time;
    private final SsmApi ssm;
    private final InstanceSecrets secrets;
    private final Clock clock;
    /** Bootstrap parameters written and not deleted by this provisioner: instance → when. */
    private final Map<String, Instant> written = new HashMap<>();
    /** Instances whose bootstrap parameter was deleted since start (the sweep deletes each once). */
    private final Set<String> swept = new HashSet<>();

    public Ec2Driver(Ec2Settings settings, Ec2Api api, SsmApi ssm, InstanceSecrets secrets, TimeSource time, Clock clock) {
        this.settings = settings;
        this.api = api;
        this.ssm = ssm;
        this.secrets = secrets;
        this.clock = clock;
        this.time = time;
        this.limiter = RateLimiter.perSecond(settings.rateLimit(), time);
        this.backoff = new Backoff(settings.throttleBackoff(), settings.throttleBackoffMax(), settings.throttleRetries());
    }

    /** An instance as EC2 shows it, with its EC2 state. */
    public record Observed(Instance instance, String ec2Id, String ec2State) {}

    @Override
    public synchronized Instance create(CreateRequest request) {
        InstanceIds.problem(request.instanceId()).ifPresent(problem -> {
            throw new DriverException(problem);
        });
        Optional<Ec2Api.Host> existing = find(request.instanceId());
        if (existing.isPresent()) {
            Ec2Api.Host host = existing.get();
            String deployment = Ec2Tags.deployment(host.tags()).orElse("");
            if (!deployment.equals(request.deployment())) {
                throw new DriverException("instance " + request.instanceId() + " belongs to deployment " + deployment
                        + ", not " + request.deployment());
            }
            LOG.infof("instance exists already deployment=%s instance=%s ec2-id=%s state=%s", deployment,
                    request.instanceId(), host.ec2Id(), host.state());
            return withAddress(request.instanceId(), host);
        }
        String image = settings.image(request.engineVersion()).orElseThrow(() -> new DriverException(
                "no image configured for MariaDB " + request.engineVersion().orElse("(no version)")
                        + " (marina.provisioner.ec2.images)"));
        String userData = UserData.encoded(UserData.script(UserData.settings(request.instanceId(), request.deployment(),
                settings.brokerAddress(), settings.region(), request.commandsSince(), settings.bootstrapParameter())));
        Map<String, String> tags = Ec2Tags.forInstance(settings.owner(), request.deployment(), request.instanceId());
        writeBootstrap(request.deployment(), request.instanceId());
        List<String> subnets = SubnetOrder.forInstance(settings.subnets(), request.instanceId());
        List<String> noCapacity = new ArrayList<>();
        for (String subnet : subnets) {
            Ec2Api.Launch launch = new Ec2Api.Launch(
                    ClientTokens.derive(request.deployment(), request.instanceId(), request.attempt(), subnet), image,
                    settings.instanceType(request.size()), subnet, settings.securityGroups(), settings.instanceProfile(),
                    settings.volumeDevice(), settings.volumeType(), settings.volumeSize(request.size()),
                    settings.encrypted(), settings.deleteOnTermination(), tags, userData);
            try {
                Ec2Api.Host host = call("RunInstances", () -> api.run(launch));
                if (!Ec2States.exists(host.state())) {
                    // The token answered with an instance launched before and ended since: never take it for a new one.
                    throw new DriverException("EC2 RunInstances answered client token " + launch.clientToken()
                            + " with instance " + host.ec2Id() + ", which is " + host.state());
                }
                LOG.infof("instance launched deployment=%s instance=%s ec2-id=%s subnet=%s type=%s image=%s",
                        request.deployment(), request.instanceId(), host.ec2Id(), subnet, launch.instanceType(), image);
                return withAddress(request.instanceId(), host);
            } catch (Ec2CallException e) {
                if (e.kind() != Ec2Errors.Kind.CAPACITY) {
                    throw failure(e);
                }
                LOG.warnf("no capacity, trying the next subnet deployment=%s instance=%s subnet=%s type=%s reason=\"%s\"",
                        request.deployment(), request.instanceId(), subnet, launch.instanceType(), e.awsMessage());
                noCapacity.add(subnet + " (" + e.awsMessage() + ")");
            }
        }
        throw new DriverException("EC2 RunInstances failed: InsufficientInstanceCapacity in every subnet: "
                + String.join("; ", noCapacity));
    }

    @Override
    public synchronized Optional<Instance> describe(String instanceId) {
        return find(instanceId).map(host -> instance(host).orElseGet(() -> new Instance(instanceId,
                Ec2Tags.deployment(host.tags()).orElse(""), "", host.launchedAt())));
    }

    /**
     * Terminates every host tagged as this instance (there is one; a second would be terminated too). An unknown
     * instance, or one already shutting down or terminated, is destroyed already.
     */
    @Override
    public synchronized void destroy(String instanceId) {
        InstanceIds.problem(instanceId).ifPresent(problem -> {
            throw new DriverException(problem);
        });
        List<Ec2Api.Host> hosts = hostsOf(instanceId);
        if (hosts.isEmpty()) {
            LOG.infof("instance already gone instance=%s", instanceId);
        } else {
            terminate(instanceId, hosts);
        }
        // Whatever a create left behind goes with the instance: an unread secret, the agent's principal.
        deleteBootstrap(instanceId, "instance destroyed");
        try {
            secrets.revoke(instanceId);
        } catch (RuntimeException e) {
            throw new DriverException("cannot remove the Kafka principal of instance " + instanceId + ": " + e.getMessage(), e);
        }
    }

    private void terminate(String instanceId, List<Ec2Api.Host> hosts) {
        List<String> ids = hosts.stream().map(Ec2Api.Host::ec2Id).toList();
        try {
            call("TerminateInstances", () -> {
                api.terminate(ids);
                return null;
            });
        } catch (Ec2CallException e) {
            if (e.kind() != Ec2Errors.Kind.NOT_FOUND) {
                throw failure(e);
            }
        }
        LOG.infof("instance terminated deployment=%s instance=%s ec2-ids=%s",
                Ec2Tags.deployment(hosts.get(0).tags()).orElse(""), instanceId, ids);
    }

    @Override
    public synchronized List<Instance> list() {
        return observe().stream().map(Observed::instance).toList();
    }

    /** Every existing host of this platform with its EC2 state, oldest first. */
    public synchronized List<Observed> observe() {
        List<Observed> observed = new ArrayList<>();
        for (Ec2Api.Host host : describeOwned(Map.of())) {
            String instanceId = host.tags().get(Ec2Tags.INSTANCE);
            Instance instance = instance(host).orElseGet(() -> new Instance(instanceId,
                    Ec2Tags.deployment(host.tags()).orElse(""), "", host.launchedAt()));
            observed.add(new Observed(instance, host.ec2Id(), host.state()));
        }
        observed.sort(Comparator.comparing((Observed o) -> o.instance().createdAt()).thenComparing(o -> o.instance().instanceId()));
        return List.copyOf(observed);
    }

    // ---- the bootstrap secret

    /** Makes the instance's credentials and writes them as its bootstrap parameter (overwriting a retried create's). */
    private void writeBootstrap(String deployment, String instanceId) {
        String name = settings.bootstrapParameter(instanceId);
        String value;
        try {
            value = secrets.issue(deployment, instanceId).render();
        } catch (RuntimeException e) {
            throw new DriverException("cannot make the credentials of instance " + instanceId + ": " + e.getMessage(), e);
        }
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put(Ec2Tags.OWNER, settings.owner());
        tags.put(Ec2Tags.DEPLOYMENT, deployment);
        tags.put(Ec2Tags.INSTANCE, instanceId);
        try {
            call("PutParameter", () -> {
                ssm.putSecure(name, value, settings.bootstrapKmsKey(), tags);
                return null;
            });
        } catch (Ec2CallException e) {
            throw failure(e);
        }
        written.put(instanceId, clock.instant());
        swept.remove(instanceId);
        LOG.infof("bootstrap secret written deployment=%s instance=%s parameter=%s", deployment, instanceId, name);
    }

    /** Deletes an instance's bootstrap parameter; none there is fine. */
    private void deleteBootstrap(String instanceId, String reason) {
        String name = settings.bootstrapParameter(instanceId);
        boolean existed;
        try {
            existed = call("DeleteParameter", () -> ssm.delete(name));
        } catch (Ec2CallException e) {
            throw failure(e);
        }
        written.remove(instanceId);
        swept.add(instanceId);
        if (existed) {
            LOG.infof("bootstrap secret deleted instance=%s parameter=%s reason=\"%s\"", instanceId, name, reason);
        }
    }

    /**
     * Deletes the bootstrap parameters older than {@code bootstrap-ttl} ({@link BootstrapSweep}), given what the
     * observer saw; one failure does not stop the others. The instances whose parameter was deleted (or found gone).
     */
    public synchronized List<String> sweepBootstrap(List<Observed> observed) {
        Map<String, Instant> launched = new HashMap<>();
        observed.forEach(o -> launched.put(o.instance().instanceId(), o.instance().createdAt()));
        swept.retainAll(launched.keySet());
        List<String> done = new ArrayList<>();
        for (BootstrapSweep.Due due : BootstrapSweep.due(written, launched, swept, clock.instant(),
                settings.bootstrapTtl())) {
            try {
                deleteBootstrap(due.instanceId(), due.reason());
                done.add(due.instanceId());
            } catch (DriverException e) {
                LOG.warnf("bootstrap secret not deleted, retrying next pass instance=%s reason=\"%s\"", due.instanceId(),
                        e.getMessage());
            }
        }
        return done;
    }

    // ---- lookups

    private Optional<Ec2Api.Host> find(String instanceId) {
        List<Ec2Api.Host> hosts = hostsOf(instanceId);
        return hosts.stream().min(Comparator.comparing(Ec2Api.Host::launchedAt));
    }

    /** The existing hosts tagged as this instance (owner checked again on what EC2 answered). */
    private List<Ec2Api.Host> hostsOf(String instanceId) {
        return describeOwned(Map.of("tag:" + Ec2Tags.INSTANCE, List.of(instanceId))).stream()
                .filter(h -> Ec2Tags.isInstance(h.tags(), settings.owner(), instanceId)).toList();
    }

    private List<Ec2Api.Host> describeOwned(Map<String, List<String>> more) {
        Map<String, List<String>> filters = new LinkedHashMap<>();
        filters.put("tag:" + Ec2Tags.OWNER, List.of(settings.owner()));
        filters.putAll(more);
        filters.put("instance-state-name", Ec2States.EXISTING);
        List<Ec2Api.Host> hosts;
        try {
            hosts = call("DescribeInstances", () -> api.describe(filters, settings.pageSize()));
        } catch (Ec2CallException e) {
            throw failure(e);
        }
        // Never trust a filter alone with a destroy: only hosts that carry our tags and exist count.
        return hosts.stream().filter(h -> Ec2Tags.owned(h.tags(), settings.owner()) && Ec2States.exists(h.state()))
                .toList();
    }

    /** The instance of a host once it has the address names point at. */
    private Optional<Instance> instance(Ec2Api.Host host) {
        Optional<String> address = settings.addressKind() == Ec2Settings.AddressKind.PUBLIC ? host.publicIp()
                : host.privateIp();
        return address.map(a -> new Instance(host.tags().get(Ec2Tags.INSTANCE), host.tags().get(Ec2Tags.DEPLOYMENT), a,
                host.launchedAt()));
    }

    /** The instance with its address; a public address comes some time after launch, so it is waited for. */
    private Instance withAddress(String instanceId, Ec2Api.Host launched) {
        Optional<Instance> ready = instance(launched);
        long deadline = time.nanoTime() + settings.addressWait().toNanos();
        Duration pause = Duration.ofSeconds(1);
        while (ready.isEmpty()) {
            if (time.nanoTime() - deadline >= 0) {
                throw new DriverException("instance " + instanceId + " (" + launched.ec2Id() + ") has no "
                        + settings.addressKind().name().toLowerCase(java.util.Locale.ROOT) + " address after "
                        + settings.addressWait().toSeconds() + "s");
            }
            sleep(pause);
            pause = pause.multipliedBy(2).compareTo(Duration.ofSeconds(8)) > 0 ? Duration.ofSeconds(8) : pause.multipliedBy(2);
            Optional<Ec2Api.Host> now = find(instanceId);
            if (now.isEmpty()) {
                throw new DriverException("instance " + instanceId + " (" + launched.ec2Id() + ") ended before it had an address");
            }
            ready = instance(now.get());
        }
        return ready.get();
    }

    // ---- calls: rate-limited, throttling retried with backoff

    private <T> T call(String action, Supplier<T> call) {
        for (int retry = 1; ; retry++) {
            try {
                limiter.acquire();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DriverException("interrupted before EC2 " + action);
            }
            try {
                return call.get();
            } catch (Ec2CallException e) {
                if (e.kind() != Ec2Errors.Kind.THROTTLED) {
                    throw e;
                }
                Optional<Duration> pause = backoff.before(retry);
                if (pause.isEmpty()) {
                    throw new DriverException(Ec2Errors.reason(e) + " (still throttled after " + backoff.retries()
                            + " retries)", e);
                }
                LOG.warnf("EC2 throttled, retrying call=%s retry=%d in=%dms", action, retry, pause.get().toMillis());
                sleep(pause.get());
            } catch (DriverException | IllegalArgumentException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new DriverException("EC2 " + action + " failed: " + (e.getMessage() == null ? e.toString() : e.getMessage()), e);
            }
        }
    }

    private void sleep(Duration pause) {
        try {
            time.sleep(pause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DriverException("interrupted while waiting on EC2");
        }
    }

    private static DriverException failure(Ec2CallException e) {
        return new DriverException(Ec2Errors.reason(e), e);
    }
}
