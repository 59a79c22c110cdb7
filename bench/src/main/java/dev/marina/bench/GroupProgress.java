package dev.marina.bench;

import dev.marina.schemas.topics.TopicSpec;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * How far a consumer group has read a topic, as the broker knows it: the group's committed offsets
 * against the topic's end offsets, summed over partitions. For a Kafka Streams application under
 * exactly-once the committed offsets move with each committed transaction, so "committed" counts the
 * records whose effects (store writes, output) are committed too.
 */
final class GroupProgress implements AutoCloseable {

    /** One reading: records committed by the group and records in the topic, at {@code nanos}. */
    record Reading(long nanos, long committed, long end) {
        long lag() {
            return end - committed;
        }
    }

    private final Admin admin;
    private final String group;

    GroupProgress(Properties client, String group) {
        Properties props = new Properties();
        props.putAll(client);
        this.admin = Admin.create(props);
        this.group = group;
    }

    Reading read(TopicSpec<?> topic) throws InterruptedException {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int p = 0; p < topic.partitions(); p++) {
            latest.put(new TopicPartition(topic.name(), p), OffsetSpec.latest());
        }
        try {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(latest).all()
                    .get(10, TimeUnit.SECONDS);
            long nanos = System.nanoTime();
            long committed = 0;
            long end = 0;
            for (TopicPartition tp : latest.keySet()) {
                OffsetAndMetadata o = offsets.get(tp);
                committed += o == null ? 0 : o.offset();
                end += ends.get(tp).offset();
            }
            return new Reading(nanos, committed, end);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot read the offsets of group " + group + " on " + topic.name(), e);
        }
    }

    /** Waits until the group has read the topic to its end; returns that reading. */
    Reading awaitCaughtUp(TopicSpec<?> topic, long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000;
        while (true) {
            Reading r = read(topic);
            if (r.lag() == 0) {
                return r;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(group + " still " + r.lag() + " records behind on " + topic.name()
                        + " after " + timeoutMs / 1000 + " s");
            }
            Thread.sleep(100);
        }
    }

    @Override
    public void close() {
        admin.close();
    }
}
