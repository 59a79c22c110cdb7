package dev.marina.agent.tls;

import dev.marina.schemas.v1.AgentReason;

/**
 * A certificate command that can never succeed as sent (answered REFUSED); nothing was changed. Its code
 * goes into the answer's {@code reason_code}: WRONG_STATE when the command does not fit what the instance
 * holds (no key for the request here, a request made before for other names), none when the command is
 * wrong in itself (a chain that does not parse, does not verify, is for another key).
 */
public final class TlsRefusal extends RuntimeException {
    private final AgentReason code;

    public TlsRefusal(String reason) {
        this(AgentReason.AGENT_REASON_UNSPECIFIED, reason);
    }

    private TlsRefusal(AgentReason code, String reason) {
        super(reason);
        this.code = code;
    }

    static TlsRefusal wrongState(String reason) {
        return new TlsRefusal(AgentReason.AGENT_REASON_WRONG_STATE, reason);
    }

    public AgentReason code() {
        return code;
    }
}
