package dev.marina.bench;

import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.serde.ProtoStoreSerde;
import dev.marina.schemas.v1.ReconcilerState;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The reconciler's state per deployment as the fleet has it: read from its store's changelog, then
 * measured in the store's format (protobuf bytes) against the proto3 JSON it replaced — size, and the
 * time to decode each, which every event and every resync scan pays.
 */
final class StoreSizes {
    static final String CHANGELOG = "intent-service-reconciler-store-changelog";
    private static final ProtoStoreSerde<ReconcilerState> STORE = ProtoStoreSerde.of(ReconcilerState.getDefaultInstance());

    private StoreSizes() {}

    static void print(Properties client) {
        Map<String, byte[]> latest = read(client);
        List<ReconcilerState> states = new ArrayList<>();
        latest.values().forEach(bytes -> states.add(STORE.deserializer().deserialize(CHANGELOG, bytes)));
        if (states.isEmpty()) {
            System.out.println("  reconciler state: none in " + CHANGELOG);
            return;
        }
        List<byte[]> binary = states.stream().map(s -> STORE.serializer().serialize(CHANGELOG, s)).collect(Collectors.toList());
        List<byte[]> json = states.stream().map(s -> ProtoJsonSerde.toJson(s).getBytes(StandardCharsets.UTF_8)).collect(Collectors.toList());
        ReconcilerState prototype = ReconcilerState.getDefaultInstance();
        // warm both decoders up, then time whole passes over the fleet (as a resync scan reads it)
        int rounds = Math.max(3, 20_000 / states.size());
        double binaryMicros = time(rounds, () -> binary.forEach(b -> STORE.deserializer().deserialize(CHANGELOG, b))) / states.size();
        double jsonMicros = time(rounds, () -> json.forEach(b -> ProtoJsonSerde.fromJson(prototype, b))) / states.size();
        System.out.printf("  reconciler state of %d deployments: protobuf mean %.0f B (max %d), JSON mean %.0f B (max %d)%n",
                states.size(), mean(binary), max(binary), mean(json), max(json));
        System.out.printf("  decode one state: protobuf %.1f µs, JSON %.1f µs (%.0fx); a scan of all: %.1f ms against %.1f ms%n",
                binaryMicros, jsonMicros, jsonMicros / binaryMicros, binaryMicros * states.size() / 1000, jsonMicros * states.size() / 1000);
    }

    private static Map<String, byte[]> read(Properties client) {
        Properties props = new Properties();
        props.putAll(client);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        Map<String, byte[]> latest = new HashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo p : consumer.partitionsFor(CHANGELOG, Duration.ofSeconds(10))) {
                partitions.add(new TopicPartition(CHANGELOG, p.partition()));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp)) && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> {
                    if (r.value() == null) {
                        latest.remove(r.key());
                    } else {
                        latest.put(r.key(), r.value());
                    }
                });
            }
        }
        return latest;
    }

    /** Microseconds per round. */
    private static double time(int rounds, Runnable round) {
        for (int i = 0; i < Math.max(1, rounds / 3); i++) {
            round.run();
        }
        long started = System.nanoTime();
        for (int i = 0; i < rounds; i++) {
            round.run();
        }
        return (System.nanoTime() - started) / 1e3 / rounds;
    }

    private static double mean(List<byte[]> values) {
        return values.stream().mapToInt(b -> b.length).average().orElse(0);
    }

    private static int max(List<byte[]> values) {
        return values.stream().mapToInt(b -> b.length).max().orElse(0);
    }
}
