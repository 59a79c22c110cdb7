package dev.marina.agent.metrics;

import static dev.marina.schemas.metrics.MetricNames.CONNECTIONS;
import static dev.marina.schemas.metrics.MetricNames.CPU_PERCENT;
import static dev.marina.schemas.metrics.MetricNames.DISK_BYTES;
import static dev.marina.schemas.metrics.MetricNames.MEMORY_BYTES;
import static dev.marina.schemas.metrics.MetricNames.QUERIES_PER_SECOND;
import static dev.marina.schemas.metrics.MetricNames.QUERIES_TOTAL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.agent.AgentMetrics;
import dev.marina.agent.InstanceIdentity;
import dev.marina.schemas.v1.MetricSample;
import dev.marina.service.Timestamps;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The sampling tick with scripted figures: no database, no /proc, no broker. */
class MetricsSamplerTest {

    private static final long SERVER_PID = 4242;
    private static final long AGENT_PID = 7;
    private static final long SECOND = 1_000_000_000L;

    private final InstanceIdentity identity = new InstanceIdentity("acme-orders-1", "acme/orders", "127.10.0.3");
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final SamplingGate gate = new SamplingGate();
    private final Clock clock = Clock.fixed(Instant.parse("2026-11-21T10:00:00Z"), ZoneOffset.UTC);
    private final ScriptedDatabase database = new ScriptedDatabase();
    private final ScriptedHost host = new ScriptedHost();
    private long now = 1_000 * SECOND;
    private final List<MetricSample> published = new ArrayList<>();
    private final MetricsSampler sampler = new MetricsSampler(identity, database, host, AGENT_PID, gate,
            new AgentMetrics(registry), clock, () -> now);

    @Test
    void the_first_sample_carries_identity_counters_and_figures_of_the_moment_and_no_rates() {
        database.questions = 100;
        tick();
        MetricSample first = published.get(0);
        assertEquals("acme", first.getDeployment().getTenant());
        assertEquals("orders", first.getDeployment().getName());
        assertEquals("acme-orders-1", first.getInstanceId());
        assertEquals(clock.instant(), Timestamps.toInstant(first.getSampledAt()));
        assertEquals(100d, first.getCountersOrThrow(QUERIES_TOTAL));
        assertEquals(2d, first.getGaugesOrThrow(CONNECTIONS));
        assertEquals(3_000_000d, first.getGaugesOrThrow(MEMORY_BYTES));
        assertEquals(50_000_000d, first.getGaugesOrThrow(DISK_BYTES));
        assertFalse(first.containsGauges(QUERIES_PER_SECOND));
        assertFalse(first.containsGauges(CPU_PERCENT));
        assertEquals(1, sent());
    }

    @Test
    void a_paused_server_is_never_read_and_its_samples_say_no_clients_and_the_agents_memory_only() {
        database.questions = 100;
        tick();
        gate.markPaused(true);
        now += 5 * SECOND;
        tick();
        assertEquals(1, database.reads, "the paused server is not dialed (a connection would wake it)");
        MetricSample paused = published.get(1);
        assertEquals(0d, paused.getGaugesOrThrow(dev.marina.schemas.metrics.MetricNames.CLIENT_CONNECTIONS));
        assertEquals(0d, paused.getGaugesOrThrow(dev.marina.schemas.metrics.MetricNames.CLIENT_QUERIES_PER_SECOND));
        assertEquals(1_000_000d, paused.getGaugesOrThrow(MEMORY_BYTES), "the agent's alone: the server's memory is freed");
        assertEquals(50_000_000d, paused.getGaugesOrThrow(DISK_BYTES));
        assertEquals(0, paused.getCountersCount(), "counters start again with the next run");
        gate.markPaused(false);
        now += 5 * SECOND;
        tick();
        assertFalse(published.get(2).containsGauges(QUERIES_PER_SECOND), "no rate across the pause");
    }

    @Test
    void the_next_sample_has_rates_over_the_measured_time_between_the_two() {
        database.questions = 100;
        tick();
        now += 4 * SECOND;
        database.questions = 500;
        host.cpu.put(SERVER_PID, 2 * SECOND);
        tick();
        MetricSample second = published.get(1);
        assertEquals(100d, second.getGaugesOrThrow(QUERIES_PER_SECOND), 1e-9);
        assertEquals(50d, second.getGaugesOrThrow(CPU_PERCENT), 1e-9);
        assertEquals(2, sent());
    }

