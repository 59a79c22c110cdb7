package dev.marina.provisioner.ec2;

import java.time.Duration;
import java.util.Optional;

/**
 * The pause before the n-th retry of a throttled call (RequestLimitExceeded). Pure: {@code first * 2^(n-1)}, at most
 * {@code max}; no pause (give up) after {@code retries}. A client-side rate limit keeps the driver under the account's
 * budget in the first place; the backoff covers the budget other clients of the account spent.
 */
public record Backoff(Duration first, Duration max, int retries) {

    /** The pause before retry {@code retry} (1 = the first retry), or empty when the call is to fail. */
    public Optional<Duration> before(int retry) {
        if (retry < 1 || retry > retries) {
            return Optional.empty();
        }
        Duration pause = first.multipliedBy(1L << Math.min(retry - 1, 30));
        return Optional.of(pause.compareTo(max) > 0 ? max : pause);
    }
}
