package dev.marina.provisioner.local;

import dev.marina.service.KafkaClients;
import dev.marina.provisioner.DriverSelection;
import dev.marina.service.KafkaClients;
import dev.marina.provisioner.EventSink;
import dev.marina.service.KafkaClients;
import dev.marina.provisioner.ProvisionerConfig;
import dev.marina.service.KafkaClients;
import dev.marina.schemas.proof.PlatformProofKey;
import dev.marina.service.KafkaClients;
import io.micrometer.core.instrument.FunctionCounter;
import dev.marina.service.KafkaClients;
import io.micrometer.core.instrument.Gauge;
import dev.marina.service.KafkaClients;
import io.micrometer.core.instrument.MeterRegistry;
import dev.marina.service.KafkaClients;
import io.quarkus.runtime.ShutdownEvent;
import dev.marina.service.KafkaClients;
import io.quarkus.runtime.StartupEvent;
import dev.marina.service.KafkaClients;
import jakarta.enterprise.context.ApplicationScoped;
import dev.marina.service.KafkaClients;
import jakarta.enterprise.event.Observes;
import dev.marina.service.KafkaClients;
import jakarta.inject.Inject;
import dev.marina.service.KafkaClients;
import java.nio.file.Files;
import dev.marina.service.KafkaClients;
import java.nio.file.Path;
import dev.marina.service.KafkaClients;
import java.time.Clock;
import dev.marina.service.KafkaClients;
import java.util.List;
import dev.marina.service.KafkaClients;
import java.util.Optional;
import dev.marina.service.KafkaClients;
import java.util.concurrent.Executors;
import dev.marina.service.KafkaClients;
import java.util.concurrent.ScheduledExecutorService;
import dev.marina.service.KafkaClients;
import java.util.concurrent.TimeUnit;
import dev.marina.service.KafkaClients;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import dev.marina.service.KafkaClients;
import org.jboss.logging.Logger;

/**
 * Wires the {@code local} driver into the service: builds it from configuration, and when it is the
 * chosen driver runs crash recovery at startup and the supervisor every
 * {@code marina.provisioner.supervise-interval}. Agents outlive the provisioner on purpose (they run
 * in their own sessions): a restarted provisioner adopts them instead of restarting every database.
 */
@ApplicationScoped
public class LocalDataPlane {

    private static final Logger LOG = Logger.getLogger(LocalDataPlane.class);

    @Inject
    ProvisionerConfig config;

    @ConfigProperty(name = "marina.home")
    String marinaHome;

    @ConfigProperty(name = "marina.root")
    Optional<String> marinaRoot;

    @ConfigProperty(name = "marina.secrets.key-file")
    String secretsKeyFile;

    @Inject
    KafkaClients kafka;

    @Inject
    Clock clock;

    @Inject
    PlatformProofKey proof;

    @Inject
    EventSink events;

    @Inject
    MeterRegistry meters;

    private LocalDriver driver;
    private AgentCredentials agentCredentials;
    // Held here: Micrometer keeps only weak references to what its gauges and counters read.
    private Supervisor supervisor;
    private ScheduledExecutorService timer;

    /** The driver, opened on first use (it reads the registry, and refuses a corrupt one). */
    public synchronized LocalDriver driver() {
        if (driver == null) {
            Path home = Path.of(marinaHome).toAbsolutePath().normalize();
            Optional<Path> jar = config.agentCommand().isPresent() ? Optional.empty() : Optional.of(agentJar());
            List<String> command = config.agentCommand().orElseGet(() -> defaultAgentCommand(jar.get(), home));
            AgentLauncher.Settings launch = new AgentLauncher.Settings(command, home, kafka.bootstrapServers(),
                    Path.of(secretsKeyFile).toAbsolutePath().normalize(), config.agentHttpPort(), jar,
                    config.objectStoreConfig().map(f -> Path.of(f).toAbsolutePath().normalize()));
            if (config.objectStoreConfig().isEmpty()) {
                LOG.warn("no object store configured (marina.provisioner.object-store-config): agents will refuse backups");
            }
            jar.filter(j -> !Files.isRegularFile(j)).ifPresent(j -> LOG.warnf(
                    "agent jar missing, creates will fail until it is built jar=%s", j));
            agentCredentials = new AgentCredentials(kafka.base());
            driver = LocalDriver.open(home, AddressRange.parse(config.addressRange()), launch, new InstanceKeys(proof, agentCredentials),
                    config.stopTimeout(), clock);
            LOG.infof("local driver ready registry=%s instances=%d range=%s agent-command=%s", driver.registryFile(),
                    driver.instanceCount(), config.addressRange(), String.join(" ", launch.command()));
        }
        return driver;
    }

    void onStart(@Observes StartupEvent event) {
        if (!DriverSelection.LOCAL.equals(config.driver())) {
            return;
        }
        LocalDriver local = driver();
        supervisor = new Supervisor(local, RestartBackoff.DEFAULT, events, clock);
        Gauge.builder("marina.provisioner.instances", local, LocalDriver::instanceCount)
                .description("instances the local driver holds").register(meters);
        FunctionCounter.builder("marina.provisioner.agent.restarts", supervisor, Supervisor::restarts)
                .description("agents relaunched after they died").register(meters);

        timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "agent-supervisor");
            thread.setDaemon(true);
            return thread;
        });
        long interval = config.superviseInterval().toMillis();
        timer.execute(logging("crash recovery", supervisor::recover));
        timer.scheduleWithFixedDelay(logging("supervision", supervisor::superviseOnce), interval, interval,
                TimeUnit.MILLISECONDS);
    }

    void onStop(@Observes ShutdownEvent event) {
        if (timer != null) {
            timer.shutdownNow();
        }
        synchronized (this) {
            if (agentCredentials != null) {
                agentCredentials.close();
            }
        }
    }

    private Path agentJar() {
        return config.agentJar().map(Path::of)
                .orElseGet(() -> RepoRoot.locate(marinaRoot).resolve("agent/target/quarkus-app/quarkus-run.jar"))
                .toAbsolutePath().normalize();
    }

    /**
     * The contract's launch line; the java is the one running the provisioner, so PATH does not matter.
     * It names the agent's class-data archive (see {@link AgentClassData}), made in the background.
     */
    private static List<String> defaultAgentCommand(Path jar, Path home) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        AgentClassData classData = new AgentClassData(java, jar, home.resolve("provisioner/class-data"));
        classData.prepareInBackground();
        List<String> command = new java.util.ArrayList<>(List.of("setsid", java));
        command.addAll(AgentClassData.JVM_OPTIONS);
        command.addAll(List.of("-XX:SharedArchiveFile=" + classData.archive(), "-Xlog:cds=off,cds+dynamic=off",
                "-jar", jar.toString()));
        return List.copyOf(command);
    }

    /** A task that throws would silently stop a scheduled executor's repetitions: log instead. */
    private static Runnable logging(String what, Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.errorf(e, "%s failed", what);
            }
        };
    }
}
