package dev.marina.agent;

import dev.marina.agent.database.DatabaseServer;
import dev.marina.agent.database.MariaDbServer;
import dev.marina.agent.kafka.CommandLoop;
import dev.marina.agent.kafka.EventPublisher;
import dev.marina.agent.kafka.HeartbeatLoop;
import dev.marina.agent.kafka.OffsetFile;
import dev.marina.service.SecretBox;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * One running agent: its database, the command thread and the heartbeat timer, assembled from
 * {@link AgentSettings}. Closing it stops the agent's threads and clients but leaves the database
 * running: a restarted agent adopts it (databases outlive agent restarts and upgrades).
 */
public final class Agent implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(Agent.class);

    private final DatabaseServer database;
    private final EventPublisher publisher;
    private final CommandLoop commands;
    private final HeartbeatLoop heartbeats;

    private Agent(DatabaseServer database, EventPublisher publisher, CommandLoop commands, HeartbeatLoop heartbeats) {
        this.database = database;
        this.publisher = publisher;
        this.commands = commands;
        this.heartbeats = heartbeats;
    }

    public static Agent start(AgentSettings settings, MeterRegistry registry) {
        return start(settings, new MariaDbServer(settings.files(), settings.identity().address(), settings.marinaHome(),
                settings.mariadb()), registry, Clock.systemUTC());
    }

    public static Agent start(AgentSettings settings, DatabaseServer database, MeterRegistry registry, Clock clock) {
        InstanceIdentity identity = settings.identity();
        createFolder(settings.files().dir());
        AgentMetrics metrics = new AgentMetrics(registry);
        CommandHandler handler = new CommandHandler(identity, settings.files(), database,
                platformKey(settings.secretsKeyFile()), metrics, clock);
        EventPublisher publisher = new EventPublisher(settings.bootstrapServers(), "agent-" + identity.instanceId());
        CommandLoop commands = new CommandLoop(identity, settings.bootstrapServers(),
                new OffsetFile(settings.files().commandsOffset()), settings.commandsSince(), publisher, handler::handle,
                handler::recover, metrics, clock);
        HeartbeatLoop heartbeats = new HeartbeatLoop(identity, settings.bootstrapServers(), settings.heartbeatInterval(),
                database::observe, handler::highestEpoch, metrics, clock);
        // A database that just became ready is reported healthy at once, not up to a period later.
        publisher.afterAnswer(event -> {
            if (event.getOutcome() == dev.marina.schemas.v1.AgentOutcome.AGENT_OUTCOME_DATABASE_READY) {
                heartbeats.beatNow();
            }
        });
        LOG.infof("agent starting deployment=%s instance=%s address=%s dir=%s", identity.deploymentKey(),
                identity.instanceId(), identity.address(), settings.files().dir());
        heartbeats.start();
        commands.start();
        return new Agent(database, publisher, commands, heartbeats);
    }

    /** Stops the threads and clients; the database keeps running. */
    @Override
    public void close() {
        heartbeats.close();
        commands.close();
        publisher.close();
        database.close();
    }

    /**
     * The platform key, read when a sealed secret must be opened. The agent never creates it: a key of
     * its own could not open anything the platform sealed.
     */
    private static Supplier<SecretBox> platformKey(Path keyFile) {
        return new Supplier<>() {
            private SecretBox box;

            @Override
            public synchronized SecretBox get() {
                if (box == null) {
                    if (!Files.isReadable(keyFile)) {
                        throw new IllegalStateException("the platform key " + keyFile + " is missing (MARINA_SECRETS_KEY_FILE)");
                    }
                    box = SecretBox.fromKeyFile(keyFile);
                }
                return box;
            }
        };
    }

    private static void createFolder(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the instance folder " + dir, e);
        }
    }
}
