package dev.marina.intent.reconcile;

import java.time.Duration;
import java.time.Instant;
import java.util.function.Predicate;

/**
 * When a deployment's state first needs a resync, so the reconciler's wall-clock pass can visit only
 * the deployments that are due instead of reading every state each second.
 *
 * <p>{@link Planner#needsResync} is a question about one instant. For a state that does not change it
 * is <b>monotone</b> in time: every condition it checks is "a deadline is not after now" (an action's
 * retry time, a renewal time, a replica down for longer than the replace-after, a schedule slot, a
 * maintenance window, an idle or scaling timer, a quiet period) — once true it stays true until the
 * state changes. So the first due instant within a horizon is found by bisection on the question
 * itself, without each planner having to say when. Beyond the horizon the answer is "look again then",
 * and the reconciler still reads every state now and then, so a condition that ever broke monotonicity
 * would be late, never lost.
 */
public final class DueTime {
    private DueTime() {}

    /**
     * The first instant in {@code [now, now + horizon]} at which {@code due} holds, to within
     * {@code resolution} (never earlier than it holds); {@code now + horizon} when it does not hold by then.
     */
    public static Instant first(Predicate<Instant> due, Instant now, Duration horizon, Duration resolution) {
        if (due.test(now)) {
            return now;
        }
        Instant last = now.plus(horizon);
        if (!due.test(last)) {
            return last;
        }
        // invariant: not due at notYet, due at surely
        Instant notYet = now;
        Instant surely = last;
        while (Duration.between(notYet, surely).compareTo(resolution) > 0) {
            Instant middle = notYet.plus(Duration.between(notYet, surely).dividedBy(2));
            if (due.test(middle)) {
                surely = middle;
            } else {
                notYet = middle;
            }
        }
        return surely;
    }
}
