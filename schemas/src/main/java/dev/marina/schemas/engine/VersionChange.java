package dev.marina.schemas.engine;

import java.util.Optional;

/**
 * Whether a running server may move from one build to another, as MariaDB allows it. Pure.
 *
 * <p>Within a series (10.11.18 ↔ 10.11.19) the data files are the same format both ways: upgrades and downgrades
 * are allowed (an upgrade runs {@code mariadb-upgrade}). Up to a newer series is an upgrade MariaDB supports one
 * series at a time only through its documented path, which this platform does not offer yet; down to an older series
 * MariaDB does not support at all (the newer server may have changed the system tables and redo log format).
 */
public enum VersionChange {
    NONE,
    /** A newer patch of the same series: restart on the new build, then mariadb-upgrade. */
    PATCH_UPGRADE,
    /** An older patch of the same series: allowed, no mariadb-upgrade. */
    PATCH_DOWNGRADE,
    /** Another series: refused. */
    ACROSS_SERIES;

    public static VersionChange between(EngineVersion from, EngineVersion to) {
        int c = to.compareTo(from);
        if (c == 0) {
            return NONE;
        }
        if (!from.sameSeries(to)) {
            return ACROSS_SERIES;
        }
        return c > 0 ? PATCH_UPGRADE : PATCH_DOWNGRADE;
    }

    /** Why the change is refused, or empty when it is allowed. */
    public static Optional<String> refusal(EngineVersion from, EngineVersion to) {
        if (between(from, to) != ACROSS_SERIES) {
            return Optional.empty();
        }
        return Optional.of(to.compareTo(from) < 0
                ? "a downgrade from " + from + " to another series (" + to + ") is not supported by MariaDB: a newer"
                        + " series may have changed the system tables and the redo log; restore a backup taken on " + to.series()
                        + " into a new deployment instead"
                : "an upgrade from " + from.series() + " to " + to.series() + " is not offered yet; only patch releases of "
                        + from.series() + " can be rolled");
    }

    /** mariadb-upgrade runs after a restart on a newer build. */
    public boolean needsUpgradeTool() {
        return this == PATCH_UPGRADE;
    }
}
