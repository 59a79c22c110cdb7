package dev.marina.dns.zone;

import java.util.Optional;

/**
 * Who owns a name, as external-dns records it: a TXT record at {@code _marina-owner.<name>} with the
 * value {@code heritage=marina,deployment=<tenant/name>}. A name without it is not the platform's.
 */
public final class Ownership {
    private Ownership() {}

    private static final String HERITAGE = "heritage=marina,";
    private static final String DEPLOYMENT = "deployment=";

    /** The ownership record's value for a deployment key ({@code tenant/name}). */
    public static String value(String deployment) {
        return HERITAGE + DEPLOYMENT + deployment;
    }

    /** What the zone says about {@code name}'s owner. */
    public static Owner ownerOf(String name, ZoneContents zone) {
        RecordSet txt = zone.byType(Names.ownerRecordName(name)).get("TXT");
        if (txt == null) {
            return zone.exists(Names.ownerRecordName(name)) ? new Owner.Foreign() : new Owner.Nobody();
        }
        if (txt.values().size() != 1) {
            return new Owner.Foreign();
        }
        return deploymentIn(txt.values().get(0)).<Owner>map(Owner.Deployment::new).orElse(new Owner.Foreign());
    }

    private static Optional<String> deploymentIn(String value) {
        if (!value.startsWith(HERITAGE + DEPLOYMENT)) {
            return Optional.empty();
        }
        String deployment = value.substring((HERITAGE + DEPLOYMENT).length());
        return deployment.isEmpty() ? Optional.empty() : Optional.of(deployment);
    }

    /** The answer to "who owns this name?". */
    public sealed interface Owner {
        /** No ownership record: the name is free if it also holds no records. */
        record Nobody() implements Owner {}

        /** Something else sits at the ownership record's name: not ours to touch. */
        record Foreign() implements Owner {}

        /** A marina deployment owns it. */
        record Deployment(String key) implements Owner {}
    }
}
