package dev.marina.simulated;

import dev.marina.agent.AgentMetrics;
import dev.marina.agent.CommandHandler;
import dev.marina.agent.InstanceFiles;
import dev.marina.agent.InstanceIdentity;
import dev.marina.agent.SelfFencing;
import dev.marina.agent.decision.Lease;
import dev.marina.agent.kafka.HeartbeatLoop;
import dev.marina.agent.metrics.SamplingGate;
import dev.marina.schemas.proof.InstanceKey;
import dev.marina.schemas.v1.AgentCommand;
import dev.marina.schemas.v1.AgentEvent;
import dev.marina.schemas.v1.Heartbeat;
import dev.marina.service.SecretBox;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * One simulated instance: the agent's real {@link CommandHandler} (decisions, epochs, TLS keys and CSRs, certificate
 * checks, its state file) over a {@link SimulatedServer}, with the instance's proof key. The plane gives it commands
 * one at a time on its worker, and asks it for heartbeats from its timer.
 *
 * <p>"Killed" models a host that died: no heartbeat, no answer, the server stopped; the folder (data) stays, and a
 * revive starts the agent again the way a rebooted host would (its handler recovers from the state file).
 */
final class SimulatedInstance {

    final InstanceIdentity identity;
    final InstanceKey key;
    final Instant createdAt;
    final Instant commandsSince;
    final SimulatedServer server;
    private final InstanceFiles files;
    private final Supplier<SecretBox> secrets;
    private final AgentMetrics metrics;
    private final Clock clock;
    private final Duration lease;
    private volatile CommandHandler handler;
    private volatile SelfFencing fencing;
    private volatile boolean alive = true;
    private volatile boolean destroyed;
    private long sequence;

    SimulatedInstance(InstanceIdentity identity, InstanceKey key, Instant createdAt, Instant commandsSince, SimulatedServer server,
            InstanceFiles files, Supplier<SecretBox> secrets, AgentMetrics metrics, Clock clock, Duration lease) {
        this.identity = identity;
        this.key = key;
        this.createdAt = createdAt;
        this.commandsSince = commandsSince;
        this.server = server;
        this.files = files;
        this.secrets = secrets;
        this.metrics = metrics;
        this.clock = clock;
        this.lease = lease;
        startAgent();
    }

    /** A fresh agent over the instance's folder, as after a (re)boot: the handler reads its state file. */
    private void startAgent() {
        handler = new CommandHandler(identity, files, server, secrets, metrics, new SamplingGate(), clock, new Lease(lease),
                CommandHandler.PROMOTE_WAIT);
        fencing = new SelfFencing(identity, handler);
        sequence = 0;
    }

    void useUnaskedEvents(java.util.function.Consumer<AgentEvent> events) {
        handler.useUnaskedEvents(events);
    }

    /** What the agent does at its start: bring back what it deployed (or carry out the handed-over first command). */
    Optional<AgentEvent> recover() {
        return handler.recover();
    }

    AgentEvent handle(AgentCommand command) {
        return handler.handle(command);
    }

    /** The next heartbeat, after the primary's lease check (which may fence it); empty when the host is dead. */
    synchronized Optional<Heartbeat> heartbeat() {
        if (!alive || destroyed) {
            return Optional.empty();
        }
        fencing.check(System.nanoTime());
        server.tick();
        return Optional.of(HeartbeatLoop.heartbeat(identity, server.observe(), handler.roleFacts(), ++sequence, clock).toBuilder()
                .setAgentBuild(SimulatedPlane.AGENT_BUILD).build());
    }

    /** The broker took a heartbeat handed over at {@code sentAtNanos}: the primary's lease is renewed. */
    void acknowledged(long sentAtNanos) {
        fencing.acknowledged(sentAtNanos);
    }

    boolean alive() {
        return alive && !destroyed;
    }

    /** The host dies: the server stops with it; nothing is answered or sent until {@link #revive}. */
    synchronized void kill() {
        alive = false;
        server.stop();
        fencing.close();
    }

    /** The host comes back: a new agent, which recovers the instance from its folder. */
    synchronized Optional<AgentEvent> revive(java.util.function.Consumer<AgentEvent> unasked) {
        if (alive || destroyed) {
            return Optional.empty();
        }
        startAgent();
        useUnaskedEvents(unasked);
        alive = true;
        return recover();
    }

    void destroyed() {
        destroyed = true;
        server.stop();
        fencing.close();
    }

    boolean isDestroyed() {
        return destroyed;
    }

    InstanceFiles files() {
        return files;
    }
}
