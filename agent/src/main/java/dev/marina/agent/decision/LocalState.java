package dev.marina.agent.decision;

/** What the agent finds on its instance when a command arrives (or when it starts). */
public enum LocalState {
    /** Nothing deployed yet: no data directory. */
    NO_DATA,
    /** A data directory, but no server answering on it (never started, crashed, killed). */
    STOPPED,
    /** The server answers. */
    RUNNING,
    /** DESTROY was carried out; the instance is never deployed again. */
    DESTROYED
}
