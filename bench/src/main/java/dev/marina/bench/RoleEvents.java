package dev.marina.bench;

import com.google.protobuf.Message;
import com.google.protobuf.util.Timestamps;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.AgentCommand;
import dev.marina.schemas.v1.AgentEvent;
import dev.marina.schemas.v1.AgentOp;
import dev.marina.schemas.v1.AgentOutcome;
import dev.marina.schemas.v1.Health;
import dev.marina.schemas.v1.InstanceHealth;
import dev.marina.schemas.v1.RoleChange;
import dev.marina.schemas.v1.RoleChangeKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Follows one deployment's role-change facts as a {@code read_committed} consumer: health records
 * ({@code instance-health}), the reconciler's commands ({@code agent-commands}), agents' answers
 * ({@code agent-events}) and the history ({@code role-changes}). Times are the records' own fields (the
 * monitor's detection time, the agent's observation time, the reconciler's times), for commands the
 * record's timestamp (when the reconciler produced it); every producer runs on this machine, one clock.
 */
final class RoleEvents implements AutoCloseable {

    private final String deploymentKey;
    private final KafkaConsumer<String, byte[]> consumer;
    private final List<InstanceHealth> health = new ArrayList<>();
    private final List<AgentEvent> answers = new ArrayList<>();
    private final List<Sent> commands = new ArrayList<>();
    private final List<RoleChange> changes = new ArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;

    /** A command and when it was produced. */
    record Sent(AgentCommand command, long atMillis) {}

    RoleEvents(Properties client, String deploymentKey) {
        this.deploymentKey = deploymentKey;
        Properties props = new Properties();
        props.putAll(client);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : List.of(Topics.INSTANCE_HEALTH.name(), Topics.AGENT_COMMANDS.name(), Topics.AGENT_EVENTS.name(),
                Topics.ROLE_CHANGES.name())) {
            consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        thread = new Thread(this::run, "role-events");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        while (running) {
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(20))) {
                if (!deploymentKey.equals(r.key()) || r.value() == null) {
                    continue;
                }
                String topic = r.topic();
                if (topic.equals(Topics.INSTANCE_HEALTH.name())) {
                    decode(InstanceHealth.getDefaultInstance(), r.value()).ifPresent(v -> add(health, v));
                } else if (topic.equals(Topics.AGENT_COMMANDS.name())) {
                    long at = r.timestamp();
                    decode(AgentCommand.getDefaultInstance(), r.value()).ifPresent(v -> add(commands, new Sent(v, at)));
                } else if (topic.equals(Topics.AGENT_EVENTS.name())) {
                    decode(AgentEvent.getDefaultInstance(), r.value()).ifPresent(v -> add(answers, v));
                } else {
                    decode(RoleChange.getDefaultInstance(), r.value()).ifPresent(v -> add(changes, v));
                }
            }
        }
        consumer.close();
    }

    private static <T extends Message> Optional<T> decode(T prototype, byte[] json) {
        var decoded = ProtoJsonSerde.fromJson(prototype, json);
        return decoded.isOk() ? Optional.of(decoded.value()) : Optional.empty();
    }

    private synchronized <T> void add(List<T> list, T value) {
        list.add(value);
    }

    /** The first DOWN record of {@code instanceId} detected after {@code afterMillis}. */
    Optional<InstanceHealth> down(String instanceId, long afterMillis, Duration wait) throws InterruptedException {
        return await(health, h -> h.getInstanceId().equals(instanceId) && h.getHealth() == Health.HEALTH_DOWN
                && Timestamps.toMillis(h.getDetectedAt()) >= afterMillis, wait);
    }

    /** The first successful PROMOTE answer (command {@code …/promote/<instance>/<epoch>}) observed after {@code afterMillis}. */
    Optional<AgentEvent> promoted(long afterMillis, Duration wait) throws InterruptedException {
        return await(answers, e -> e.getCommandId().contains("/promote/") && e.getOutcome() == AgentOutcome.AGENT_OUTCOME_DONE
                && Timestamps.toMillis(e.getObservedAt()) >= afterMillis, wait);
    }

    /** The PROMOTE command sent to {@code instanceId} after {@code afterMillis}. */
    Optional<Sent> promoteSent(String instanceId, long afterMillis, Duration wait) throws InterruptedException {
        return await(commands, c -> c.command().getOp() == AgentOp.AGENT_OP_PROMOTE && c.command().getInstanceId().equals(instanceId)
                && c.atMillis() >= afterMillis, wait);
    }

    /** The failover of {@code oldPrimary} recorded on role-changes, detected after {@code afterMillis}. */
    Optional<RoleChange> failover(String oldPrimary, long afterMillis, Duration wait) throws InterruptedException {
        return await(changes, c -> c.getKind() == RoleChangeKind.ROLE_CHANGE_KIND_FAILOVER && c.getOldPrimary().equals(oldPrimary)
                && Timestamps.toMillis(c.getDetectedAt()) >= afterMillis, wait);
    }

    /** Every health record of the deployment detected after {@code afterMillis}, for a report on what went wrong. */
    synchronized List<InstanceHealth> healthSince(long afterMillis) {
        return health.stream().filter(h -> Timestamps.toMillis(h.getDetectedAt()) >= afterMillis).toList();
    }

    /** Every agent answer observed after {@code afterMillis}. */
    synchronized List<AgentEvent> answersSince(long afterMillis) {
        return answers.stream().filter(e -> Timestamps.toMillis(e.getObservedAt()) >= afterMillis).toList();
    }

    private <T> Optional<T> await(List<T> list, Predicate<T> match, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        do {
            synchronized (this) {
                for (T item : list) {
                    if (match.test(item)) {
                        return Optional.of(item);
                    }
                }
            }
            Thread.sleep(10);
        } while (System.nanoTime() < deadline);
        return Optional.empty();
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(5_000);
    }
}
