package dev.marina.testkit;

import static org.junit.jupiter.api.Assertions.fail;

import io.restassured.path.json.JsonPath;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Publishes {@link HostileRecords} to the shared broker and watches the dead-letter topic for what the
 * service under test made of them. Open it before publishing: it reads the dead letters written from
 * then on. Its clients start from {@link SharedKafka#clientProperties()}.
 */
public final class HostileRun implements AutoCloseable {

    /** Where a record landed. */
    public record Sent(HostileRecords.Hostile hostile, String topic, int partition, long offset) {
        public String describe() {
            return topic + "/" + partition + "@" + offset + " " + (hostile == null ? "valid record" : hostile.describe());
        }
    }

    /** The parts of a dead letter a test checks (read as proto3 JSON, so the test kit needs no contracts). */
    public record Letter(String consumer, String sourceTopic, int sourcePartition, long sourceOffset, String reason) {}

    private final String deadLetterTopic;
    private final KafkaProducer<byte[], byte[]> producer;
    private final KafkaConsumer<byte[], byte[]> letters;
    private final List<Letter> seen = new ArrayList<>();

    private HostileRun(String deadLetterTopic) {
        this.deadLetterTopic = deadLetterTopic;
        Properties p = SharedKafka.clientProperties();
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
        this.producer = new KafkaProducer<>(p);
        Properties c = SharedKafka.clientProperties();
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        this.letters = new KafkaConsumer<>(c);
        List<TopicPartition> partitions = letters.partitionsFor(deadLetterTopic, Duration.ofSeconds(30)).stream()
                .map(info -> new TopicPartition(deadLetterTopic, info.partition())).toList();
        letters.assign(partitions);
        letters.seekToEnd(partitions);
        partitions.forEach(letters::position); // fix the positions now, before anything is published
    }

    /** Starts watching {@code deadLetterTopic} (which must exist) from its end. */
    public static HostileRun watching(String deadLetterTopic) {
        return new HostileRun(deadLetterTopic);
    }

    /** Publishes every record (partitioned by key) and waits until the broker took them all. */
    public List<Sent> publish(String topic, List<HostileRecords.Hostile> records) {
        return publish(topic, null, records);
    }

    /** As {@link #publish(String, List)}, all to one partition when {@code partition} is not null. */
    public List<Sent> publish(String topic, Integer partition, List<HostileRecords.Hostile> records) {
        List<Future<RecordMetadata>> futures = new ArrayList<>();
        for (HostileRecords.Hostile h : records) {
            if (h.key() == null) {
                // in a batch of its own: a compacted topic refuses a keyless record, and with it its whole batch
                producer.flush();
            }
            futures.add(producer.send(new ProducerRecord<>(topic, partition, h.key(), h.value(), h.headers())));
            if (h.key() == null) {
                producer.flush();
            }
        }
        List<Sent> sent = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            HostileRecords.Hostile h = records.get(i);
            if (h.key() == null && refusedAsKeyless(futures.get(i))) {
                continue; // a compacted topic: the broker itself refuses a record without a key, no consumer sees one
            }
            RecordMetadata m = await(futures.get(i), h.describe());
            sent.add(new Sent(h, topic, m.partition(), m.offset()));
        }
        return sent;
    }

    /** Publishes one ordinary record (e.g. the valid one that must still be handled). */
    /** Publishes a valid record made by the caller (e.g. with headers that prove its sender). */
    public Sent publishValid(ProducerRecord<byte[], byte[]> record) {
        RecordMetadata m = await(producer.send(record), "valid record");
        return new Sent(null, record.topic(), m.partition(), m.offset());
    }

    public Sent publishValid(String topic, Integer partition, String key, byte[] value) {
        RecordMetadata m = await(producer.send(new ProducerRecord<>(topic, partition,
                key == null ? null : key.getBytes(StandardCharsets.UTF_8), value)), "valid record");
        return new Sent(null, topic, m.partition(), m.offset());
    }

    /**
     * Waits until {@code consumer} dead-lettered each of {@code expected} (matched by source topic,
     * partition and offset), and fails naming every record without a letter, or whose letter has no
     * reason. Returns each record's letter.
     */
    public Map<Sent, Letter> awaitLetters(String consumer, Collection<Sent> expected, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<Sent, Letter> found = new LinkedHashMap<>();
        while (true) {
            readLetters(Duration.ofMillis(200));
            for (Sent s : expected) {
                seen.stream().filter(l -> l.consumer().equals(consumer) && l.sourceTopic().equals(s.topic())
                        && l.sourcePartition() == s.partition() && l.sourceOffset() == s.offset())
                        .findFirst().ifPresent(l -> found.put(s, l));
            }
            if (found.size() == expected.size() || System.nanoTime() > deadline) {
                break;
            }
        }
        List<String> missing = new ArrayList<>();
        for (Sent s : expected) {
            Letter l = found.get(s);
            if (l == null) {
                missing.add("no dead letter from " + consumer + " for " + s.describe());
            } else if (l.reason().isBlank()) {
                missing.add("a dead letter without a reason for " + s.describe());
            }
        }
        if (!missing.isEmpty()) {
            fail(missing.size() + " of " + expected.size() + " records not dead-lettered as expected:\n  "
                    + String.join("\n  ", missing));
        }
        return found;
    }

    /** Every letter read so far (after a short read), e.g. to check that a record was not dead-lettered. */
    public List<Letter> letters() {
        readLetters(Duration.ofMillis(500));
        return List.copyOf(seen);
    }

    private void readLetters(Duration poll) {
        for (ConsumerRecord<byte[], byte[]> r : letters.poll(poll)) {
            if (r.value() == null) {
                continue;
            }
            JsonPath json = JsonPath.from(new String(r.value(), StandardCharsets.UTF_8));
            seen.add(new Letter(text(json, "consumer"), text(json, "sourceTopic"),
                    (int) number(json, "sourcePartition"), number(json, "sourceOffset"), text(json, "reason")));
        }
    }

    private static String text(JsonPath json, String field) {
        String v = json.getString(field);
        return v == null ? "" : v;
    }

    /** proto3 JSON leaves zeros out and writes int64 as a string. */
    private static long number(JsonPath json, String field) {
        String v = json.getString(field);
        return v == null ? 0 : Long.parseLong(v);
    }

    private static boolean refusedAsKeyless(Future<RecordMetadata> f) {
        try {
            f.get(30, TimeUnit.SECONDS);
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            return e.getCause() instanceof org.apache.kafka.common.InvalidRecordException;
        } catch (Exception e) {
            return false;
        }
    }

    private static RecordMetadata await(Future<RecordMetadata> f, String what) {
        try {
            return f.get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("the broker did not take " + what + ": " + e, e);
        }
    }

    /**
     * Waits for a record on {@code topic}, written after this call, whose value contains {@code text}
     * (e.g. a request or command id in the answer to the valid record); fails after the timeout.
     * Call it with a {@code send} that publishes the record, so that nothing is missed.
     */
    public void awaitValueContaining(String topic, String text, Runnable send, Duration timeout) {
        Properties c = SharedKafka.clientProperties();
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(info -> new TopicPartition(topic, info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position);
            send.run();
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.value() != null && new String(r.value(), StandardCharsets.UTF_8).contains(text)) {
                        return;
                    }
                }
            }
        }
        fail("nothing on " + topic + " containing \"" + text + "\" within " + timeout);
    }

    /** Fails unless the service under test answers ready at {@code /q/health/ready} (rest-assured's port). */
    public static void assertReady() {
        io.restassured.RestAssured.given().get("/q/health/ready").then().statusCode(200)
                .body("status", org.hamcrest.Matchers.equalTo("UP"));
    }

    /** Fails naming each topic the service reads that has no hostile-record test. */
    public static void assertEveryInputCovered(Collection<String> inputs, Collection<String> covered) {
        List<String> uncovered = inputs.stream().filter(t -> !covered.contains(t)).sorted().toList();
        if (!uncovered.isEmpty()) {
            fail("topics read by the service without a hostile-record test: " + uncovered);
        }
    }

    public String deadLetterTopic() {
        return deadLetterTopic;
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
        letters.close(Duration.ofSeconds(5));
    }
}
