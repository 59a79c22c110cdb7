package dev.marina.provisioner.local;

import dev.marina.schemas.access.KafkaAccess;
import dev.marina.provisioner.driver.DriverException;
import dev.marina.schemas.access.KafkaAccess;
import java.io.File;
import dev.marina.schemas.access.KafkaAccess;
import java.io.IOException;
import dev.marina.schemas.access.KafkaAccess;
import java.nio.file.Files;
import dev.marina.schemas.access.KafkaAccess;
import java.nio.file.Path;
import dev.marina.schemas.access.KafkaAccess;
import java.nio.file.StandardOpenOption;
import dev.marina.schemas.access.KafkaAccess;
import java.time.Clock;
import dev.marina.schemas.access.KafkaAccess;
import java.util.List;
import dev.marina.schemas.access.KafkaAccess;
import java.util.Map;
import dev.marina.schemas.access.KafkaAccess;
import java.util.Optional;
import dev.marina.objectstore.ObjectStoreConfig;

/**
 * Starts an instance's agent as the local data-plane note says: the configured command (by default
 * {@code setsid java -Xmx96m -XX:+UseSerialGC -jar <agent jar>}) in the instance folder, output
 * appended to {@code <folder>/agent.log}, the contract's environment variables set.
 */
final class AgentLauncher {

    static final String LOG_FILE = "agent.log";

    /** Environment variables of the provisioner itself that must not leak into an agent. */
    /**
     * The object store's client settings in the instance folder (0600), refreshed at every launch, where the
     * agent reads them for each backup. A host of its own would get credentials scoped to its deployment here.
     */
    static final String OBJECT_STORE_FILE = "object-store.properties";
    private static final List<String> OWN_PREFIXES = List.of("QUARKUS_", "MP_MESSAGING_", "MARINA_", "KAFKA_");

    /**
     * Everything a launch needs besides the instance.
     *
     * @param command          the agent command line (program first)
     * @param marinaHome       the platform state folder, absolute
     * @param bootstrapServers the broker
     * @param secretsKeyFile   the platform key file, absolute
     * @param agentHttpPort    the agent's HTTP port on its own address
     * @param agentJar         the jar the command runs, checked before each launch; empty for a custom command
     * @param objectStore      the object store's client settings file agents write backups with; empty: none
     *                         (an agent then refuses BACKUP, naming what is missing)
     */
    record Settings(List<String> command, Path marinaHome, String bootstrapServers, Path secretsKeyFile, int agentHttpPort,
            Optional<Path> agentJar, Optional<Path> objectStore) {
        Settings {
            command = List.copyOf(command);
            if (command.isEmpty()) {
                throw new IllegalArgumentException("the agent command is empty");
            }
        }
    }

    private final Settings settings;
    private final InstanceKeys keys;
    private final Clock clock;
    private final Map<Long, ProcessHandle> launched = new java.util.concurrent.ConcurrentHashMap<>();

    AgentLauncher(Settings settings, InstanceKeys keys, Clock clock) {
        this.settings = settings;
        this.keys = keys;
        this.clock = clock;
    }

    InstanceKeys keys() {
        return keys;
    }

    /**
     * Whether the agent with this pid was launched by this launcher and still runs. Its working directory
     * says nothing right after the launch (the JDK's spawn helper has not changed into the instance folder
     * yet): judged "not running" then, a second agent was started beside it, which could not bind the
     * instance's port while the first, untracked, kept it. A handle the JDK gave us is that very process,
     * never a later one that reuses its pid.
     */
    boolean launchedAndRunning(long pid) {
        ProcessHandle agent = launched.get(pid);
        if (agent == null) {
            return false;
        }
        if (!agent.isAlive()) {
            launched.remove(pid, agent);
            return false;
        }
        return true;
    }

