package dev.marina.healthmonitor;

import static dev.marina.healthmonitor.Fixtures.DEPLOYMENT;
import static dev.marina.healthmonitor.Fixtures.INSTANCE;
import static dev.marina.healthmonitor.Fixtures.REPLICA_2;
import static dev.marina.healthmonitor.Fixtures.REPLICA_3;
import static dev.marina.healthmonitor.Fixtures.T0;
import static dev.marina.healthmonitor.Fixtures.heartbeat;
import static dev.marina.healthmonitor.Fixtures.stored;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.Message;
import dev.marina.schemas.v1.Health;
import dev.marina.schemas.v1.InstanceHealth;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

/**
 * Streams initialises a task's processor again when it revives the task (after a dirty close under exactly-once),
 * possibly over a store wiped and restored in between: what the processor keeps in memory must follow the store,
 * not add to what it held.
 */
class HeartbeatProcessorRestartTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final MockProcessorContext<String, Message> context = new MockProcessorContext<>();
    private final KeyValueStore<String, InstanceState> store = Stores.keyValueStoreBuilder(
                    Stores.inMemoryKeyValueStore(HealthTopology.STATE_STORE), Serdes.String(), new InstanceStateSerde())
            .withLoggingDisabled()
            .build();

    @Test
    void initialised_again_over_a_changed_store_it_judges_what_the_store_holds_and_counts_it_once() {
        store.init(context.getStateStoreContext(), store);
        context.addStateStore(store);
        for (String instance : List.of(INSTANCE, REPLICA_2, REPLICA_3)) {
            InstanceState state = stored(heartbeat(instance, T0, true, ""), Health.HEALTH_UP, T0);
            store.put(state.storeKey(), state);
        }
        HeartbeatProcessor processor = new HeartbeatProcessor(new HealthRules(HealthSettings.defaults()),
                Duration.ofMillis(100), new HealthMetrics(registry), HeartbeatEnds.UNKNOWN);

        processor.init(context);
        check(T0.plusMillis(100).toEpochMilli());
        assertEquals(3, tracked());

        // revived: closed, the store restored without the third instance, initialised again
        processor.close();
        store.delete(InstanceState.storeKey(DEPLOYMENT, REPLICA_3));
        context.resetForwards();
        processor.init(context);
        check(T0.plus(Duration.ofSeconds(2)).toEpochMilli());

        assertEquals(2, tracked(), "instances counted once, and only those the store holds");
        List<String> judged = context.forwarded().stream()
                .map(forwarded -> forwarded.record().value())
                .filter(InstanceHealth.class::isInstance)
                .map(value -> ((InstanceHealth) value).getInstanceId())
                .sorted()
                .toList();
        assertEquals(List.of(INSTANCE, REPLICA_2), judged, "silence judged for the stored instances only");
    }

    /** Fires the wall-clock check the processor scheduled last (each init schedules one). */
    private void check(long wallMillis) {
        List<MockProcessorContext.CapturedPunctuator> punctuators = context.scheduledPunctuators();
        punctuators.get(punctuators.size() - 1).getPunctuator().punctuate(wallMillis);
    }

    private double tracked() {
        return registry.get("marina.health.instances").gauge().value();
    }
}
