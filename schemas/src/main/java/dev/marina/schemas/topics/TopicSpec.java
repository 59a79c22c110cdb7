package dev.marina.schemas.topics;

import com.google.protobuf.Message;
import dev.marina.schemas.serde.Decoded;
import dev.marina.schemas.serde.ProtoJsonSerde;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * One topic of the catalogue: everything code and tests need to produce to it, consume from it and
 * create it. Instances live in {@link Topics}; a topic name is written only there.
 *
 * @param name        the Kafka topic name
 * @param key         what the record key is
 * @param prototype   the default instance of the value's message type (proto3 JSON on the wire)
 * @param partitions  partition count; deployment-keyed topics share one count to stay co-partitioned
 * @param cleanup     delete (events) or compact (state)
 * @param retention   how long records are kept; empty means forever (compacted state)
 * @param writer      the one service that writes the topic, or "any" for open intake topics
 * @param description one line for the README's topic table
 * @param maxMessageBytes the largest record batch the broker takes on this topic ({@code max.message.bytes}),
 *                    sized to what its payloads need: a record beyond it is refused at the producer
 */
public record TopicSpec<V extends Message>(
        String name,
        KeyKind key,
        V prototype,
        int partitions,
        CleanupPolicy cleanup,
        Optional<Duration> retention,
        String writer,
        String description,
        int maxMessageBytes) {

    /** The broker's own default ({@code message.max.bytes}): what a topic gets when nothing smaller was chosen. */
    public static final int BROKER_DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

    /**
     * Topic settings the bootstrap may change on an existing topic to match the catalogue: only those
     * that neither move keys nor drop records ({@code max.message.bytes} only bounds what comes next).
     */
    public static final java.util.Set<String> ALTERABLE_CONFIGS = java.util.Set.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);

    /** What a topic's record key holds. All keys are UTF-8 strings. */
    public enum KeyKind {
        /** {@code "<tenant>/<name>"}, see {@link DeploymentKey}. */
        DEPLOYMENT("tenant/name"),
        /** {@code "<tenant>/<name>#<purpose>"}: one group of a deployment's DNS records, see {@link DnsWishKey}. */
        DNS_WISH("tenant/name#purpose"),
        /** {@code "<tenant>/<name>#<backup id>"}: one backup of a deployment, see {@link BackupKey}. */
        BACKUP("tenant/name#backup"),
        /** The key of the record that could not be used, byte for byte. */
        ORIGINAL("original key"),
        /** An API token's id (never the token). */
        TOKEN_ID("token id"),
        /** A tenant, or {@code "-"} for what concerns no tenant. */
        TENANT("tenant"),
        /** A service's name (the topic carries no records: see {@code Topics.LEADERS}). */
        SERVICE("service");

        private final String shape;

        KeyKind(String shape) {
            this.shape = shape;
        }

        /** How the key looks, for people (the README's topic table). */
        public String shape() {
            return shape;
        }
    }

    public TopicSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(prototype, "prototype");
        Objects.requireNonNull(cleanup, "cleanup");
        Objects.requireNonNull(retention, "retention");
        if (partitions < 1) {
            throw new IllegalArgumentException(name + ": partitions must be >= 1");
        }
        if (maxMessageBytes < 1024) {
            throw new IllegalArgumentException(name + ": maxMessageBytes must be >= 1024");
        }
    }

    /** A topic with the broker's default record limit. */
    public TopicSpec(String name, KeyKind key, V prototype, int partitions, CleanupPolicy cleanup,
            Optional<Duration> retention, String writer, String description) {
        this(name, key, prototype, partitions, cleanup, retention, writer, description, BROKER_DEFAULT_MAX_MESSAGE_BYTES);
    }

    @SuppressWarnings("unchecked")
    public Class<V> valueType() {
        return (Class<V>) prototype.getClass();
    }

    public String valueTypeName() {
        return prototype.getDescriptorForType().getFullName();
    }

    /** Retention in milliseconds as Kafka's {@code retention.ms} spells it: -1 for forever. */
    public long retentionMs() {
        return retention.map(Duration::toMillis).orElse(-1L);
    }

    /** The topic-level configs the bootstrap sets and verifies. */
    public Map<String, String> configs() {
        return Map.of(
                TopicConfig.CLEANUP_POLICY_CONFIG, cleanup.kafkaValue(),
                TopicConfig.RETENTION_MS_CONFIG, Long.toString(retentionMs()),
                TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(maxMessageBytes));
    }

    public Serde<String> keySerde() {
        return Serdes.String();
    }

    /** Strict value serde for producers and for consumers that may throw. */
    public ProtoJsonSerde<V> valueSerde() {
        return ProtoJsonSerde.of(prototype);
    }

    /** Value serde for consumers: never throws on bad bytes, yields {@link Decoded.Failed} instead. */
    public Serde<Decoded<V>> decodingSerde() {
        return ProtoJsonSerde.of(prototype).decoding();
    }
}
