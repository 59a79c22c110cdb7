package dev.marina.dns.zone;

import java.util.Locale;

/** Domain names as the planner uses them: lower-case, fully qualified, with the trailing dot. */
public final class Names {
    private Names() {}

    /** The prefix of the TXT record that says who owns a name (as external-dns does). */
    public static final String OWNER_PREFIX = "_marina-owner.";

    public static String fqdn(String name) {
        String lower = name.trim().toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower : lower + ".";
    }

    /** True when {@code name} is {@code zone} itself or a name below it. */
    public static boolean inZone(String name, String zone) {
        String n = fqdn(name);
        String z = fqdn(zone);
        return n.equals(z) || n.endsWith("." + z);
    }

    /** The name of the ownership record of {@code name}. */
    public static String ownerRecordName(String name) {
        return OWNER_PREFIX + fqdn(name);
    }

    public static boolean isOwnerRecordName(String name) {
        return fqdn(name).startsWith(OWNER_PREFIX);
    }

    /** The name an ownership record speaks for. */
    public static String ownedName(String ownerRecordName) {
        return fqdn(ownerRecordName).substring(OWNER_PREFIX.length());
    }
}
