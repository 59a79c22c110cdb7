package dev.marina.agent;

import dev.marina.schemas.v1.AgentOp;
import dev.marina.schemas.v1.AgentOutcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/** The agent's own figures, next to the shared JVM and HTTP metrics at {@code /q/metrics}. */
public final class AgentMetrics {

    private final MeterRegistry registry;

    public AgentMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public void commandHandled(AgentOp op, AgentOutcome outcome) {
        Counter.builder("marina.agent.commands").description("commands handled, by operation and outcome")
                .tag("op", op.name()).tag("outcome", outcome.name()).register(registry).increment();
    }

    /** How long it took until the database answered; {@code how} is STARTED or ADOPTED. */
    public void databaseStarted(String how, Duration took) {
        Timer.builder("marina.agent.database.start").description("time until the database answered")
                .tag("how", how).register(registry).record(took);
    }

    public void heartbeat(boolean sent) {
        Counter.builder("marina.agent.heartbeats").description("heartbeats, by whether the broker took them")
                .tag("result", sent ? "sent" : "lost").register(registry).increment();
    }

    /** A metric sample handed to the producer; {@code sent} when the broker took it, else lost. */
    public void metricSample(boolean sent) {
        Counter.builder("marina.agent.metric.samples").description("metric samples, by whether the broker took them")
                .tag("result", sent ? "sent" : "lost").register(registry).increment();
    }

    /** A tick without a sample; {@code reason} is a {@code SkipReason} tag (not_deployed, unreachable, stopping, failed). */
    public void metricSampleSkipped(String reason) {
        Counter.builder("marina.agent.metric.samples.skipped").description("metric sampling ticks without a sample, by reason")
                .tag("reason", reason).register(registry).increment();
    }

    /** How long collecting one sample took (queries, /proc, the folder walk) until it was handed to the producer. */
    public void metricSampleTaken(Duration took) {
        Timer.builder("marina.agent.metric.sample.duration").description("time to collect one metric sample")
                .register(registry).record(took);
    }

    /**
     * A command for this instance refused because it did not prove itself (no proof, or a proof that does
     * not hold); never carried out. {@code outcome} is missing or invalid.
     */
    public void commandRefusedForProof(String outcome) {
        Counter.builder("marina.agent.commands.unproven").description("commands refused for a missing or invalid proof, never carried out")
                .tag("outcome", outcome).register(registry).increment();
    }

    public void deadLettered() {
        Counter.builder("marina.agent.dead.letters").description("commands that could not be decoded")
                .register(registry).increment();
    }
}
