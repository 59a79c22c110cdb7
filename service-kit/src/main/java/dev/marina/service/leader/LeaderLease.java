package dev.marina.service.leader;

/**
 * The decisions of a leader election, apart from Kafka: when a copy begins its single-actor work, when
 * it ends it, and whether it may act right now. Times are {@link System#nanoTime()} readings (one host,
 * monotonic): the lease is measured on the copy's own clock only.
 *
 * <p>The group gives this copy the election topic's partition ({@link #assigned}); the copy then proves it
 * still belongs to the group by committing that partition's offset: a commit the coordinator accepts is
 * one from a member of the current generation. The lease runs from the moment the commit was <em>sent</em>
 * ({@link #confirmed}) and lasts less than the group's session timeout, so it ends before the coordinator
 * can have expelled this copy and given the partition to another (docs/copies.md, "Fencing").
 * Not thread-safe: {@link LeaderElection} calls it under its lock.
 */
public final class LeaderLease {

    /** What the caller must do after an event. */
    public enum Step {
        /** Nothing changes. */
        NONE,
        /** Begin the single-actor work: this copy leads from now on. */
        BEGIN,
        /** End the work now, before anything else happens: this copy no longer leads. */
        END
    }

    private final long leaseNanos;
    private boolean assigned;
    private boolean working;
    private int generation = -1;
    /** The lease's end (nanoTime); meaningful only while {@link #hasLease}. */
    private long validUntil;
    private boolean hasLease;

    public LeaderLease(long leaseNanos) {
        if (leaseNanos <= 0) {
            throw new IllegalArgumentException("a lease must be positive, got " + leaseNanos + " ns");
        }
        this.leaseNanos = leaseNanos;
    }

    /** The group assigned this copy the election partition, in {@code generation}. No work yet: a commit must confirm it. */
    public Step assigned(int generation) {
        this.assigned = true;
        this.generation = generation;
        return Step.NONE;
    }

    /** The partition was revoked or lost (or the copy is closing): the work ends at once. */
    public Step revoked() {
        assigned = false;
        hasLease = false;
        return endIfWorking();
    }

    /** A commit sent at {@code sentAt} was accepted: the lease runs to {@code sentAt} plus its length. */
    public Step confirmed(long sentAt) {
        if (!assigned) {
            return Step.NONE; // revoked while the commit was on its way: it proves nothing any more
        }
        hasLease = true;
        validUntil = sentAt + leaseNanos;
        if (!working) {
            working = true;
            return Step.BEGIN;
        }
        return Step.NONE;
    }

    /** The work could not begin: it will be tried again at the next confirmation. */
    public void beginFailed() {
        working = false;
    }

    /** Time passed: a lease not renewed in time ends the work, even though the group has not said so yet. */
    public Step tick(long now) {
        if (working && !(hasLease && now - validUntil < 0)) {
            hasLease = false;
            return endIfWorking();
        }
        return Step.NONE;
    }

    /** True when this copy may act at {@code now}: it has the partition, its work began, and its lease runs. */
    public boolean leading(long now) {
        return assigned && working && hasLease && now - validUntil < 0;
    }

    /** True while the group gives this copy the partition (leading, or waiting for its first confirmation). */
    public boolean assigned() {
        return assigned;
    }

    /** The generation this copy was last assigned the partition in; -1 before. */
    public int generation() {
        return generation;
    }

    private Step endIfWorking() {
        if (working) {
            working = false;
            return Step.END;
        }
        return Step.NONE;
    }
}
