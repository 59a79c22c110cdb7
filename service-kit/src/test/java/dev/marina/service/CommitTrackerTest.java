package dev.marina.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class CommitTrackerTest {

    private static final TopicPartition P0 = new TopicPartition("cert-commands", 0);

    @Test
    void commits_only_up_to_the_first_unanswered_command() {
        CommitTracker tracker = new CommitTracker();
        tracker.started(P0, 10);
        tracker.started(P0, 11);
        tracker.started(P0, 12);

        tracker.done(P0, 11);
        tracker.done(P0, 12);
        assertEquals(Map.of(P0, new OffsetAndMetadata(10)), tracker.committable(), "10 is still open");

        tracker.committed(tracker.committable());
        assertEquals(Map.of(), tracker.committable(), "nothing new");

        tracker.done(P0, 10);
        assertEquals(Map.of(P0, new OffsetAndMetadata(13)), tracker.committable());
        assertEquals(0, tracker.inFlight());
    }
}
