package dev.marina.bench;

import dev.marina.schemas.serde.Decoded;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.DnsEvent;
import dev.marina.schemas.v1.DnsOutcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Tails {@code dns-events} from its end and notes, per command id, the answer and when this JVM saw
 * it ({@link System#nanoTime()}, the clock the benchmark's sends are timed with).
 */
final class DnsAnswers implements AutoCloseable {

    record Answer(DnsOutcome outcome, String reason, long seenNanos) {}

    private final Map<String, Answer> seen = new ConcurrentHashMap<>();
    private final KafkaConsumer<String, byte[]> consumer;
    private final Thread thread;
    private volatile boolean running = true;

    DnsAnswers(Properties client) {
        Properties props = new Properties();
        props.putAll(client);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        consumer.partitionsFor(Topics.DNS_EVENTS.name())
                .forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position);
        thread = new Thread(this::run, "dns-answers");
        thread.setDaemon(true);
        thread.start();
    }

    /** Waits for the answer to one command; fails unless it is APPLIED. */
    Answer await(String commandId, Duration timeout) throws InterruptedException {
        return awaitAll(List.of(commandId), timeout).get(0);
    }

    /** Waits for the answers to all these commands, in their order; fails unless every one is APPLIED. */
    List<Answer> awaitAll(Collection<String> commandIds, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<Answer> answers = new ArrayList<>(commandIds.size());
            String missing = null;
            for (String id : commandIds) {
                Answer answer = seen.get(id);
                if (answer == null) {
                    missing = id;
                    break;
                }
                if (answer.outcome() != DnsOutcome.DNS_OUTCOME_APPLIED) {
                    throw new IllegalStateException("command " + id + " answered " + answer.outcome() + ": " + answer.reason());
                }
                answers.add(answer);
            }
            if (missing == null) {
                return answers;
            }
            if (System.nanoTime() > deadline) {
                long answered = commandIds.stream().filter(seen::containsKey).count();
                throw new IllegalStateException("only " + answered + " of " + commandIds.size() + " commands answered within "
                        + timeout.toSeconds() + " s; first missing: " + missing);
            }
            Thread.sleep(1);
        }
    }

    private void run() {
        while (running) {
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(50))) {
                long now = System.nanoTime();
                if (r.value() != null && ProtoJsonSerde.fromJson(DnsEvent.getDefaultInstance(), r.value()) instanceof Decoded.Ok<DnsEvent> ok) {
                    DnsEvent event = ok.value();
                    seen.put(event.getCommandId(), new Answer(event.getOutcome(), event.getReason(), now));
                }
            }
        }
        consumer.close();
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(5_000);
    }
}
