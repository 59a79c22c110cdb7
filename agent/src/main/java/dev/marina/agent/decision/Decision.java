package dev.marina.agent.decision;

import java.util.Objects;

/** An action and why: the reason goes into the answer (REFUSED) and the log line. */
public record Decision(Action action, String reason) {

    public Decision {
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(reason, "reason");
    }

    static Decision of(Action action, String reason) {
        return new Decision(action, reason);
    }

    static Decision refuse(String reason) {
        return new Decision(Action.REFUSE, reason);
    }
}
