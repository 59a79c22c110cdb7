package dev.marina.dns.commands;

import dev.marina.dns.zone.RecordSet;
import dev.marina.schemas.v1.DnsCommand;
import dev.marina.schemas.v1.DnsEvent;
import dev.marina.schemas.v1.DnsOutcome;
import dev.marina.schemas.v1.DnsRecordSet;
import dev.marina.service.Timestamps;
import java.time.Instant;
import java.util.List;

/** The answers to a command on {@code dns-events}. */
final class DnsEvents {
    private DnsEvents() {}

    static DnsEvent applied(DnsCommand command, List<RecordSet> records, Instant now) {
        DnsEvent.Builder event = base(command, DnsOutcome.DNS_OUTCOME_APPLIED, now);
        records.forEach(set -> event.addRecords(DnsRecordSet.newBuilder()
                .setName(set.name())
                .setType(set.type())
                .addAllValues(set.values())
                .setTtlSeconds(set.ttlSeconds())));
        return event.build();
    }

    static DnsEvent clash(DnsCommand command, String reason, Instant now) {
        return base(command, DnsOutcome.DNS_OUTCOME_CLASH, now).setReason(reason).build();
    }

    static DnsEvent failed(DnsCommand command, String reason, Instant now) {
        return base(command, DnsOutcome.DNS_OUTCOME_FAILED, now).setReason(reason).build();
    }

    /** Every answer echoes the command's id, purpose and action (the reconciler matches answers to actions by value). */
    private static DnsEvent.Builder base(DnsCommand command, DnsOutcome outcome, Instant now) {
        DnsEvent.Builder event = DnsEvent.newBuilder()
                .setCommandId(command.getCommandId())
                .setDeployment(command.getDeployment())
                .setPurpose(command.getPurpose())
                .setOutcome(outcome)
                .setObservedAt(Timestamps.of(now));
        if (command.hasAction()) {
            event.setAction(command.getAction());
        }
        return event;
    }
}