    @Test
    void skips_without_a_sample_when_no_database_is_deployed_and_counts_the_reason() {
        database.unavailable = new DatabaseFigures.Unavailable(SkipReason.NOT_DEPLOYED, "no database deployed");
        tick();
        tick();
        assertEquals(List.of(), published);
        assertEquals(2, skipped("not_deployed"));
    }

    @Test
    void after_the_database_was_unreachable_the_first_sample_again_has_no_rates() {
        tick();
        database.unavailable = new DatabaseFigures.Unavailable(SkipReason.UNREACHABLE, "Communications link failure");
        now += 5 * SECOND;
        tick();
        assertEquals(1, skipped("unreachable"));
        database.unavailable = null;
        now += 5 * SECOND;
        tick();
        assertEquals(2, published.size());
        assertFalse(published.get(1).containsGauges(QUERIES_PER_SECOND), "no rates across a gap");
        now += 5 * SECOND;
        tick();
        assertTrue(published.get(2).containsGauges(QUERIES_PER_SECOND));
    }

    @Test
    void skips_while_the_database_is_being_stopped_without_touching_it() {
        tick();
        AtomicBoolean ticked = new AtomicBoolean();
        gate.shutWhile(() -> {
            CompletableFuture.runAsync(this::tick).join(); // the sampling thread's tick during the stop
            ticked.set(true);
        });
        assertTrue(ticked.get());
        assertEquals(1, published.size());
        assertEquals(1, database.reads, "the database is not even queried");
        assertEquals(1, skipped("stopping"));
    }

    @Test
    void a_process_that_cannot_be_read_fails_the_tick_but_not_the_sampler() {
        host.gone = true;
        tick();
        assertEquals(List.of(), published);
        assertEquals(1, skipped("failed"));
        host.gone = false;
        tick();
        assertEquals(1, published.size());
    }

    @Test
    void a_server_that_answers_without_a_process_of_ours_fails_the_tick() {
        database.pid = OptionalLong.empty();
        tick();
        assertEquals(List.of(), published);
        assertEquals(1, skipped("failed"));
    }

    @Test
    void an_unexpected_error_fails_the_tick_and_leaves_the_gate_open() {
        database.broken = new IllegalArgumentException("SHOW GLOBAL STATUS has no Questions");
        tick();
        assertEquals(1, skipped("failed"));
        AtomicBoolean shut = new AtomicBoolean();
        gate.shutWhile(() -> shut.set(true)); // would wait forever if the tick had kept the gate
        assertTrue(shut.get());
    }

    @Test
    void records_how_long_a_sample_took() {
        tick();
        tick();
        assertEquals(2, registry.get("marina.agent.metric.sample.duration").timer().count());
    }

    private void tick() {
        sampler.tick(published::add);
    }

    /** The sampler counts samples it handed over; the loop counts whether the broker took them. */
    private long sent() {
        return registry.get("marina.agent.metric.sample.duration").timer().count();
    }

    private double skipped(String reason) {
        return registry.get("marina.agent.metric.samples.skipped").tag("reason", reason).counter().count();
    }

    private static final class ScriptedDatabase implements DatabaseFigures {
        long questions = 10;
        DatabaseFigures.Unavailable unavailable;
        RuntimeException broken;
        OptionalLong pid = OptionalLong.of(SERVER_PID);
        int reads;

        @Override
        public DatabaseReading read() throws Unavailable {
            reads++;
            if (unavailable != null) {
                throw unavailable;
            }
            if (broken != null) {
                throw broken;
            }
            return new DatabaseReading(new DatabaseStatus(60, 2, questions, 0, 1_000, 10, 0, 0), Replication.NOT_A_REPLICA);
        }

        @Override
        public OptionalLong serverPid() {
            return pid;
        }

        @Override
        public void close() {}
    }

    private static final class ScriptedHost implements HostFigures {
        final Map<Long, Long> cpu = new HashMap<>(Map.of(SERVER_PID, 0L, AGENT_PID, 0L));
        boolean gone;

        @Override
        public ProcessFigures process(long pid) throws IOException {
            if (gone) {
                throw new java.nio.file.NoSuchFileException("/proc/" + pid + "/stat");
            }
            return new ProcessFigures(pid, cpu.get(pid), pid == SERVER_PID ? 2_000_000 : 1_000_000);
        }

        @Override
        public long folderBytes() {
            return 50_000_000;
        }
    }
}
