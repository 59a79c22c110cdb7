package dev.marina.agent.kafka;

import java.util.OptionalLong;

/**
 * Where the agent starts reading its partition of {@code agent-commands}: a pure choice, so every
 * case is tested.
 *
 * @param offset the first offset to read
 * @param why    for the log line
 */
public record StartPosition(long offset, String why) {

    /**
     * @param saved            the position the agent saved after its last handled command, if any
     * @param sinceGiven       whether MARINA_COMMANDS_SINCE was set
     * @param firstSince       the offset of the first record at or after that time, if there is one
     * @param endBeforeLookup  the partition's end offset, read <em>before</em> the time lookup: a command
     *                         that arrives between the two reads is then found by the lookup or lies
     *                         at or after this offset, so it is never skipped
     * @param beginning        the partition's first retained offset
     */
    public static StartPosition choose(OptionalLong saved, boolean sinceGiven, OptionalLong firstSince,
            long endBeforeLookup, long beginning) {
        if (saved.isPresent()) {
            return new StartPosition(saved.getAsLong(), "saved position");
        }
        if (!sinceGiven) {
            return new StartPosition(beginning, "no MARINA_COMMANDS_SINCE: from the beginning");
        }
        if (firstSince.isPresent()) {
            return new StartPosition(firstSince.getAsLong(), "first command since MARINA_COMMANDS_SINCE");
        }
        // Nothing that new yet: everything in the partition is older than this instance.
        return new StartPosition(endBeforeLookup, "no command since MARINA_COMMANDS_SINCE yet: the end");
    }
}
