package dev.marina.healthmonitor.metrics;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Which deployments may appear as a {@code deployment} label: at most {@code max}, first come first
 * served. A deployment keeps its label until it is released (deleted, or its task moved away); then
 * the next deployment to ask gets it. Pure bookkeeping, no registry, not thread-safe (the caller
 * locks).
 *
 * <p>A refused deployment is counted once: refused deployments are remembered, at most
 * {@link #REFUSED_MEMORY_FACTOR} × {@code max} of them (the least recently refused are forgotten, and
 * counted again should they ask again). The first refusal after the labels ran out is marked, so the
 * caller logs it once, not once per sample.
 */
public final class DeploymentLabels {

    /** What {@link #admit} decided. */
    public enum Admission {
        /** Labelled already. */
        HELD,
        /** Labelled from now on. */
        ADMITTED,
        /** Refused, the first refusal since the labels ran out: count it and say so in the log. */
        REFUSED_FIRST,
        /** Refused, newly: count it. */
        REFUSED,
        /** Refused before and still remembered: nothing new. */
        STILL_REFUSED;

        public boolean labelled() {
            return this == HELD || this == ADMITTED;
        }
    }

    static final int REFUSED_MEMORY_FACTOR = 10;

    private final int max;
    private final int refusedMemory;
    private final Set<String> labelled = new HashSet<>();
    private final Map<String, Boolean> refused;
    private boolean refusalLogged;

    public DeploymentLabels(int max) {
        if (max < 0) {
            throw new IllegalArgumentException("max must not be negative, is " + max);
        }
        this.max = max;
        this.refusedMemory = Math.max(1, max * REFUSED_MEMORY_FACTOR);
        this.refused = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > refusedMemory;
            }
        };
    }

    public Admission admit(String deployment) {
        if (labelled.contains(deployment)) {
            return Admission.HELD;
        }
        if (labelled.size() < max) {
            labelled.add(deployment);
            refused.remove(deployment);
            return Admission.ADMITTED;
        }
        if (refused.get(deployment) != null) {
            return Admission.STILL_REFUSED;
        }
        refused.put(deployment, Boolean.TRUE);
        if (!refusalLogged) {
            refusalLogged = true;
            return Admission.REFUSED_FIRST;
        }
        return Admission.REFUSED;
    }

    /** The deployment gives its label back (or is forgotten as refused). True when it held a label. */
    public boolean release(String deployment) {
        refused.remove(deployment);
        boolean held = labelled.remove(deployment);
        if (labelled.size() < max) {
            // Room again: the next time the labels run out is news worth a log line.
            refusalLogged = false;
        }
        return held;
    }

    public boolean isLabelled(String deployment) {
        return labelled.contains(deployment);
    }

    public int labelledCount() {
        return labelled.size();
    }

    public int max() {
        return max;
    }
}
