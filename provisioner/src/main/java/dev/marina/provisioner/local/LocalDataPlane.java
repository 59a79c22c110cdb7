package dev.marina.provisioner.local;

import dev.marina.service.KafkaClients;
import dev.marina.provisioner.DriverSelection;
import dev.marina.provisioner.EventSink;
import dev.marina.provisioner.ProvisionerConfig;
import dev.marina.schemas.proof.PlatformProofKey;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
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

    @Inject
    dev.marina.service.leader.Leadership leadership;

    private LocalDriver driver;
    private AgentCredentials agentCredentials;
    // Held here: Micrometer keeps only weak references to what its gauges and counters read.
    private Supervisor supervisor;
    private AgentRoller roller;
    private AgentClassData classData;
    private ScheduledExecutorService timer;
    private ScheduledExecutorService rollTimer;

    /** The driver, opened on first use (it reads the registry, and refuses a corrupt one). */
    public synchronized LocalDriver driver() {
        if (driver == null) {
            Path home = Path.of(marinaHome).toAbsolutePath().normalize();
            Optional<Path> jar = config.agentCommand().isPresent() ? Optional.empty() : Optional.of(agentJar());
            if (jar.isPresent()) {
                classData = new AgentClassData(javaCommand(), jar.get(), home.resolve("provisioner/class-data"));
                classData.prepareInBackground();
            }
            List<String> command = config.agentCommand().orElseGet(() -> defaultAgentCommand(jar.get(), classData));
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

    /**
     * Begins supervision for the elected copy's term (ProvisionerLeadership): the registry is read again
     * (another copy may have kept it until now), crash recovery adopts the running agents, then the
     * supervisor and the agent roll run.
     */
    public synchronized void begin() {
        if (!DriverSelection.LOCAL.equals(config.driver())) {
            return;
        }
        LocalDriver local = driver();
        local.reload();
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
        Supervisor current = supervisor;
        // Asked before each round, not only at the term's end: a copy that stalled past its lease must
        // not restart an agent the new leader already restarted.
        timer.scheduleWithFixedDelay(logging("supervision", () -> {
            if (leadership.leading()) {
                current.superviseOnce();
            }
        }), interval, interval,
                TimeUnit.MILLISECONDS);
        startAgentRoll(local);
    }

    /**
     * The agent roll: at start (once crash recovery has adopted the agents) and every {@code agent-roll-interval},
     * agents of another build than the jar's are replaced one at a time. On its own thread: waiting for a new agent
     * must not hold supervision up. Off with a custom agent command (no jar, no build).
     */
    private void startAgentRoll(LocalDriver local) {
        roller = new AgentRoller(local, AgentReadiness.http(config.agentHttpPort(), Duration.ofSeconds(2)),
                build -> classData != null && classData.preparing(build), new AgentRoller.Settings(config.agentRollSettle(), config.agentRollReadyTimeout(), Duration.ofMillis(200)), clock);
        Gauge.builder("marina.provisioner.agents.outdated", roller, AgentRoller::outdated)
                .description("instances whose agent runs another build than the current agent jar").register(meters);
        FunctionCounter.builder("marina.provisioner.agent.roll.replaced", roller, AgentRoller::replaced)
                .description("agents replaced by one of the current build").register(meters);
        FunctionCounter.builder("marina.provisioner.agent.roll.failures", roller, AgentRoller::failed)
                .description("agent replacements whose new agent exited or was not ready in time (the roll halts)")
                .register(meters);
        if (config.agentCommand().isPresent()) {
            LOG.info("agent roll off: a custom agent command (marina.provisioner.agent-command) has no build to compare");
            return;
        }
        rollTimer = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "agent-roll");
            thread.setDaemon(true);
            return thread;
        });
        long every = config.agentRollInterval().toMillis();
        // After crash recovery (on the supervisor's thread, queued first), so adopted agents are known to run.
        timer.execute(() -> rollTimer.scheduleWithFixedDelay(logging("agent roll", () -> {
            classData.prepareInBackground(); // a new build gets its class-data archive
            roller.rollOnce();
        }), 0, every, TimeUnit.MILLISECONDS));
    }

    /** Ends the term: supervision and the roll stop (the agents run on in their own sessions). */
    public synchronized void end() {
        if (timer != null) {
            timer.shutdownNow();
            awaitQuietly(timer);
            timer = null;
        }
        if (rollTimer != null) {
            rollTimer.shutdownNow();
            awaitQuietly(rollTimer);
            rollTimer = null;
        }
    }

    /** A supervision round under way finishes before another copy may begin (interrupts cut its waits short). */
    private static void awaitQuietly(ScheduledExecutorService executor) {
        try {
            executor.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        end();
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
     * It names the agent's class-data archive of the build launched (see {@link AgentClassData}), made in the background.
     */
    static List<String> defaultAgentCommand(Path jar, AgentClassData classData) {
        List<String> command = new java.util.ArrayList<>(List.of("setsid", javaCommand()));
        command.addAll(AgentClassData.JVM_OPTIONS);
        command.addAll(List.of("-XX:SharedArchiveFile=" + classData.archivePattern(), "-Xlog:cds=off,cds+dynamic=off",
                "-jar", jar.toString()));
        return List.copyOf(command);
    }

    static String javaCommand() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
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
