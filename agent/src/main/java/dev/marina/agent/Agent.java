package dev.marina.agent;

import dev.marina.agent.archive.BinlogArchiver;
import dev.marina.agent.archive.BinlogServer;
import dev.marina.agent.backup.BackupJobs;
import dev.marina.agent.backup.BackupRunner;
import dev.marina.agent.backup.BackupTools;
import dev.marina.agent.backup.ObjectStoreFactory;
import dev.marina.agent.backup.RestoreRunner;
import dev.marina.agent.backup.ServerLogin;
import dev.marina.agent.database.DatabaseServer;
import dev.marina.agent.database.MariaDbFigures;
import dev.marina.agent.database.MariaDbServer;
import dev.marina.agent.decision.Lease;
import dev.marina.agent.kafka.CommandLoop;
import dev.marina.agent.kafka.EventPublisher;
import dev.marina.agent.kafka.HeartbeatLoop;
import dev.marina.agent.kafka.MetricsLoop;
import dev.marina.agent.kafka.OffsetFile;
import dev.marina.agent.metrics.DatabaseFigures;
import dev.marina.agent.metrics.LinuxHost;
import dev.marina.agent.metrics.MetricsSampler;
import dev.marina.agent.metrics.SamplingGate;
import dev.marina.schemas.proof.InstanceKey;
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
 * One running agent: its database, the command thread, the heartbeat timer and the metrics timer, assembled from
 * {@link AgentSettings}. Closing it stops the agent's threads and clients but leaves the database
 * running: a restarted agent adopts it (databases outlive agent restarts and upgrades).
 */
public final class Agent implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(Agent.class);

    private final DatabaseServer database;
    private final DatabaseFigures figures;
    private final EventPublisher publisher;
    private final CommandLoop commands;
    private final HeartbeatLoop heartbeats;
    private final MetricsLoop samples;
    private final SelfFencing fencing;
    private final BackupJobs backups;
    private final BinlogArchiver archiver;
    private final WakeWatch wakes;

    private Agent(DatabaseServer database, DatabaseFigures figures, EventPublisher publisher, CommandLoop commands,
            HeartbeatLoop heartbeats, MetricsLoop samples, SelfFencing fencing, BackupJobs backups, BinlogArchiver archiver,
            WakeWatch wakes) {
        this.wakes = wakes;
        this.archiver = archiver;
        this.fencing = fencing;
        this.backups = backups;
        this.database = database;
        this.figures = figures;
        this.publisher = publisher;
        this.commands = commands;
        this.heartbeats = heartbeats;
        this.samples = samples;
    }

    public static Agent start(AgentSettings settings, MeterRegistry registry) {
        String address = settings.identity().address();
        return start(settings, new MariaDbServer(settings.files(), address, settings.marinaHome(), settings.mariadb()),
                new MariaDbFigures(settings.files(), address), registry, Clock.systemUTC());
    }

    public static Agent start(AgentSettings settings, DatabaseServer database, DatabaseFigures figures, MeterRegistry registry,
            Clock clock) {
        InstanceIdentity identity = settings.identity();
        createFolder(settings.files().dir());
        InstanceKey proof = instanceKey(settings.instanceKeyFile(), identity);
        AgentMetrics metrics = new AgentMetrics(registry);
        SamplingGate sampling = new SamplingGate();
        CommandHandler handler = new CommandHandler(identity, settings.files(), database,
                platformKey(settings.secretsKeyFile()), metrics, sampling, clock, new Lease(settings.lease()), settings.promoteWait());
        SelfFencing fencing = new SelfFencing(identity, handler);
        EventPublisher publisher = new EventPublisher(settings.kafka(), "agent-" + identity.instanceId(), proof);
        BackupJobs backups = new BackupJobs(ObjectStoreFactory.fromInstanceFolder(settings.files().dir()),
                new BackupRunner(BackupTools.installed(), ServerLogin.of(settings.files()), settings.files().dir(), clock));
        handler.useBackups(backups, event -> publisher.answer(identity.deploymentKey(), event));
        handler.useUnaskedEvents(event -> publisher.answer(identity.deploymentKey(), event));
        WakeWatch wakes = new WakeWatch(identity, handler::watchWake);
        BinlogArchiver archiver = database instanceof BinlogServer binlogs
                ? new BinlogArchiver(identity, binlogs, ObjectStoreFactory.fromInstanceFolder(settings.files().dir()), handler::archivePlan,
                        event -> publisher.answer(identity.deploymentKey(), event), clock, settings.archiveInterval())
                : null;
        if (archiver != null) {
            handler.useArchive(archiver);
        }
        handler.useRestores(ObjectStoreFactory.fromInstanceFolder(settings.files().dir()), new RestoreRunner(BackupTools.installed()));
        CommandLoop commands = new CommandLoop(identity, proof, settings.kafka(),
                new OffsetFile(settings.files().commandsOffset()), settings.commandsSince(), publisher, handler::handle,
                handler::recover, metrics, clock);
        HeartbeatLoop heartbeats = new HeartbeatLoop(identity, proof, settings.kafka(), settings.heartbeatInterval(),
                database::observe, handler::roleFacts, fencing, metrics, clock).withAgentBuild(settings.agentBuild());
        handler.useDrainTimeout(settings.drainTimeout());
        MetricsSampler sampler = new MetricsSampler(identity, figures, new LinuxHost(settings.files().dir()),
                ProcessHandle.current().pid(), sampling, metrics, clock, System::nanoTime);
        MetricsLoop samples = new MetricsLoop(identity, proof, settings.kafka(), settings.metricsInterval(), sampler, metrics);
        // A database that just became ready, or changed its role, is reported at once, not up to a period later.
        publisher.afterAnswer(event -> {
            if (event.getOutcome() != dev.marina.schemas.v1.AgentOutcome.AGENT_OUTCOME_REFUSED) {
                heartbeats.beatNow();
            }
        });
        LOG.infof("agent starting deployment=%s instance=%s address=%s dir=%s", identity.deploymentKey(),
                identity.instanceId(), identity.address(), settings.files().dir());
        heartbeats.start();
        samples.start();
        commands.start();
        if (archiver != null) {
            archiver.start();
        }
        wakes.start();
        return new Agent(database, figures, publisher, commands, heartbeats, samples, fencing, backups, archiver, wakes);
    }

    /** Stops the threads and clients; the database keeps running. */
    @Override
    public void close() {
        wakes.close();
        if (archiver != null) {
            archiver.close();
        }
        backups.close();
        heartbeats.close();
        fencing.close();
        samples.close();
        commands.close();
        publisher.close();
        figures.close();
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

    /**
     * The instance's proof key, from the file the provisioner wrote; the agent refuses to start without it,
     * or with another instance's (it could prove nothing it sends, and would take no command).
     */
    static InstanceKey instanceKey(Path file, InstanceIdentity identity) {
        if (!Files.isReadable(file)) {
            throw new IllegalStateException("the instance key " + file + " is missing (MARINA_INSTANCE_KEY_FILE; the provisioner writes it)");
        }
        InstanceKey key = InstanceKey.read(file);
        if (!key.deploymentKey().equals(identity.deploymentKey()) || !key.instanceId().equals(identity.instanceId())) {
            throw new IllegalStateException("the instance key " + file + " is for instance " + key.instanceId() + " of "
                    + key.deploymentKey() + ", not " + identity.instanceId() + " of " + identity.deploymentKey());
        }
        return key;
    }

    private static void createFolder(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the instance folder " + dir, e);
        }
    }
}
