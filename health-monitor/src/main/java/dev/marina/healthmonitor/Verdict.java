package dev.marina.healthmonitor;

import dev.marina.schemas.v1.InstanceHealth;
import java.util.Objects;
import java.util.Optional;

/** What {@link HealthRules} decided about one instance; the processor carries it out. */
public sealed interface Verdict {

    /** Nothing to store, nothing to emit. */
    Verdict UNCHANGED = new Unchanged();

    /**
     * Store the new state; emit the record when there is one: a change of health, or of facts the
     * reconciler must learn of (then the record's {@code previous} equals its {@code health}).
     */
    record Updated(InstanceState state, Optional<InstanceHealth> transition) implements Verdict {
        public Updated {
            Objects.requireNonNull(state, "state");
            Objects.requireNonNull(transition, "transition");
        }
    }

    /** The heartbeat tells nothing new; the state stays as it was. */
    record Ignored(Cause cause, String detail) implements Verdict {
        /** Why a heartbeat is ignored; a bounded set, used as a metric label. */
        public enum Cause {
            /** Sent no later than the newest heartbeat already seen (an older agent process, a replay). */
            OUT_OF_ORDER,
            /** Sent longer ago than forget-after: about an instance that is gone or forgotten. */
            EXPIRED;

            public String label() {
                return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
            }
        }
    }

    /** DOWN for longer than forget-after: drop the instance from the store, emit nothing. */
    record Forgotten(InstanceState last) implements Verdict {}

    record Unchanged() implements Verdict {}
}
