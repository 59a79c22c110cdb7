package dev.marina.healthmonitor;

import dev.marina.schemas.topics.Topics;
import dev.marina.service.KafkaClients;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * Fetches the end offset of every heartbeats partition from the broker every {@link #INTERVAL}, on a thread of its
 * own, for the stream tasks to know whether they have read to the end ({@link ReadHorizon}). Its own thread and its
 * own Admin client, so that a stream thread that is starved or busy rebalancing does not also stop the one fact that
 * tells it it is behind. A failed fetch keeps the last one, which ages: past {@link #STALE} the tasks stop trusting it.
 */
public final class HeartbeatEndWatcher implements HeartbeatEnds, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(HeartbeatEndWatcher.class);
    /** Short beside suspect-after (600 ms): a partition whose instances all died is judged at most this late. */
    static final Duration INTERVAL = Duration.ofMillis(250);
    /** An end offset fetched longer ago than this is not trusted (see {@link ReadHorizon}). */
    static final Duration STALE = Duration.ofSeconds(10);
    private static final Duration FAILURE_LOG_SPACING = Duration.ofMinutes(1);

    private final Map<Integer, PartitionEnd> ends = new ConcurrentHashMap<>();
    private final ScheduledExecutorService scheduler;
    private final Admin admin;
    private long lastFailureLog;
    /** When the last fetch that answered was sent (epoch ms; 0: none yet). */
    private volatile long lastFetchedAt;

    /** Starts fetching at once. {@code clientProperties}: how to reach the broker (address, security). */
    public HeartbeatEndWatcher(Properties clientProperties, MeterRegistry registry) {
        admin = Admin.create(KafkaClients.probingAdmin(clientProperties, "health-monitor-heartbeat-ends", Duration.ofSeconds(2)));
        Gauge.builder("marina.health.heartbeat.ends.age", this, HeartbeatEndWatcher::ageSeconds).baseUnit("seconds")
                .description("How old the newest fetch of the heartbeats partitions' end offsets is; past "
                        + STALE.toSeconds() + " s tasks judge by their reading alone")
                .register(registry);
        scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "heartbeat-ends");
            thread.setDaemon(true);
            return thread;
        });
        scheduler.scheduleWithFixedDelay(this::fetch, 0, INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public PartitionEnd of(int partition) {
        return ends.get(partition);
    }

    private void fetch() {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        for (int partition = 0; partition < Topics.HEARTBEATS.partitions(); partition++) {
            request.put(new TopicPartition(Topics.HEARTBEATS.name(), partition), OffsetSpec.latest());
        }
        long sentAt = System.currentTimeMillis();
        try {
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> result = admin
                    .listOffsets(request, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                    .all().get(STALE.toMillis(), TimeUnit.MILLISECONDS);
            result.forEach((partition, info) ->
                    ends.compute(partition.partition(), (p, previous) -> PartitionEnd.next(previous, info.offset(), sentAt)));
            lastFetchedAt = sentAt;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            long now = System.currentTimeMillis();
            if (now - lastFailureLog >= FAILURE_LOG_SPACING.toMillis()) {
                lastFailureLog = now;
                LOG.warnf("heartbeat end offsets not fetched (silence is judged by reading alone until they are): %s",
                        e.getCause() != null ? e.getCause() : e);
            }
        }
    }

    private double ageSeconds() {
        long fetched = lastFetchedAt;
        return fetched == 0 ? Double.NaN : (System.currentTimeMillis() - fetched) / 1000.0;
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        admin.close(Duration.ofSeconds(1));
    }
}
