package dev.marina.dns.zone;

import java.util.List;

/**
 * Everything one command changes in the zone, sent as one RFC 2136 UPDATE so the server applies all
 * of it or none. The conditions repeat what the planner saw (a name still free, an ownership record
 * still ours), so a zone that changed between the read and the update makes the whole update fail
 * instead of overwriting someone else's record.
 */
public record ZoneChange(List<Condition> conditions, List<Operation> operations) {

    public ZoneChange {
        conditions = List.copyOf(conditions);
        operations = List.copyOf(operations);
    }

    public boolean isEmpty() {
        return operations.isEmpty();
    }

    /** A prerequisite of the update (RFC 2136 §2.4). */
    public sealed interface Condition {}

    /** No record of any type exists at the name. */
    public record NameIsFree(String name) implements Condition {}

    /** The TXT record set at {@code name} is exactly {@code value}. */
    public record TxtIs(String name, String value) implements Condition {}

    /** An update operation (RFC 2136 §2.5). */
    public sealed interface Operation {}

    /** The record set at its name and type becomes exactly these values (created if absent). */
    public record Replace(RecordSet recordSet) implements Operation {}

    /** The record set at this name and type goes away. */
    public record Delete(String name, String type) implements Operation {}
}
