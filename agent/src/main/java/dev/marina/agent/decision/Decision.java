package dev.marina.agent.decision;

import dev.marina.schemas.v1.AgentReason;
import java.util.Objects;

/**
 * An action and why: the reason goes into the answer (REFUSED) and the log line, for people; the code goes
 * into the answer's {@code reason_code}, for the reconciler (UNSPECIFIED when no {@link AgentReason} applies,
 * e.g. a command that is wrong in itself).
 */
public record Decision(Action action, String reason, AgentReason code) {

    public Decision {
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(code, "code");
    }

    static Decision of(Action action, String reason) {
        return new Decision(action, reason, AgentReason.AGENT_REASON_UNSPECIFIED);
    }

    /** Refused for what the command says (a field, an operation): no code. */
    static Decision refuse(String reason) {
        return new Decision(Action.REFUSE, reason, AgentReason.AGENT_REASON_UNSPECIFIED);
    }

    static Decision refuse(AgentReason code, String reason) {
        return new Decision(Action.REFUSE, reason, code);
    }

    /** Refused because the command does not fit what the instance holds (destroyed, nothing deployed, not running). */
    static Decision wrongState(String reason) {
        return refuse(AgentReason.AGENT_REASON_WRONG_STATE, reason);
    }
}
