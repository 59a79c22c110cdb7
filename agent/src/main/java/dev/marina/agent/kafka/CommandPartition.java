package dev.marina.agent.kafka;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.utils.Utils;

/**
 * The partition a deployment key's records land in: Kafka's default partitioner for keyed records
 * (murmur2 of the key bytes, made positive, modulo the partition count). The agent reads only this
 * partition of {@code agent-commands}, so this must match what producers do.
 */
public final class CommandPartition {
    private CommandPartition() {}

    public static int of(String deploymentKey, int partitions) {
        byte[] key = deploymentKey.getBytes(StandardCharsets.UTF_8);
        return Utils.toPositive(Utils.murmur2(key)) % partitions;
    }
}
