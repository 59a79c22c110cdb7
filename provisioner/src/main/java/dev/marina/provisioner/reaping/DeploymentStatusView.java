package dev.marina.provisioner.reaping;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The latest status fact per deployment, as far as {@code deployment-status} has been read, and
 * whether it has been read to its end. Written by the reader thread, read by the reaper; the two
 * always see facts and the read-to-end flag together (one lock), never a half-read map as complete.
 */
public final class DeploymentStatusView {

    private final Map<String, StatusFact> latest = new HashMap<>();
    private boolean readToEnd;

    /** A new read pass starts from the beginning: until it catches up, the view proves nothing. */
    synchronized void restart() {
        readToEnd = false;
        latest.clear();
    }

    synchronized void put(String deployment, StatusFact fact) {
        latest.put(deployment, fact);
    }

    /** An unreadable status: the deployment's wishes are unknown, so it is left alone. */
    synchronized void forget(String deployment) {
        latest.remove(deployment);
    }

    synchronized void markReadToEnd() {
        readToEnd = true;
    }

    public synchronized boolean readToEnd() {
        return readToEnd;
    }

    /** The facts, only once the topic was read to its end. */
    public synchronized Optional<Map<String, StatusFact>> snapshotIfReadToEnd() {
        return readToEnd ? Optional.of(Map.copyOf(latest)) : Optional.empty();
    }
}
