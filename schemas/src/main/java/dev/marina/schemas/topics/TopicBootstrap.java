package dev.marina.schemas.topics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Creates the catalogue's topics and checks the ones that exist. Idempotent: a second run creates
 * nothing. It changes an existing topic only in settings that are safe to change under running
 * clients ({@link TopicSpec#ALTERABLE_CONFIGS}: the record limit), with {@code incrementalAlterConfigs},
 * so state made by an older version converges. When partitions, cleanup policy or retention differ
 * from the catalogue it fails and says exactly what differs, because silently "fixing" those (say,
 * adding partitions) would re-route keys under running consumers or drop records.
 */
public final class TopicBootstrap {

    /**
     * What a run did.
     *
     * @param created  topics made by this run
     * @param verified existing topics checked against the catalogue
     * @param altered  what this run changed on existing topics ("topic: key old -> new")
     */
    public record Result(List<String> created, List<String> verified, List<String> altered) {
        public Result(List<String> created, List<String> verified) {
            this(created, verified, List.of());
        }
    }

    private final Properties client;
    private final String bootstrapServers;
    private final short replicationFactor;
    private final Duration timeout;

    /**
     * @param client            a client's base settings: broker address(es) and credentials
     *                          ({@code dev.marina.schemas.access.KafkaAccess})
     * @param replicationFactor replicas of each new topic (1 for a local single broker)
     * @param timeout           the whole run, including reaching the broker
     */
    public TopicBootstrap(Properties client, short replicationFactor, Duration timeout) {
        this.client = client;
        this.bootstrapServers = client.getProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG);
        this.replicationFactor = replicationFactor;
        this.timeout = timeout;
    }

    public Result ensure(Collection<? extends TopicSpec<?>> topics) {
        Properties props = new Properties();
        props.putAll(client);
        int timeoutMs = (int) timeout.toMillis();
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMs);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.min(timeoutMs, 10_000));
        // Do not spin on an unreachable address: back off between connection attempts.
        props.put(AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, 200);
        props.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 2_000);
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "marina-topic-bootstrap");
        try (Admin admin = Admin.create(props)) {
            return ensure(admin, topics);
        }
    }

    /** Runs against a given admin client (which the caller closes). */
    public Result ensure(Admin admin, Collection<? extends TopicSpec<?>> topics) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Set<String> existing = await(admin.listTopics().names(), deadline, "list topics");

        List<TopicSpec<?>> missing = topics.stream().filter(t -> !existing.contains(t.name())).collect(Collectors.toList());
        List<String> created = new ArrayList<>();
        if (!missing.isEmpty()) {
            List<NewTopic> newTopics = missing.stream()
                    .map(t -> new NewTopic(t.name(), t.partitions(), replicationFactor).configs(t.configs()))
                    .toList();
            CreateTopicsResult result = admin.createTopics(newTopics);
            for (TopicSpec<?> t : missing) {
                try {
                    await(result.values().get(t.name()), deadline, "create topic " + t.name());
                    created.add(t.name());
                } catch (TopicBootstrapException e) {
                    // Somebody else created it in the meantime: verify it like any existing topic.
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
        }

        List<TopicSpec<?>> toVerify = topics.stream().filter(t -> !created.contains(t.name())).collect(Collectors.toList());
        List<String> altered = new ArrayList<>();
        List<String> differences = verify(admin, toVerify, deadline, altered);
        if (!differences.isEmpty()) {
            throw new TopicMismatchException(bootstrapServers, differences);
        }
        return new Result(List.copyOf(created), toVerify.stream().map(TopicSpec::name).toList(), List.copyOf(altered));
    }

    /** Differences that cannot be fixed in place; safe ones are altered (and listed in {@code altered}). */
    private List<String> verify(Admin admin, List<TopicSpec<?>> topics, long deadline, List<String> altered) {
        if (topics.isEmpty()) {
            return List.of();
        }
        List<String> names = topics.stream().map(TopicSpec::name).toList();
        Map<String, TopicDescription> descriptions = describeWhenKnown(admin, names, deadline);
        Map<ConfigResource, TopicSpec<?>> resources = new HashMap<>();
        for (TopicSpec<?> t : topics) {
            resources.put(new ConfigResource(ConfigResource.Type.TOPIC, t.name()), t);
        }
        Map<ConfigResource, Config> configs = await(admin.describeConfigs(resources.keySet()).all(), deadline, "describe topic configs");

        List<String> differences = new ArrayList<>();
        Map<ConfigResource, Collection<AlterConfigOp>> changes = new HashMap<>();
        List<String> changed = new ArrayList<>();
        for (TopicSpec<?> t : topics) {
            int partitions = descriptions.get(t.name()).partitions().size();
            if (partitions != t.partitions()) {
                differences.add(t.name() + ": has " + partitions + " partitions, the catalogue says " + t.partitions());
            }
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, t.name());
            Config config = configs.get(resource);
            new TreeMap<>(t.configs()).forEach((key, expected) -> {
                ConfigEntry entry = config.get(key);
                String actual = entry == null ? null : entry.value();
                if (expected.equals(actual)) {
                    return;
                }
                if (TopicSpec.ALTERABLE_CONFIGS.contains(key)) {
                    changes.computeIfAbsent(resource, r -> new ArrayList<>())
                            .add(new AlterConfigOp(new ConfigEntry(key, expected), AlterConfigOp.OpType.SET));
                    changed.add(t.name() + ": " + key + " " + actual + " -> " + expected);
                } else {
                    differences.add(t.name() + ": " + key + " is " + actual + ", the catalogue says " + expected);
                }
            });
        }
        // Alter only when nothing else is wrong: a topic set that cannot be used stays exactly as found.
        if (differences.isEmpty() && !changes.isEmpty()) {
            await(admin.incrementalAlterConfigs(changes).all(), deadline, "alter topic configs " + changed);
            altered.addAll(changed);
        }
        return differences;
    }

    /** A topic created a moment ago (by us or a peer) may not be in the broker's metadata yet: wait for it. */
    private Map<String, TopicDescription> describeWhenKnown(Admin admin, List<String> names, long deadline) {
        while (true) {
            try {
                return await(admin.describeTopics(names).allTopicNames(), deadline, "describe topics");
            } catch (TopicBootstrapException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
                    throw e;
                }
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TopicBootstrapException("describe topics interrupted", e);
            }
        }
    }

    private <T> T await(KafkaFuture<T> future, long deadlineNanos, String what) {
        long remaining = Math.max(0, deadlineNanos - System.nanoTime());
        try {
            return future.get(remaining, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new TopicBootstrapException("Kafka broker at " + bootstrapServers + " did not answer within "
                    + timeout.toSeconds() + " s (" + what + "); is it running?", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof org.apache.kafka.common.errors.TimeoutException) {
                throw new TopicBootstrapException("Kafka broker at " + bootstrapServers + " did not answer within "
                        + timeout.toSeconds() + " s (" + what + "); is it running?", cause);
            }
            throw new TopicBootstrapException(what + " failed against " + bootstrapServers + ": " + cause.getMessage(), cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TopicBootstrapException(what + " interrupted", e);
        }
    }

    /** The bootstrap could not finish: broker unreachable, or a request failed. */
    public static class TopicBootstrapException extends RuntimeException {
        public TopicBootstrapException(String message, Throwable cause) {
            super(message, cause);
        }

        TopicBootstrapException(String message) {
            super(message);
        }
    }

    /** Existing topics differ from the catalogue; the message lists every difference. */
    public static final class TopicMismatchException extends TopicBootstrapException {
        private final List<String> differences;

        TopicMismatchException(String bootstrapServers, List<String> differences) {
            super("topics on " + bootstrapServers + " differ from the catalogue (fix or delete them; the platform"
                    + " changes an existing topic only in its record limit):\n  " + String.join("\n  ", differences));
            this.differences = List.copyOf(differences);
        }

        public List<String> differences() {
            return differences;
        }
    }
}
