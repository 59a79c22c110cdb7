package dev.marina.agent.metrics;

import java.util.Locale;

/** Why no sample went out at a tick; the tag of {@code marina_agent_metric_samples_skipped_total}. */
public enum SkipReason {
    /** No database here: never deployed, or destroyed. */
    NOT_DEPLOYED,
    /** The server does not answer (not started yet, crashed, hung, restarting). */
    UNREACHABLE,
    /** The command thread is stopping or removing the database. */
    STOPPING,
    /** Anything else: the server's process not found, unreadable figures. */
    FAILED;

    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