    /**
     * Writes the instance's object store settings (when the provisioner has any): at every launch, and for an
     * agent adopted at the provisioner's start (it reads them afresh for each backup, so no restart is needed).
     */
    void writeObjectStoreSettings(InstanceRecord record) {
        if (settings.objectStore().isPresent()) {
            ObjectStoreConfig.load(settings.objectStore().get()).writeTo(record.folderPath().resolve(OBJECT_STORE_FILE),
                    "the object store this instance's backups go to; written by the provisioner");
        }
    }

    /**
     * The build a launch would run now: the jar's fingerprint; empty for a custom command (no jar to tell it).
     * Fails (DriverException) when the jar is missing or unreadable.
     */
    Optional<AgentBuild> currentBuild() {
        if (settings.agentJar().isEmpty()) {
            return Optional.empty();
        }
        Path jar = settings.agentJar().get();
        if (!Files.isRegularFile(jar)) {
            throw new DriverException("the agent jar " + jar + " does not exist: build the agent module, or set marina.provisioner.agent-jar");
        }
        try {
            return Optional.of(AgentBuild.of(jar));
        } catch (java.io.UncheckedIOException e) {
            throw new DriverException("cannot read the agent build " + jar + ": " + e.getMessage(), e);
        }
    }

    /**
     * Launches the agent and returns the record with its pid (its process group id too, thanks to setsid) and the
     * build it runs, which the caller writes to the registry.
     */
    InstanceRecord launch(InstanceRecord record) {
        Path folder = record.folderPath();
        Path log = folder.resolve(LOG_FILE);
        Optional<AgentBuild> build = currentBuild();
        List<String> command = build.map(b -> b.apply(settings.command())).orElse(settings.command());
        try {
            Files.createDirectories(folder);
            keys.write(record);
            writeObjectStoreSettings(record);
            Files.writeString(log, "---- provisioner: launching the agent at " + clock.instant() + ": "
                    + String.join(" ", command) + build.map(b -> " (build " + b.fingerprint() + ")").orElse("") + "\n",
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(folder.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            environment(builder.environment(), record);
            build.ifPresent(b -> builder.environment().put(AgentBuild.ENV, b.fingerprint()));
            ProcessHandle agent = builder.start().toHandle();
            launched.put(agent.pid(), agent);
            return record.withAgent(agent.pid(), build.map(AgentBuild::fingerprint).orElse(null));
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new DriverException("cannot launch the agent (" + String.join(" ", command) + ") in "
                    + folder + ": " + e.getMessage(), e);
        }
    }

    private void environment(Map<String, String> env, InstanceRecord record) {
        // The provisioner's own settings stay with it; MARINA_AGENT_* settings are meant for every agent.
        env.keySet().removeIf(name -> OWN_PREFIXES.stream().anyMatch(name::startsWith) && !name.startsWith("MARINA_AGENT_"));
        env.remove(AgentBuild.ENV); // set by launch() when the build is known, never inherited
        env.put("MARINA_INSTANCE_ID", record.instanceId());
        env.put("MARINA_DEPLOYMENT", record.deployment());
        env.put("MARINA_INSTANCE_ADDRESS", record.address());
        env.put("MARINA_INSTANCE_DIR", record.folder());
        env.put("MARINA_HOME", settings.marinaHome().toString());
        env.put("MARINA_COMMANDS_SINCE", Long.toString(record.commandsSince().toEpochMilli()));
        env.put("KAFKA_BOOTSTRAP_SERVERS", settings.bootstrapServers());
        env.put(KafkaAccess.CREDENTIALS_ENV, AgentCredentials.file(record).toString());
        env.put("MARINA_SECRETS_KEY_FILE", settings.secretsKeyFile().toString());
        env.put(InstanceKeys.ENV, InstanceKeys.file(record).toString());
        env.put("QUARKUS_HTTP_HOST", record.address());
        env.put("QUARKUS_HTTP_PORT", Integer.toString(settings.agentHttpPort()));
    }
}
