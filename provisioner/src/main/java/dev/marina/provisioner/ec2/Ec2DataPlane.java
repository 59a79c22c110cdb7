package dev.marina.provisioner.ec2;

import dev.marina.provisioner.DriverSelection;
import dev.marina.provisioner.EventSink;
import dev.marina.provisioner.ProvisionEvents;
import dev.marina.provisioner.ProvisionerConfig;
import dev.marina.provisioner.driver.Instance;
import dev.marina.provisioner.local.AgentCredentials;
import dev.marina.schemas.proof.PlatformProofKey;
import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.v1.InstanceState;
import dev.marina.service.KafkaClients;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;

/**
 * Wires the {@code ec2} driver into the service: builds it from {@code marina.provisioner.ec2.*} (credentials from
 * the SDK's default chain: the provisioner's own instance profile or environment), and when it is the chosen driver
 * observes EC2 states every {@code observe-interval}, reporting changes nobody asked for ({@link Ec2Transitions}).
 * Orphans are reaped by the driver-neutral {@code OrphanReaper}.
 */
@ApplicationScoped
public class Ec2DataPlane {

    private static final Logger LOG = Logger.getLogger(Ec2DataPlane.class);

    @Inject
    ProvisionerConfig config;

    @Inject
    KafkaClients kafka;

    @Inject
    EventSink events;

    @Inject
    Clock clock;

    @Inject
    PlatformProofKey proof;

    @ConfigProperty(name = "marina.home")
    String marinaHome;

    private Ec2Driver driver;
    private Ec2Api api;
    private SsmApi ssm;
    private AgentCredentials agentCredentials;
    private ScheduledExecutorService timer;
    private Optional<Map<String, InstanceState>> lastStates = Optional.empty();
    private Map<String, Instance> lastInstances = Map.of();

    /** The driver, built on first use (its settings are checked then: a driver that starts can launch). */
    public synchronized Ec2Driver driver() {
        if (driver == null) {
            Ec2Settings settings = Ec2Settings.from(config.ec2(), kafka.bootstrapServers());
            DefaultCredentialsProvider credentials = DefaultCredentialsProvider.builder().build();
            api = new SdkEc2Api(settings.region(), settings.endpoint(), credentials);
            // SSM has endpoints of its own: the EC2 endpoint override never applies to it.
            ssm = new SdkSsmApi(settings.region(), java.util.Optional.empty(), credentials);
            agentCredentials = new AgentCredentials(kafka.base());
            driver = new Ec2Driver(settings, api, ssm,
                    new KafkaInstanceSecrets(agentCredentials, proof, Path.of(marinaHome).toAbsolutePath().normalize()),
                    TimeSource.SYSTEM, clock);
            LOG.infof("ec2 driver ready region=%s endpoint=%s subnets=%s owner=%s address=%s", settings.region(),
                    settings.endpoint().map(Object::toString).orElse("(the region's)"), settings.subnets(),
                    settings.owner(), settings.addressKind());
        }
        return driver;
    }

    @Inject
    dev.marina.service.leader.Leadership leadership;

    void onStart(@Observes StartupEvent event) {
        if (!DriverSelection.EC2.equals(config.driver())) {
            return;
        }
        Ec2Driver ec2 = driver();
        timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "ec2-observer");
            thread.setDaemon(true);
            return thread;
        });
        long every = config.ec2().observeInterval().toMillis();
        timer.scheduleWithFixedDelay(() -> {
            if (!leadership.leading()) {
                return; // the elected copy observes and reports (docs/copies.md)
            }
            try {
                observeOnce(ec2);
            } catch (RuntimeException e) {
                LOG.errorf(e, "ec2 observation failed");
            }
        }, 0, every, TimeUnit.MILLISECONDS);
    }

    void observeOnce(Ec2Driver ec2) {
        List<Ec2Driver.Observed> observed = ec2.observe();
        for (Ec2Transitions.Change change : Ec2Transitions.changes(lastStates, observed, lastInstances)) {
            Instance instance = change.instance();
            LOG.infof("instance state changed deployment=%s instance=%s state=%s reason=%s", instance.deployment(),
                    instance.instanceId(), change.state(), change.reason().orElse(""));
            switch (change.state()) {
                case INSTANCE_STATE_RUNNING:
                    events.emit(ProvisionEvents.running("", instance, clock.instant()));
                    break;
                case INSTANCE_STATE_FAILED:
                    events.emit(ProvisionEvents.failed("", DeploymentKey.parse(instance.deployment()),
                            instance.instanceId(), change.reason().orElse(""), clock.instant()));
                    break;
                case INSTANCE_STATE_DESTROYED:
                    events.emit(ProvisionEvents.destroyed("", DeploymentKey.parse(instance.deployment()),
                            instance.instanceId(), clock.instant()));
                    break;
                default:
                    break;
            }
        }
        lastStates = Optional.of(Ec2Transitions.states(observed));
        Map<String, Instance> instances = new HashMap<>();
        observed.forEach(o -> instances.put(o.instance().instanceId(), o.instance()));
        lastInstances = instances;
        ec2.sweepBootstrap(observed);
    }

    void onStop(@Observes ShutdownEvent event) {
        if (timer != null) {
            timer.shutdownNow();
        }
        synchronized (this) {
            if (api != null) {
                api.close();
            }
            if (ssm != null) {
                ssm.close();
            }
            if (agentCredentials != null) {
                agentCredentials.close();
            }
        }
    }
}
