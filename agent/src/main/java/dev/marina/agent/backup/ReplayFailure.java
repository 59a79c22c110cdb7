package dev.marina.agent.backup;

/**
 * A point-in-time replay that did not finish or cannot be trusted: an archived object missing or not matching its index
 * entry, a tool that failed, a position that does not add up. The message names the object, file or tool, for people.
 */
public final class ReplayFailure extends RuntimeException {
    public ReplayFailure(String message) {
        super(message);
    }

    public ReplayFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
