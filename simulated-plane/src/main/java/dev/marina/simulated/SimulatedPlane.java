package dev.marina.simulated;

import dev.marina.agent.AgentMetrics;
import dev.marina.agent.InstanceFiles;
import dev.marina.agent.InstanceIdentity;
import dev.marina.agent.kafka.EventPublisher;
import dev.marina.schemas.metrics.MetricNames;
import dev.marina.schemas.proof.InstanceKey;
import dev.marina.schemas.proof.MessageProof;
import dev.marina.schemas.proof.ProofKeys;
import dev.marina.schemas.serde.Decoded;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.AgentCommand;
import dev.marina.schemas.v1.AgentEvent;
import dev.marina.schemas.v1.AgentOutcome;
import dev.marina.schemas.v1.Heartbeat;
import dev.marina.schemas.v1.MetricSample;
import dev.marina.service.SecretBox;
import dev.marina.service.Timestamps;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import javax.crypto.SecretKey;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.jboss.logging.Logger;

/**
 * A data plane of simulated instances in one process, speaking the agents' protocol on the real topics: it reads
 * {@code agent-commands} (checking each command's proof with the instance's key), has each instance's real
 * {@code CommandHandler} decide and answer on {@code agent-events}, and sends every instance's heartbeat at the
 * agents' interval and a metric sample at theirs, each proven with the instance's key. Everything above the agent
 * (intent-service, health-monitor, dns-service, cert-service, the provisioner through its {@code simulated} driver) is
 * the platform's unchanged code. See DESIGN.md beside this class.
 *
 * <p>Addresses come from {@value #ADDRESS_RANGE} (RFC 2544's benchmarking range: never a real host's), and every
 * heartbeat carries the agent build {@value #AGENT_BUILD}, so a simulated instance is never mistaken for a real one.
 */
