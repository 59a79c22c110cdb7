package dev.marina.provisioner.local;

import dev.marina.provisioner.driver.CreateRequest;
import dev.marina.provisioner.driver.DriverException;
import dev.marina.provisioner.driver.Instance;
import dev.marina.provisioner.driver.InstanceDriver;
import dev.marina.provisioner.driver.InstanceIds;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * The {@code local} driver: an instance is an agent process in {@code <instances>/<instance id>/}
 * listening on its own loopback address. One lock serialises every change (commands, supervision,
 * reaping), and the registry is written before a change takes effect, so the file always covers
 * every folder, address and process that exists.
 */
public final class LocalDriver implements InstanceDriver {

    private static final Logger LOG = Logger.getLogger(LocalDriver.class);

    private final InstanceRegistry registry;
    private final AddressRange range;
    private final Path instancesRoot;
    private final AgentLauncher launcher;
    private final Duration stopTimeout;
    private final Clock clock;

    /** Read without the lock (metrics), so a long destroy never blocks a scrape. */
    private volatile int instanceCount;

    LocalDriver(InstanceRegistry registry, AddressRange range, Path instancesRoot, AgentLauncher launcher,
            Duration stopTimeout, Clock clock) {
        this.registry = registry;
        this.range = range;
        this.instancesRoot = instancesRoot.toAbsolutePath().normalize();
        this.launcher = launcher;
        this.stopTimeout = stopTimeout;
        this.clock = clock;
        this.instanceCount = registry.all().size();
    }

    /**
     * Opens the driver on a platform state folder: the registry at
     * {@code <home>/provisioner/instances.json}, instance folders under {@code <home>/instances/}.
     */
    static LocalDriver open(Path marinaHome, AddressRange range, AgentLauncher.Settings launch, InstanceKeys keys,
            Duration stopTimeout, Clock clock) {
        Path home = marinaHome.toAbsolutePath().normalize();
        InstanceRegistry registry = InstanceRegistry.load(home.resolve("provisioner").resolve("instances.json"));
        return new LocalDriver(registry, range, home.resolve("instances"), new AgentLauncher(launch, keys, clock),
                stopTimeout, clock);
    }

    /** How many instances exist (those being destroyed included). */
    public int instanceCount() {
        return instanceCount;
    }

    /** Reads the registry file again (a copy elected leader takes over another copy's registry). */
    public synchronized void reload() {
        registry.reload();
        instanceCount = registry.all().size();
    }

    @Override
    public synchronized Instance create(CreateRequest request) {
        InstanceIds.problem(request.instanceId()).ifPresent(problem -> {
            throw new DriverException(problem);
        });
        Optional<InstanceRecord> existing = registry.find(request.instanceId());
        if (existing.isPresent()) {
            return existingFor(request, existing.get());
        }
        String address = AddressAllocator.lowestFree(range, registry.addressesInUse())
                .orElseThrow(() -> new DriverException("no free address left in " + range));
        Path folder = instancesRoot.resolve(request.instanceId());
        boolean folderIsNew = !Files.exists(folder);
        InstanceRecord record = new InstanceRecord(request.instanceId(), request.deployment(), address,
                folder.toString(), null, clock.instant(), request.commandsSince(), false, null);
        // Reserve the address on disk before anything can use it.
        registry.put(record);
        instanceCount = registry.all().size();
        try {
            handOver(folder, request.firstCommandJson());
            record = launcher.launch(record);
            registry.put(record);
        } catch (RuntimeException e) {
            undoCreate(record, folderIsNew);
            throw e instanceof DriverException ? e : new DriverException("cannot create the instance: " + e.getMessage(), e);
        }
        LOG.infof("instance created deployment=%s instance=%s address=%s folder=%s pid=%d", record.deployment(),
                record.instanceId(), address, folder, record.pid());
        return record.toInstance();
    }

