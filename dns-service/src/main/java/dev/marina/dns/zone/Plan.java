package dev.marina.dns.zone;

import java.util.List;

/** What the planner decided for one command. */
public sealed interface Plan {

    /** Make these changes (possibly none: the zone already matches); then the zone holds {@code records}. */
    record Apply(ZoneChange change, List<RecordSet> records) implements Plan {}

    /** Refused: some wanted names belong to someone else. Nothing is changed. */
    record Clash(List<String> names, String reason) implements Plan {}

    /** The command asks for something that cannot be (a bad value, a name outside the zone, …). */
    record Invalid(String reason) implements Plan {}
}
