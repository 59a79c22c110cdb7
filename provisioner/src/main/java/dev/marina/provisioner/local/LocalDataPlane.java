package dev.marina.provisioner.local;

import dev.marina.provisioner.DriverSelection;
import dev.marina.provisioner.EventSink;
import dev.marina.provisioner.ProvisionerConfig;
import dev.marina.schemas.proof.PlatformProofKey;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
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

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Inject
    Clock clock;

    @Inject
    PlatformProofKey proof;

    @Inject
    EventSink events;

    @Inject
    MeterRegistry meters;

    private LocalDriver driver;
    // Held here: Micrometer keeps only weak references to what its gauges and counters read.
    private Supervisor supervisor;
    private ScheduledExecutorService timer;

    /** The driver, opened on first use (it reads the registry, and refuses a corrupt one). */
    public synchronized LocalDriver driver() {
        if (driver == null) {
            Path home = Path.of(marinaHome).toAbsolutePath().normalize();
            Optional<Path> jar = config.agentCommand().isPresent() ? Optional.empty() : Optional.of(agentJar());
            List<String> command = config.agentCommand().orElseGet(() -> defaultAgentCommand(jar.get(), home));
            AgentLauncher.Settings launch = new AgentLauncher.Settings(command, home, bootstrapServers,
                    Path.of(secretsKeyFile).toAbsolutePath().normalize(), config.agentHttpPort(), jar);
            jar.filter(j -> !Files.isRegularFile(j)).ifPresent(j -> LOG.warnf(
                    "agent jar missing, creates will fail until it is built jar=%s", j));
            driver = LocalDriver.open(home, AddressRange.parse(config.addressRange()), launch, new InstanceKeys(proof),
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
