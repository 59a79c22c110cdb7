package dev.marina.intent.reconcile;

import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.AgentCommand;
import dev.marina.schemas.v1.CertCommand;
import dev.marina.schemas.v1.DnsCommand;
import dev.marina.schemas.v1.InFlightAction;
import dev.marina.schemas.v1.ReconcilerState;
import dev.marina.service.Timestamps;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** One planning pass: the state being built and the commands collected. */
final class Pass {
    final ReconcilerState.Builder state;
    final Instant now;
    final List<PlannedCommand> commands = new ArrayList<>();

    private final PlanSettings settings;

    Pass(ReconcilerState.Builder state, Instant now, PlanSettings settings) {
        this.state = state;
        this.now = now;
        this.settings = settings;
    }

    PlanSettings settings() {
        return settings;
    }

    /** A record that is not a command (nothing waits for its effect), e.g. the history of a role change. */
    void emit(com.google.protobuf.Message record) {
        commands.add(new PlannedCommand(topicOf(record), record));
    }

    /** Sends the command unless it is in flight and not yet due again. */
    void ensure(String key, Duration timeout, Function<String, com.google.protobuf.Message> command) {
        InFlightAction current = state.getInFlightMap().get(key);
        if (current != null && Timestamps.toInstant(current.getRetryAt()).isAfter(now)) {
            return;
        }
        String commandId = current != null ? current.getCommandId() : commandId(key);
        int attempts = current == null ? 1 : current.getAttempts() + 1;
        Duration wait = backoff(timeout, attempts);
        state.putInFlight(key, InFlightAction.newBuilder()
                .setKey(key)
                .setCommandId(commandId)
                .setAttempts(attempts)
                .setFirstIssuedAt(current != null ? current.getFirstIssuedAt() : Timestamps.of(now))
                .setLastIssuedAt(Timestamps.of(now))
                .setRetryAt(Timestamps.of(now.plus(wait)))
                .build());
        com.google.protobuf.Message message = command.apply(commandId);
        commands.add(new PlannedCommand(topicOf(message), message));
    }

    private static dev.marina.schemas.topics.TopicSpec<?> topicOf(com.google.protobuf.Message message) {
        if (message instanceof AgentCommand) {
            return Topics.AGENT_COMMANDS;
        }
        if (message instanceof CertCommand) {
            return Topics.CERT_COMMANDS;
        }
        if (message instanceof dev.marina.schemas.v1.RoleChange) {
            return Topics.ROLE_CHANGES;
        }
        return message instanceof DnsCommand ? Topics.DNS_COMMANDS : Topics.PROVISION_COMMANDS;
    }

    /** The id a new command for this effect gets: deployment, generation, effect. */
    String commandId(String key) {
        return DeploymentKey.of(state.getDesired().getDeployment()) + "/" + state.getDesired().getGeneration() + "/" + key;
    }

    private Duration backoff(Duration timeout, int attempts) {
        Duration wait = timeout.multipliedBy(1L << Math.min(attempts - 1, 20));
        return wait.compareTo(settings.maxBackoff()) > 0 ? settings.maxBackoff() : wait;
    }
}
