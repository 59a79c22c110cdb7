package dev.marina.agent.kafka;

import java.util.Properties;
import dev.marina.agent.AgentMetrics;
import dev.marina.agent.InstanceIdentity;
import dev.marina.agent.InstanceLog;
import dev.marina.schemas.proof.MessageProof;
import dev.marina.schemas.proof.ProofKeys;
import dev.marina.schemas.serde.Decoded;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.AgentCommand;
import dev.marina.schemas.v1.AgentEvent;
import dev.marina.service.DeadLetters;
import dev.marina.service.Publishing;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;

/**
 * The agent's one worker thread: first {@code onStart} (bring back a database deployed before, and
 * announce it), then
 * the commands of its deployment's partition of {@code agent-commands}, one at a time, in order.
 * Everything that changes the database happens on this thread, so nothing races.
 *
 * <p>Delivery is at least once: the position is saved (in the instance folder) only after the answer
 * or dead letter was acknowledged; when the broker does not take it, the command is handled again
 * later, which is harmless because handling is idempotent. Nothing is tried for ever: a command whose
 * handling throws {@link #ATTEMPTS} times, or whose answer the broker refuses for its content (too
 * large, not serialisable), goes to {@code dead-letters} with the reason and is skipped.
 *
 * <p>Not service-kit's {@code CommandWorker}, whose shape is different: an agent reads the one
 * partition its deployment key maps to (not every partition), keeps its position in its instance
 * folder rather than under a consumer group (one per instance would pile up groups), skips the
 * commands of the deployment's other instances, and starts from the CREATE's time; and a command whose
 * answer cannot be written is handled again later from the same offset instead of blocking the thread.
 * It shares the dead-letter record ({@code DeadLetters}).
 */