    /**
     * The agent's first command, in a file only its owner reads (it holds a sealed secret), which the
     * agent carries out as soon as it starts and then deletes (see docs/local-data-plane.md).
     */
    private static void handOver(Path folder, Optional<String> firstCommandJson) {
        if (firstCommandJson.isEmpty()) {
            return;
        }
        try {
            Files.createDirectories(folder);
            Path file = folder.resolve(FIRST_COMMAND_FILE);
            Path temp = folder.resolve(FIRST_COMMAND_FILE + ".tmp");
            Files.deleteIfExists(temp);
            Files.createFile(temp, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
            Files.writeString(temp, firstCommandJson.get());
            Files.move(temp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (java.io.IOException e) {
            throw new DriverException("cannot hand the first command to the agent in " + folder + ": " + e.getMessage(), e);
        }
    }

    /** Where the agent finds its first command; the agent's InstanceFiles names the same file. */
    static final String FIRST_COMMAND_FILE = "first-command.json";

    private Instance existingFor(CreateRequest request, InstanceRecord record) {
        if (!record.deployment().equals(request.deployment())) {
            throw new DriverException("instance " + request.instanceId() + " belongs to deployment " + record.deployment()
                    + ", not " + request.deployment());
        }
        if (record.destroying()) {
            throw new DriverException("instance " + request.instanceId() + " is being destroyed");
        }
        LOG.infof("instance exists already deployment=%s instance=%s address=%s", record.deployment(),
                record.instanceId(), record.address());
        return record.toInstance();
    }

    private void undoCreate(InstanceRecord record, boolean folderIsNew) {
        try {
            InstanceProcesses.stopAll(record, stopTimeout);
            if (folderIsNew) {
                deleteRecursively(record.folderPath());
            }
            registry.remove(record.instanceId());
            instanceCount = registry.all().size();
        } catch (RuntimeException e) {
            LOG.errorf(e, "could not undo a failed create deployment=%s instance=%s", record.deployment(), record.instanceId());
        }
    }

    @Override
    public synchronized Optional<Instance> describe(String instanceId) {
        return registry.find(instanceId).filter(r -> !r.destroying()).map(InstanceRecord::toInstance);
    }

    @Override
    public synchronized List<Instance> list() {
        return registry.all().stream().filter(r -> !r.destroying()).map(InstanceRecord::toInstance).toList();
    }

    /**
     * Stops the agent's process group and a {@code mariadbd} left from the folder, removes the folder,
     * then frees the address. The record is marked first, so a crash half-way is finished on recovery.
     */
    @Override
    public synchronized void destroy(String instanceId) {
        Optional<InstanceRecord> found = registry.find(instanceId);
        if (found.isEmpty()) {
            LOG.infof("instance already gone instance=%s", instanceId);
            return;
        }
        InstanceRecord record = found.get();
        if (!record.destroying()) {
            record = record.markedDestroying();
            registry.put(record);
        }
        InstanceProcesses.stopAll(record, stopTimeout);
        try {
            launcher.keys().remove(record);
            deleteRecursively(record.folderPath());
        } catch (UncheckedIOException e) {
            throw new DriverException("cannot remove the instance folder " + record.folder() + ": " + e.getMessage(), e);
        }
        registry.remove(instanceId);
        instanceCount = registry.all().size();
        LOG.infof("instance destroyed deployment=%s instance=%s address=%s", record.deployment(), instanceId,
                record.address());
    }

    // ---- for the supervisor

    /** Every record, those being destroyed included. */
    synchronized List<InstanceRecord> records() {
        return registry.all();
    }

    /** Launched by this provisioner and alive, or (adopted after a restart) alive and working in its folder. */
    private boolean agentRuns(InstanceRecord record) {
        return (record.pid() != null && launcher.launchedAndRunning(record.pid())) || InstanceProcesses.isAgentRunning(record);
    }

    boolean isAgentRunning(InstanceRecord record) {
        return agentRuns(record);
    }

    /**
     * Launches the agent again on the same folder and address when it is not running (checked under
     * the lock, so a destroy or another relaunch in between wins). Empty when nothing was done.
     */
    synchronized Optional<InstanceRecord> relaunchIfNotRunning(String instanceId) {
        Optional<InstanceRecord> found = registry.find(instanceId).filter(r -> !r.destroying());
        if (found.isEmpty() || agentRuns(found.get())) {
            return Optional.empty();
        }
        InstanceRecord record = found.get();
        if (!Files.isDirectory(record.folderPath())) {
            // Recreating the folder would start an empty database where data was expected: say so loudly.
            LOG.warnf("instance folder is missing, the agent starts on an empty one deployment=%s instance=%s folder=%s",
                    record.deployment(), instanceId, record.folder());
        }
        record = launcher.launch(record);
        registry.put(record);
        LOG.infof("agent relaunched deployment=%s instance=%s address=%s pid=%d", record.deployment(), instanceId,
                record.address(), record.pid());
        return Optional.of(record);
    }

    /**
     * An agent found running at the provisioner's start whose instance key file is missing or outdated (it
     * was launched before proofs existed, or the platform's proof key changed) could prove nothing it sends:
     * the key is written and the agent alone is restarted (SIGTERM to its pid, not its group), so its
     * database keeps running and is adopted by the new agent. Empty when its key was already in place.
     */
    synchronized Optional<InstanceRecord> rekeyIfNeeded(String instanceId) {
        Optional<InstanceRecord> found = registry.find(instanceId).filter(r -> !r.destroying());
        found.ifPresent(launcher::writeObjectStoreSettings); // an agent launched before backups existed gets them too
        if (found.isEmpty() || !launcher.keys().write(found.get())) {
            return Optional.empty();
        }
        InstanceRecord record = found.get();
        if (agentRuns(record)) {
            LOG.infof("agent runs without its instance key or Kafka credentials, restarting it with them deployment=%s instance=%s pid=%d",
                    record.deployment(), instanceId, record.pid());
            InstanceProcesses.stopAgent(record, stopTimeout);
        }
        record = launcher.launch(record);
        registry.put(record);
        return Optional.of(record);
    }

    // ---- for the agent roll

    /** The build a launch would run now; empty for a custom agent command. Fails when the jar is missing. */
    Optional<AgentBuild> currentBuild() {
        return launcher.currentBuild();
    }

    /**
     * Whether the agent runs a job in a process of its own (a backup, a restore, a replay: anything in its process
     * group besides itself and the instance's {@code mariadbd}); replacing it then would cut the job short.
     */
    boolean isAgentBusy(InstanceRecord record) {
        return record.pid() != null && InstanceProcesses.jobsOf(record).size() > 0;
    }

    /**
     * Replaces the agent of an instance by one of the current build, under the lock (so supervision, commands and
     * reaping see either the old agent or the new one, never none and never two): only when the record is still the
     * one the roll looked at (same pid, not being destroyed) and its agent runs. The old agent alone is stopped
     * (SIGTERM to its pid, SIGKILL after {@code stop-timeout}; never its process group, so its {@code mariadbd}
     * keeps running for the new agent to adopt); the new one is launched only once the old is gone. Empty when
     * nothing was done.
     */
    synchronized Optional<InstanceRecord> replaceAgent(String instanceId, long expectedPid) {
        Optional<InstanceRecord> found = registry.find(instanceId)
                .filter(r -> !r.destroying() && r.pid() != null && r.pid() == expectedPid);
        if (found.isEmpty() || !agentRuns(found.get())) {
            return Optional.empty();
        }
        InstanceRecord old = found.get();
        InstanceProcesses.stopAgent(old, stopTimeout);
        if (ProcFs.isRunning(old.pid())) {
            // It survived SIGKILL, or the wait was cut short (the provisioner stopping): the supervisor sees to it later.
            throw new DriverException("the agent " + old.pid() + " of " + instanceId + " is still running after it was stopped:"
                    + " no second agent is started beside it");
        }
        InstanceRecord replaced = launcher.launch(old);
        registry.put(replaced);
        return Optional.of(replaced);
    }

    /** The instances folder (for logs and tests). */
    public Path instancesRoot() {
        return instancesRoot;
    }

    public Path registryFile() {
        return registry.file();
    }

    private static void deleteRecursively(Path folder) {
        if (!Files.exists(folder)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(folder)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                try {
                    Files.delete(path);
                } catch (NoSuchFileException gone) {
                    // removed meanwhile (a process wrote its last file as it stopped)
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