public final class SimulatedPlane implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(SimulatedPlane.class);
    static final String AGENT_BUILD = "simulated";
    public static final String ADDRESS_RANGE = "198.18.0.0/15";
    /** Heartbeats go out in this many slices per interval, so the broker sees a steady stream rather than bursts. */
    private static final int SLICES = 10;
    /** Commands for an instance the plane does not hold yet, kept this long (a command may overtake its CREATE). */
    private static final Duration PENDING_FOR = Duration.ofMinutes(2);
    private static final int PENDING_PER_INSTANCE = 32;

    /**
     * @param kafka             client settings of the plane's principal (role AGENT)
     * @param dir               where instances keep their folders (state file, TLS keys)
     * @param secretsKeyFile    the platform key, to open sealed passwords as an agent does
     * @param heartbeatInterval the agents' heartbeat interval
     * @param metricsInterval   the agents' metric sample interval
     * @param lease             the primary's lease (the platform's primary-lease)
     * @param workers           command threads (an instance's commands always run on the same one, in order)
     * @param versions          the MariaDB builds every simulated instance has (the platform's offered versions), oldest first
     */
    public record Settings(Properties kafka, Path dir, Path secretsKeyFile, Duration heartbeatInterval, Duration metricsInterval,
            Duration lease, int workers, List<String> versions) {}

    /**
     * What a create hands over, as the local driver writes it into an instance folder before it launches an agent.
     *
     * @param firstCommandJson the DEPLOY the CREATE carried (proto3 JSON), carried out at once
     */
    public record Create(String instanceId, String deploymentKey, Instant commandsSince, Optional<String> firstCommandJson,
            InstanceKey key) {}

    /** An instance as the plane's API shows it. */
    public record View(String instanceId, String deploymentKey, String address, Instant createdAt, boolean alive) {}

    /** Counters since the plane started. */
    public record Stats(int instances, long commands, long answers, long heartbeatsSent, long heartbeatsAcknowledged,
            long heartbeatsLost, long samples, long proofFailures, long pendingCommands) {}

    private final Settings settings;
    private final Clock clock;
    private final Instant startedAt;
    private final Map<String, SimulatedInstance> instances = new ConcurrentHashMap<>();
    private final Map<String, SimulatedInstance> byAddress = new ConcurrentHashMap<>();
    private final Map<String, Set<SimulatedInstance>> byDeployment = new ConcurrentHashMap<>();
    private final Map<String, Deque<Pending>> pending = new ConcurrentHashMap<>();
    private final AtomicLong nextAddress = new AtomicLong(1);
    /** Creation order (instances made within one millisecond still list oldest first). */
    private final Map<String, Long> serials = new ConcurrentHashMap<>();
    private final Supplier<SecretBox> secrets;
    private final AgentMetrics metrics = new AgentMetrics(new SimpleMeterRegistry());
    private final RegistryKeys keys;
    private final EventPublisher publisher;
    private final KafkaProducer<byte[], byte[]> reports;
    private final ExecutorService[] workers;
    private final ScheduledExecutorService timer;
    private final Thread commandThread;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private volatile boolean running = true;
    private int slice;

    private final AtomicLong commands = new AtomicLong();
    private final AtomicLong answers = new AtomicLong();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong acknowledged = new AtomicLong();
    private final AtomicLong lost = new AtomicLong();
    private final AtomicLong samples = new AtomicLong();
    private final AtomicLong proofFailures = new AtomicLong();
    private final AtomicLong pendingCount = new AtomicLong();

    private record Pending(AgentCommand command, ConsumerRecord<byte[], byte[]> record, Instant seenAt) {}

    public SimulatedPlane(Settings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
        this.startedAt = clock.instant();
        this.secrets = memoized(() -> SecretBox.fromKeyFile(settings.secretsKeyFile()));
        this.keys = new RegistryKeys();
        createFolder(settings.dir());
        this.publisher = new EventPublisher(settings.kafka(), "simulated-plane-events", keys);
        this.reports = new KafkaProducer<>(reportProducer(settings.kafka(), settings.heartbeatInterval()));
        this.workers = new ExecutorService[Math.max(1, settings.workers())];
        for (int i = 0; i < workers.length; i++) {
            int n = i;
            workers[i] = Executors.newSingleThreadExecutor(r -> daemon(r, "simulated-commands-" + n));
        }
        this.consumer = new KafkaConsumer<>(commandConsumer(settings.kafka()));
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "simulated-heartbeats"));
        long sliceMicros = Math.max(1000, settings.heartbeatInterval().toNanos() / 1000 / SLICES);
        timer.scheduleAtFixedRate(this::beatSlice, sliceMicros, sliceMicros, TimeUnit.MICROSECONDS);
        timer.scheduleAtFixedRate(this::sampleAll, settings.metricsInterval().toMillis(), settings.metricsInterval().toMillis(),
                TimeUnit.MILLISECONDS);
        this.commandThread = daemon(this::readCommands, "simulated-command-reader");
        commandThread.start();
        LOG.infof("simulated plane started dir=%s heartbeat_interval=%s workers=%d", settings.dir(), settings.heartbeatInterval(),
                workers.length);
    }

    /** Creates the instance (or returns it: create is idempotent by id) and carries out its first command. */
    public synchronized View create(Create create) {
        SimulatedInstance existing = instances.get(create.instanceId());
        if (existing != null) {
            if (!existing.identity.deploymentKey().equals(create.deploymentKey())) {
                throw new IllegalArgumentException("instance " + create.instanceId() + " belongs to deployment " + existing.identity.deploymentKey());
            }
            return view(existing);
        }
        if (!create.key().instanceId().equals(create.instanceId()) || !create.key().deploymentKey().equals(create.deploymentKey())) {
            throw new IllegalArgumentException("the proof key is for " + create.key().instanceId() + " of " + create.key().deploymentKey());
        }
        long serial = nextAddress.getAndIncrement();
        String address = address(serial);
        serials.put(create.instanceId(), serial);
        InstanceIdentity identity = new InstanceIdentity(create.instanceId(), create.deploymentKey(), address);
        InstanceFiles files = new InstanceFiles(settings.dir().resolve(create.instanceId()));
        createFolder(files.dir());
        create.firstCommandJson().ifPresent(json -> write(files.firstCommand(), json));
        SimulatedServer server = new SimulatedServer(serverId(create.instanceId()), address, settings.versions(), new Neighbourhood());
        SimulatedInstance instance = new SimulatedInstance(identity, create.key(), clock.instant(), create.commandsSince(), server,
                files, secrets, metrics, clock, settings.lease());
        instance.useUnaskedEvents(event -> answer(instance, event));
        instances.put(create.instanceId(), instance);
        keys.keyId = create.key().keyId();
        byAddress.put(address, instance);
        byDeployment.computeIfAbsent(create.deploymentKey(), k -> ConcurrentHashMap.newKeySet()).add(instance);
        worker(instance).execute(() -> {
            instance.recover().ifPresent(event -> answer(instance, event));
            Deque<Pending> early = pending.remove(create.instanceId());
            if (early != null) {
                for (Pending p : early) {
                    if (!p.command().getIssuedAt().isInitialized() || !Timestamps.toInstant(p.command().getIssuedAt())
                            .isBefore(create.commandsSince())) {
                        handle(instance, p.record(), p.command());
                    }
                }
            }
        });
        LOG.infof("simulated instance created deployment=%s instance=%s address=%s", create.deploymentKey(), create.instanceId(), address);
        return view(instance);
    }

    public Optional<View> describe(String instanceId) {
        return Optional.ofNullable(instances.get(instanceId)).map(this::view);
    }

    public List<View> list() {
        List<SimulatedInstance> all = new ArrayList<>(instances.values());
        all.sort(Comparator.comparing((SimulatedInstance i) -> i.createdAt)
                .thenComparing(i -> serials.getOrDefault(i.identity.instanceId(), 0L)));
        return all.stream().map(this::view).toList();
    }

    /** The host is terminated: the instance and its folder go; an unknown id is destroyed already. */
    public synchronized void destroy(String instanceId) {
        SimulatedInstance instance = instances.remove(instanceId);
        if (instance == null) {
            return;
        }
        instance.destroyed();
        serials.remove(instanceId);
        byAddress.remove(instance.server.address(), instance);
        Set<SimulatedInstance> peers = byDeployment.get(instance.identity.deploymentKey());
        if (peers != null) {
            peers.remove(instance);
            if (peers.isEmpty()) {
                byDeployment.remove(instance.identity.deploymentKey());
            }
        }
        deleteFolder(instance.files().dir());
        LOG.infof("simulated instance destroyed deployment=%s instance=%s", instance.identity.deploymentKey(), instanceId);
    }

    /** The instance's host dies (no heartbeat, no answer, the server stops); false when there is no such live instance. */
    public boolean kill(String instanceId) {
        SimulatedInstance instance = instances.get(instanceId);
        if (instance == null || !instance.alive()) {
            return false;
        }
        instance.kill();
        LOG.infof("simulated instance killed deployment=%s instance=%s", instance.identity.deploymentKey(), instanceId);
        return true;
    }

    /** The instance's host comes back: its agent starts again and recovers the instance. */
    public boolean revive(String instanceId) {
        SimulatedInstance instance = instances.get(instanceId);
        if (instance == null || instance.alive()) {
            return false;
        }
        worker(instance).execute(() -> instance.revive(event -> answer(instance, event)).ifPresent(event -> answer(instance, event)));
        return true;
    }

    public Stats stats() {
        return new Stats(instances.size(), commands.get(), answers.get(), sent.get(), acknowledged.get(), lost.get(), samples.get(),
                proofFailures.get(), pendingCount.get());
    }

    // --- commands ---

    private void readCommands() {
        String topic = Topics.AGENT_COMMANDS.name();
        try {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            consumer.assign(partitions);
            // From a little before the plane started: a command may be written just before its CREATE is carried out.
            Map<TopicPartition, Long> since = new HashMap<>();
            partitions.forEach(p -> since.put(p, startedAt.minusSeconds(5).toEpochMilli()));
            Map<TopicPartition, OffsetAndTimestamp> offsets = consumer.offsetsForTimes(since);
            for (TopicPartition p : partitions) {
                OffsetAndTimestamp at = offsets.get(p);
                if (at == null) {
                    consumer.seekToEnd(List.of(p));
                } else {
                    consumer.seek(p, at.offset());
                }
            }
            while (running) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    route(record);
                }
                expirePending();
            }
        } catch (WakeupException e) {
            if (running) {
                throw e;
            }
        } catch (RuntimeException e) {
            LOG.errorf(e, "simulated plane: the command reader stopped");
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    private void route(ConsumerRecord<byte[], byte[]> record) {
        Decoded<AgentCommand> decoded = ProtoJsonSerde.fromJson(AgentCommand.getDefaultInstance(), record.value());
        if (!(decoded instanceof Decoded.Ok<AgentCommand> ok)) {
            return; // not for a simulated instance to judge: agents of its instance dead-letter it
        }
        AgentCommand command = ok.value();
        SimulatedInstance instance = instances.get(command.getInstanceId());
        if (instance == null) {
            // Maybe for an instance whose CREATE is still on its way here; kept a while, bounded.
            Deque<Pending> queue = pending.computeIfAbsent(command.getInstanceId(), k -> new ArrayDeque<>());
            synchronized (queue) {
                if (queue.size() < PENDING_PER_INSTANCE) {
                    queue.add(new Pending(command, record, clock.instant()));
                    pendingCount.incrementAndGet();
                }
            }
            return;
        }
        worker(instance).execute(() -> handle(instance, record, command));
    }

    private void expirePending() {
        Instant cutoff = clock.instant().minus(PENDING_FOR);
        pending.entrySet().removeIf(e -> {
            synchronized (e.getValue()) {
                return e.getValue().isEmpty() || e.getValue().peekLast().seenAt().isBefore(cutoff);
            }
        });
    }

    /** On the instance's worker: check the proof, let the agent's handler decide, answer. */
    private void handle(SimulatedInstance instance, ConsumerRecord<byte[], byte[]> record, AgentCommand command) {
        if (!instance.alive()) {
            return; // a dead host reads nothing; once revived it would not see this either (its reader starts later)
        }
        MessageProof.Check check = MessageProof.verify(keys, record.topic(), record.headers(), record.key(), record.value(),
                command.getInstanceId());
        if (check.outcome() != MessageProof.Outcome.PROVEN) {
            proofFailures.incrementAndGet();
            LOG.warnf("command skipped: %s deployment=%s instance=%s command=%s", check.reason(), instance.identity.deploymentKey(),
                    command.getInstanceId(), command.getCommandId());
            return;
        }
        commands.incrementAndGet();
        try {
            answer(instance, instance.handle(command));
        } catch (RuntimeException e) {
            LOG.errorf(e, "command failed deployment=%s instance=%s command=%s op=%s", instance.identity.deploymentKey(),
                    command.getInstanceId(), command.getCommandId(), command.getOp());
        }
    }

    private void answer(SimulatedInstance instance, AgentEvent event) {
        if (!instance.alive()) {
            return;
        }
        publisher.answer(instance.identity.deploymentKey(), event);
        answers.incrementAndGet();
        if (event.getOutcome() != AgentOutcome.AGENT_OUTCOME_REFUSED) {
            beat(instance); // as the agent does: health learns of a change at once
        }
    }

    private ExecutorService worker(SimulatedInstance instance) {
        return workers[Math.floorMod(instance.identity.instanceId().hashCode(), workers.length)];
    }

    // --- heartbeats and samples ---

    private void beatSlice() {
        int current = slice;
        slice = (slice + 1) % SLICES;
        try {
            for (SimulatedInstance instance : instances.values()) {
                if (Math.floorMod(instance.identity.instanceId().hashCode(), SLICES) == current) {
                    beat(instance);
                }
            }
        } catch (RuntimeException e) {
            LOG.errorf(e, "simulated plane: heartbeat slice failed");
        }
    }

    private void beat(SimulatedInstance instance) {
        Optional<Heartbeat> heartbeat = instance.heartbeat();
        if (heartbeat.isEmpty()) {
            return;
        }
        long sentAt = System.nanoTime();
        if (send(Topics.HEARTBEATS.name(), instance, heartbeat.get(), (ok) -> {
            if (ok) {
                acknowledged.incrementAndGet();
                instance.acknowledged(sentAt);
            } else {
                lost.incrementAndGet();
            }
        })) {
            sent.incrementAndGet();
        }
    }

    private void sampleAll() {
        try {
            for (SimulatedInstance instance : instances.values()) {
                if (instance.alive() && instance.server.answers()) {
                    send(Topics.METRICS.name(), instance, sample(instance), ok -> { });
                    samples.incrementAndGet();
                }
            }
        } catch (RuntimeException e) {
            LOG.errorf(e, "simulated plane: samples failed");
        }
    }

    /** A modest, steady load: never idle (so nothing pauses), far below any autoscaling target. */
    private MetricSample sample(SimulatedInstance instance) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return MetricSample.newBuilder()
                .setDeployment(instance.identity.deployment())
                .setInstanceId(instance.identity.instanceId())
                .setSampledAt(Timestamps.of(clock.instant()))
                .putGauges(MetricNames.CONNECTIONS, 3 + random.nextInt(3))
                .putGauges(MetricNames.CLIENT_CONNECTIONS, 1 + random.nextInt(3))
                .putGauges(MetricNames.QUERIES_PER_SECOND, 5 + random.nextDouble(5))
                .putGauges(MetricNames.CLIENT_QUERIES_PER_SECOND, 4 + random.nextDouble(5))
                .putGauges(MetricNames.CPU_PERCENT, 2 + random.nextDouble(3))
                .build();
    }

    /** Sends one proven report; false when the producer refused it at once (its buffer full: the report is lost). */
    private boolean send(String topic, SimulatedInstance instance, com.google.protobuf.Message message,
            java.util.function.Consumer<Boolean> done) {
        byte[] key = instance.identity.deploymentKey().getBytes(StandardCharsets.UTF_8);
        byte[] value = ProtoJsonSerde.toJson(message).getBytes(StandardCharsets.UTF_8);
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, key, value);
        MessageProof.sign(keys, topic, record.headers(), key, value, instance.identity.instanceId());
        try {
            reports.send(record, (metadata, e) -> done.accept(e == null));
            return true;
        } catch (RuntimeException e) {
            done.accept(false);
            return false;
        }
    }

    // --- plumbing ---

    /** The plane's servers as a network would show them: by address, and a deployment's others. */
    private final class Neighbourhood implements SimulatedServer.Neighbours {
        @Override
        public Optional<SimulatedServer> at(String address) {
            SimulatedInstance instance = byAddress.get(address);
            return instance == null || !instance.alive() ? Optional.empty() : Optional.of(instance.server);
        }

        @Override
        public Collection<SimulatedServer> peersOf(SimulatedServer server) {
            List<SimulatedServer> peers = new ArrayList<>(4);
            SimulatedInstance self = byAddress.get(server.address());
            if (self != null) {
                for (SimulatedInstance other : byDeployment.getOrDefault(self.identity.deploymentKey(), Set.of())) {
                    if (other != self && other.alive()) {
                        peers.add(other.server);
                    }
                }
            }
            return peers;
        }
    }

    /** Proves and checks with each instance's own key, as its agent would hold it. */
    private final class RegistryKeys implements ProofKeys {
        /**
         * The platform key's id, which every instance key is derived under: the latest created instance's (read per record,
         * so a field rather than a look into the registry).
         */
        volatile String keyId = "";

        @Override
        public String keyId() {
            return keyId;
        }

        @Override
        public Optional<SecretKey> instanceKey(String deploymentKey, String instanceId) {
            SimulatedInstance instance = instances.get(instanceId);
            return instance == null ? Optional.empty() : instance.key.instanceKey(deploymentKey, instanceId);
        }
    }

    /** The n-th address of {@value #ADDRESS_RANGE}, skipping the .0 and .255 of every /24. */
    static String address(long n) {
        long perBlock = 254;
        long block = (n - 1) / perBlock;
        long host = (n - 1) % perBlock + 1;
        if (block >= 512) {
            throw new IllegalStateException("the simulated range " + ADDRESS_RANGE + " is used up");
        }
        return "198." + (18 + block / 256) + "." + (block % 256) + "." + host;
    }

    /** A server id for GTIDs, stable per instance id (MariaDB's is 32-bit unsigned; 0 is not allowed). */
    static long serverId(String instanceId) {
        return (instanceId.hashCode() & 0x7fffffffL) % 4_000_000_000L + 1;
    }

    private View view(SimulatedInstance instance) {
        return new View(instance.identity.instanceId(), instance.identity.deploymentKey(), instance.server.address(),
                instance.createdAt, instance.alive());
    }

    /**
     * The agents' heartbeat producer gives a heartbeat 3 s (15 of its 200 ms intervals) before it counts as lost. With
     * a longer interval, as a bench sized for a large fleet runs, a heartbeat is still worth delivering until the next
     * one is sent: lost after 3 s, a 15 s heartbeat on a briefly slow broker counted as a missed beat towards the lease.
     */
    static Duration deliveryTimeout(Duration heartbeatInterval) {
        Duration agents = Duration.ofSeconds(3);
        return heartbeatInterval.compareTo(agents) > 0 ? heartbeatInterval : agents;
    }

    /**
     * A batch the broker takes on every topic the plane reports on: half the smallest record limit. A batch above a
     * topic's {@code max.message.bytes} is refused (MESSAGE_TOO_LARGE) and split by the producer, again and again while
     * heartbeats keep queueing: at 10,000 deployments a 256 KiB batch size on the 64 KiB heartbeats topic kept the
     * producer's thread splitting, and a quarter of the heartbeats went unacknowledged for a whole interval.
     */
    static int reportBatchBytes() {
        return Math.min(Topics.HEARTBEATS.maxMessageBytes(), Topics.METRICS.maxMessageBytes()) / 2;
    }

    private static Properties reportProducer(Properties kafka, Duration heartbeatInterval) {
        Properties p = new Properties();
        p.putAll(kafka);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "simulated-plane-reports");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        // Many instances share this producer: a little linger batches their heartbeats without making any late.
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, reportBatchBytes());
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 64L << 20);
        long delivery = deliveryTimeout(heartbeatInterval).toMillis();
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) delivery);
        // Kafka requires delivery.timeout ≥ linger + request.timeout.
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) (delivery * 2 / 3));
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 500);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return p;
    }

    private static Properties commandConsumer(Properties kafka) {
        Properties p = new Properties();
        p.putAll(kafka);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "simulated-plane-commands");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return p;
    }

    private static <T> Supplier<T> memoized(Supplier<T> make) {
        return new Supplier<>() {
            private T value;

            @Override
            public synchronized T get() {
                if (value == null) {
                    value = make.get();
                }
                return value;
            }
        };
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private static void createFolder(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
    }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static void deleteFolder(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            LOG.warnf("could not remove %s: %s", dir, e.getMessage());
        }
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        timer.shutdownNow();
        for (ExecutorService worker : workers) {
            worker.shutdownNow();
        }
        try {
            commandThread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        instances.values().forEach(SimulatedInstance::destroyed);
        reports.close(Duration.ofSeconds(2));
        publisher.close();
    }
}
