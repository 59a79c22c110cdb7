package dev.marina.service.leader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.schemas.access.Role;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.LeaderClaim;
import dev.marina.testkit.SharedKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * {@link LeaderElection} against the real broker, as the provisioner's principal (its ACLs: the group
 * {@code provisioner-leader…} and the topic {@code leaders}): at most one copy leads at any moment, a
 * leader's work ends before another's begins, and a stalled leader stops leading before another is elected.
 */
class LeaderElectionIT {

    /** What the copies' work did, in order: "begin A", "end A", ... */
    private final List<String> events = new CopyOnWriteArrayList<>();

    @Test
    void one_of_two_copies_leads_and_the_other_begins_only_after_the_first_ended() throws Exception {
        String group = LeaderElection.group("provisioner") + "-" + UUID.randomUUID().toString().substring(0, 8);
        try (Overlap overlap = new Overlap();
             LeaderElection a = election("a", group, Duration.ofMinutes(5));
             LeaderElection b = election("b", group, Duration.ofMinutes(5))) {
            overlap.watch(a, b);
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> a.leading() || b.leading());
            LeaderElection leader = a.leading() ? a : b;
            LeaderElection other = leader == a ? b : a;
            String leaderName = leader == a ? "a" : "b";
            String otherName = leader == a ? "b" : "a";
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(other::member);
            Thread.sleep(2_000); // renewals go on; the standby copy stays a standby
            assertTrue(leader.leading(), "the leader keeps leading while it renews");
            assertFalse(other.leading(), "the other copy stands by");
            assertEquals(List.of("begin " + leaderName), events);
            assertEquals(leaderName, claimedBy(group), "the committed claim names the leader");

            leader.close();
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(other::leading);
            assertEquals(List.of("begin " + leaderName, "end " + leaderName, "begin " + otherName), events);
            assertTrue(other.generation() > 0, "elected in a later generation");
            assertEquals(0, overlap.both.get(), "moments when both copies led");
        }
    }

    @Test
    void a_stalled_leader_stops_leading_before_another_copy_is_elected() throws Exception {
        String group = LeaderElection.group("provisioner") + "-" + UUID.randomUUID().toString().substring(0, 8);
        // A copy whose election thread does not poll for 7 s leaves the group: as a copy paused past its session.
        try (Overlap overlap = new Overlap();
             LeaderElection a = election("a", group, Duration.ofSeconds(7));
             LeaderElection b = election("b", group, Duration.ofSeconds(7))) {
            overlap.watch(a, b);
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> a.leading() || b.leading());
            LeaderElection leader = a.leading() ? a : b;
            LeaderElection other = leader == a ? b : a;
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(other::member);
            long stalledAt = System.nanoTime();
            leader.stallFor(Duration.ofSeconds(14));
            Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10)).until(() -> !leader.leading());
            long stoppedAfter = Duration.ofNanos(System.nanoTime() - stalledAt).toMillis();
            Awaitility.await().atMost(Duration.ofSeconds(40)).until(other::leading);
            long otherAfter = Duration.ofNanos(System.nanoTime() - stalledAt).toMillis();
            assertTrue(stoppedAfter < otherAfter, "stalled leader stopped after " + stoppedAfter + " ms, the other led after " + otherAfter + " ms");
            assertEquals(0, overlap.both.get(), "moments when both copies led");
            // Once awake, the stalled copy ends its work and stands by.
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> events.size() >= 3);
            Thread.sleep(2_000);
            assertFalse(leader.leading(), "the copy that stalled does not lead again while the other does");
            assertEquals(0, overlap.both.get(), "moments when both copies led");
        }
    }

    private LeaderElection election(String name, String group, Duration maxPollInterval) {
        return LeaderElection.builder("provisioner", name, SharedKafka.clientProperties(Role.PROVISIONER))
                .group(group)
                .maxPollInterval(maxPollInterval)
                .work(generation -> {
                    events.add("begin " + name);
                    return () -> events.add("end " + name);
                })
                .build()
                .start();
    }

    private static String claimedBy(String group) throws Exception {
        try (Admin admin = Admin.create(SharedKafka.clientProperties())) {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get();
            OffsetAndMetadata o = offsets.get(new TopicPartition(Topics.LEADERS.name(), 0));
            return ProtoJsonSerde.fromJson(LeaderClaim.getDefaultInstance(), o.metadata().getBytes(StandardCharsets.UTF_8))
                    .value().getCopy();
        }
    }

    /** Samples both copies every few milliseconds and counts the moments both say they lead. */
    private static final class Overlap implements AutoCloseable {
        final AtomicInteger both = new AtomicInteger();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private Thread thread;

        void watch(LeaderElection a, LeaderElection b) {
            thread = new Thread(() -> {
                while (running.get()) {
                    if (a.leading() && b.leading()) {
                        both.incrementAndGet();
                    }
                    try {
                        Thread.sleep(2);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "overlap-watch");
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(1_000);
        }
    }
}
