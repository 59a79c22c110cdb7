package dev.marina.agent.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.junit.jupiter.api.Test;

class CommandPartitionTest {

    @Test
    void picks_the_partition_the_producers_default_partitioner_picks() {
        for (int i = 0; i < 500; i++) {
            String key = "tenant-" + i + "/db-" + (i * 7);
            for (int partitions : new int[] {1, 6, 12}) {
                assertEquals(BuiltInPartitioner.partitionForKey(key.getBytes(StandardCharsets.UTF_8), partitions),
                        CommandPartition.of(key, partitions), key + " over " + partitions);
            }
        }
    }
}