public final class CommandLoop implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(CommandLoop.class);
    private static final String CONSUMER = "agent";
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration RETRY_BACKOFF = Duration.ofSeconds(1);
    private static final String TOPIC = Topics.AGENT_COMMANDS.name();
    /** How often one command is tried when handling it throws, before it is dead-lettered and skipped. */
    static final int ATTEMPTS = 3;

    private final InstanceIdentity identity;
    private final ProofKeys proof;
    private final Properties kafka;
    private final OffsetFile offsets;
    private final Optional<Instant> commandsSince;
    private final EventPublisher publisher;
    private final Function<AgentCommand, AgentEvent> handler;
    private final Supplier<Optional<AgentEvent>> onStart;
    private final AgentMetrics metrics;
    private final Clock clock;
    private final Thread thread;

    private volatile boolean running = true;
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private long failingOffset = -1;
    private int failures;

    public CommandLoop(InstanceIdentity identity, ProofKeys proof, Properties kafka, OffsetFile offsets, Optional<Instant> commandsSince,
            EventPublisher publisher, Function<AgentCommand, AgentEvent> handler, Supplier<Optional<AgentEvent>> onStart, AgentMetrics metrics,
            Clock clock) {
        this.identity = identity;
        this.proof = proof;
        this.kafka = kafka;
        this.offsets = offsets;
        this.commandsSince = commandsSince;
        this.publisher = publisher;
        this.handler = handler;
        this.onStart = onStart;
        this.metrics = metrics;
        this.clock = clock;
        this.thread = new Thread(this::run, "agent-commands");
    }

    public void start() {
        thread.start();
    }

    private void run() {
        InstanceLog.tag(identity);
        try {
            onStart.get().ifPresent(this::announceUntilTaken);
        } catch (RuntimeException e) {
            LOG.errorf(e, "recovery at start failed reason=%s", e.getMessage());
        }
        while (running) {
            try {
                readCommands();
            } catch (WakeupException | InterruptException e) {
                // close() asked us to stop
            } catch (RuntimeException e) {
                LOG.errorf(e, "command consumer failed, starting it again in=%dms reason=%s", RETRY_BACKOFF.toMillis(), e.getMessage());
                pause(RETRY_BACKOFF);
            }
        }
    }

    private void readCommands() {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(
                ClientSettings.commandConsumer(kafka, "agent-" + identity.instanceId()))) {
            consumer = c;
            if (!running) {
                return;
            }
            TopicPartition partition = assign(c);
            StartPosition start = startPosition(c, partition);
            c.seek(partition, start.offset());
            LOG.infof("reading commands topic=%s partition=%d offset=%d why=%s", TOPIC, partition.partition(),
                    start.offset(), start.why());
            while (running) {
                for (ConsumerRecord<byte[], byte[]> record : c.poll(POLL)) {
                    if (!running) {
                        return;
                    }
                    if (!handle(record)) {
                        c.seek(partition, record.offset());
                        pause(RETRY_BACKOFF);
                        break;
                    }
                }
            }
        } finally {
            consumer = null;
        }
    }

    /** An answer nobody asked for (after a restart): nothing would repeat it, so retry until the broker takes it. */
    private void announceUntilTaken(AgentEvent event) {
        while (running) {
            try {
                publisher.answer(identity.deploymentKey(), event);
                return;
            } catch (EventPublisher.PublishException e) {
                LOG.warnf("announcement not written, retrying outcome=%s reason=%s", event.getOutcome(), e.getMessage());
                pause(RETRY_BACKOFF);
            }
        }
    }

    /** The one partition the deployment key maps to; waits for the broker and the topic. */
    private TopicPartition assign(KafkaConsumer<byte[], byte[]> c) {
        while (true) {
            if (!running) {
                throw new WakeupException();
            }
            List<PartitionInfo> partitions = c.partitionsFor(TOPIC, Duration.ofSeconds(10));
            if (partitions != null && !partitions.isEmpty()) {
                TopicPartition partition = new TopicPartition(TOPIC, CommandPartition.of(identity.deploymentKey(), partitions.size()));
                c.assign(List.of(partition));
                return partition;
            }
            LOG.warnf("topic not there yet, waiting topic=%s", TOPIC);
            pause(RETRY_BACKOFF);
        }
    }

    private StartPosition startPosition(KafkaConsumer<byte[], byte[]> c, TopicPartition partition) {
        OptionalLong saved = offsets.read();
        if (saved.isPresent()) {
            return StartPosition.choose(saved, commandsSince.isPresent(), OptionalLong.empty(), 0, 0);
        }
        long end = c.endOffsets(List.of(partition)).get(partition);
        long beginning = c.beginningOffsets(List.of(partition)).get(partition);
        OptionalLong firstSince = OptionalLong.empty();
        if (commandsSince.isPresent()) {
            OffsetAndTimestamp found = c.offsetsForTimes(Map.of(partition, commandsSince.get().toEpochMilli())).get(partition);
            firstSince = found == null ? OptionalLong.empty() : OptionalLong.of(found.offset());
        }
        StartPosition start = StartPosition.choose(saved, commandsSince.isPresent(), firstSince, end, beginning);
        offsets.write(start.offset());
        return start;
    }

    /** Handles one record; false when its outcome could not be written or handling failed (try it again later). */
    private boolean handle(ConsumerRecord<byte[], byte[]> record) {
        try {
            Decoded<AgentCommand> decoded = record.value() == null
                    ? Decoded.failed("no value (a tombstone on an event topic)", null)
                    : ProtoJsonSerde.fromJson(AgentCommand.getDefaultInstance(), record.value());
            if (decoded instanceof Decoded.Failed<AgentCommand> failed) {
                LOG.warnf("command undecodable, sent to dead letters offset=%d reason=%s", record.offset(), failed.reason());
                deadLetter(record, failed.raw(), failed.reason());
            } else if (!identity.instanceId().equals(decoded.value().getInstanceId())) {
                LOG.debugf("command for another instance, ignored offset=%d command=%s for=%s", record.offset(),
                        decoded.value().getCommandId(), decoded.value().getInstanceId());
            } else if (unproven(record, decoded.value())) {
                // refused, counted and dead-lettered; never carried out, and no answer (its command id is the sender's word)
            } else if (!carryOut(record, decoded.value())) {
                return false;
            }
            offsets.write(record.offset() + 1);
            return true;
        } catch (EventPublisher.PublishException e) {
            LOG.warnf("outcome not written, will handle the command again offset=%d reason=%s", record.offset(), e.getMessage());
            return false;
        }
    }

    /** Handles a command for this instance and writes its answer; false to try it again later. */
    private boolean carryOut(ConsumerRecord<byte[], byte[]> record, AgentCommand command) {
        AgentEvent answer;
        try {
            answer = handler.apply(command);
        } catch (RuntimeException e) {
            int attempt = record.offset() == failingOffset ? failures + 1 : 1;
            failingOffset = record.offset();
            failures = attempt;
            String why = e.getMessage() == null ? e.toString() : e.getMessage();
            if (attempt < ATTEMPTS) {
                LOG.warnf(e, "command failed, trying again offset=%d command=%s attempt=%d reason=%s", record.offset(),
                        command.getCommandId(), attempt, why);
                return false;
            }
            LOG.errorf(e, "command failed, skipped offset=%d command=%s attempts=%d reason=%s", record.offset(),
                    command.getCommandId(), attempt, why);
            deadLetter(record, json(command), "handling failed after " + attempt + " attempts: " + why);
            return true;
        }
        if (answer == null) {
            // carried on off this thread (a backup): answered when it ends
            return true;
        }
        try {
            publisher.answer(identity.deploymentKey(), answer);
        } catch (EventPublisher.PublishException e) {
            if (!Publishing.refusedForContent(e)) {
                throw e;
            }
            // sending it again cannot help: record why, and go on with the next command
            LOG.errorf("answer refused for its content, command skipped offset=%d command=%s reason=%s", record.offset(),
                    command.getCommandId(), e.getMessage());
            deadLetter(record, json(command), "the command's answer on " + Topics.AGENT_EVENTS.name() + " was refused: "
                    + e.getMessage());
        }
        return true;
    }

    private void deadLetter(ConsumerRecord<byte[], byte[]> record, byte[] value, String reason) {
        try {
            publisher.deadLetter(record.key(), DeadLetters.of(CONSUMER, record.topic(), record.partition(),
                    record.offset(), record.key(), value, reason, clock.instant()));
        } catch (EventPublisher.PublishException e) {
            if (!Publishing.refusedForContent(e)) {
                throw e;
            }
            // a letter is bounded and always fits; should the broker refuse it all the same, the record is skipped
            LOG.errorf("dead letter refused, command skipped offset=%d reason=%s", record.offset(), e.getMessage());
            return;
        }
        metrics.deadLettered();
    }

    private static byte[] json(AgentCommand command) {
        return ProtoJsonSerde.toJson(command).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /**
     * True when the command does not prove it comes from the platform for this instance: it is dead-lettered
     * with the reason ("proof missing: …", "proof invalid: …") and counted. Its epoch is never read, so a
     * forged command cannot raise the epoch and lock the reconciler out.
     */
    private boolean unproven(ConsumerRecord<byte[], byte[]> record, AgentCommand command) {
        MessageProof.Check check = MessageProof.verify(proof, record.topic(), record.headers(), record.key(), record.value(),
                command.getInstanceId());
        if (check.proven()) {
            return false;
        }
        LOG.warnf("command refused, it does not prove its sender offset=%d command=%s op=%s reason=%s", record.offset(),
                command.getCommandId(), command.getOp(), check.reason());
        deadLetter(record, record.value(), check.reason());
        metrics.commandRefusedForProof(check.outcome().label());
        return true;
    }

    private void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    /** Stops reading; a command being handled is finished first when it takes less than a few seconds. */
    @Override
    public void close() {
        running = false;
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        try {
            thread.join(5_000);
            if (thread.isAlive()) {
                thread.interrupt();
                thread.join(10_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
