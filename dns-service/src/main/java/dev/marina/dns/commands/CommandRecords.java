package dev.marina.dns.commands;

import dev.marina.dns.zone.RecordSet;
import dev.marina.schemas.v1.DnsCommand;
import java.time.Duration;
import java.util.List;

/** A command's desired record sets as the planner takes them; a TTL of 0 means the configured default. */
final class CommandRecords {
    private CommandRecords() {}

    /** Throws {@link IllegalArgumentException} with a readable reason on a value that cannot be. */
    static List<RecordSet> desired(DnsCommand command, Duration defaultTtl) {
        if (command.getRemoveAll()) {
            return List.of();
        }
        return command.getRecordsList().stream()
                .map(set -> new RecordSet(set.getName(), set.getType(), set.getValuesList(),
                        set.getTtlSeconds() > 0 ? set.getTtlSeconds() : (int) defaultTtl.toSeconds()))
                .toList();
    }
}
