package dev.marina.cert.names;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Whether a deployment owns every name it asks a certificate for, by what the control plane
 * declared to the zone: the record sets of the deployment's latest command on {@code dns-commands}
 * (written by intent-service alone). Pure; {@link DeploymentNames} keeps the declarations.
 *
 * <p>A command names its deployment and its names, but a command can be wrong (a bug) or forged
 * (anyone who once could write {@code cert-commands}); a certificate for another tenant's writer name
 * would let its holder impersonate that database. So a name is signed only when the zone, as the
 * platform declared it, gives it to the asking deployment and to no other.
 */
public final class NameOwnership {
    private NameOwnership() {}

    /** The outcome for one request. */
    public sealed interface Verdict {
        /** Every name is the deployment's, and only its. */
        record Owned() implements Verdict {}

        /** Some names are not (yet) declared for the deployment: its names may be on their way; ask again later. */
        record NotDeclared(List<String> names) implements Verdict {}

        /** A name is declared for another deployment: never signed for this one. */
        record OwnedElsewhere(String name, Set<String> owners) implements Verdict {}
    }

    /**
     * @param deployment  the asking deployment's key ({@code tenant/name})
     * @param names       the names asked for (normalized: lowercase, no trailing dot)
     * @param declared    every deployment's declared names (normalized), by deployment key
     * @param ownersOf    the deployments that declared a name, by name
     */
    public static Verdict decide(String deployment, List<String> names, Map<String, Set<String>> declared,
            Map<String, Set<String>> ownersOf) {
        Set<String> mine = declared.getOrDefault(deployment, Set.of());
        for (String name : names) {
            Set<String> owners = ownersOf.getOrDefault(name, Set.of());
            if (owners.stream().anyMatch(o -> !o.equals(deployment))) {
                Set<String> others = new TreeSet<>(owners);
                others.remove(deployment);
                return new Verdict.OwnedElsewhere(name, others);
            }
        }
        List<String> missing = names.stream().filter(n -> !mine.contains(n)).toList();
        return missing.isEmpty() ? new Verdict.Owned() : new Verdict.NotDeclared(missing);
    }
}
