package dev.marina.intent.reconcile;

import com.google.protobuf.Message;
import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.topics.TopicSpec;
import dev.marina.schemas.v1.ActionKey;
import dev.marina.schemas.v1.InFlightAction;
import dev.marina.schemas.v1.ReconcilerState;
import dev.marina.service.Timestamps;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** One planning pass: the state being built and the records to send. */
final class Pass {
    final ReconcilerState.Builder state;
    final Instant now;
    final List<Send<?>> sends = new ArrayList<>();

    private final PlanSettings settings;

    Pass(ReconcilerState.Builder state, Instant now, PlanSettings settings) {
        this.state = state;
        this.now = now;
        this.settings = settings;
    }

    PlanSettings settings() {
        return settings;
    }

    /** What a command being issued carries: its id and its ledger action. */
    record Issue(String commandId, ActionKey action) {}

    /** A record that is not a command (nothing waits for its effect), e.g. the history of a role change. */
    <V extends Message> void emit(TopicSpec<V> topic, V record) {
        sends.add(Send.record(topic, record));
    }

    /** A record under its own key (not the deployment's), e.g. a backup's catalogue entry. */
    <V extends Message> void emit(TopicSpec<V> topic, String key, V record) {
        sends.add(Send.keyed(topic, key, record));
    }

    /** Sends the command unless it is in flight and not yet due again; a repeat keeps its command id. */
    <V extends Message> void ensure(ActionKey key, Duration timeout, TopicSpec<V> topic, Function<Issue, V> command) {
        String id = Ledger.id(key);
        InFlightAction current = state.getInFlightMap().get(id);
        if (current != null && Timestamps.toInstant(current.getRetryAt()).isAfter(now)) {
            return;
        }
        String commandId = current != null ? current.getCommandId() : commandId(key);
        int attempts = current == null ? 1 : current.getAttempts() + 1;
        Duration wait = backoff(timeout, attempts);
        state.putInFlight(id, InFlightAction.newBuilder()
                .setKey(id)
                .setAction(key)
                .setCommandId(commandId)
                .setAttempts(attempts)
                .setFirstIssuedAt(current != null ? current.getFirstIssuedAt() : Timestamps.of(now))
                .setLastIssuedAt(Timestamps.of(now))
                .setRetryAt(Timestamps.of(now.plus(wait)))
                .build());
        sends.add(new Send<>(topic, command.apply(new Issue(commandId, key)), key, commandId));
    }

    /** The id a new command for this action gets: deployment, generation, action. */
    String commandId(ActionKey key) {
        return DeploymentKey.of(state.getDesired().getDeployment()) + "/" + state.getDesired().getGeneration() + "/"
                + Ledger.id(key);
    }

    private Duration backoff(Duration timeout, int attempts) {
        Duration wait = timeout.multipliedBy(1L << Math.min(attempts - 1, 20));
        return wait.compareTo(settings.maxBackoff()) > 0 ? settings.maxBackoff() : wait;
    }
}
