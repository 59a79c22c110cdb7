package dev.marina.intent.reconcile;

import dev.marina.schemas.v1.DnsRecordSet;
import dev.marina.schemas.v1.Intent;
import dev.marina.schemas.v1.InstanceState;
import dev.marina.schemas.v1.ObservedInstance;
import dev.marina.schemas.v1.ReconcilerState;
import dev.marina.schemas.v1.Role;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The DNS names a deployment should have, from its observed instances. Pure.
 *
 * <ul>
 *   <li>writer {@code <name>.<tenant>.<zone>} (or the intent's {@code dns.name}) → the primary;</li>
 *   <li>reader {@code ro.<writer>} → every running replica, or the primary while there is none;</li>
 *   <li>one name per instance, {@code i<n>.<writer>} for instance number n.</li>
 * </ul>
 * Names exist only for instances that have an address; nothing is wanted before the primary has one.
 * The digest identifies a record set list, so a command and its answer can be matched to what is wanted.
 */
public final class DnsNames {
    private DnsNames() {}

    /** What the deployment should have in the zone, and its digest. */
    public record Wanted(List<DnsRecordSet> records, String digest) {}

    public static String writerName(Intent intent, String zone) {
        String override = intent.getSpec().getDns().getName();
        if (!override.isEmpty()) {
            return fqdn(override);
        }
        return fqdn(intent.getDeployment().getName() + "." + intent.getDeployment().getTenant() + "." + zone);
    }

    public static String readerName(Intent intent, String zone) {
        return "ro." + writerName(intent, zone);
    }

    public static String instanceName(Intent intent, String zone, String instanceId) {
        int dash = instanceId.lastIndexOf('-');
        return "i" + instanceId.substring(dash + 1) + "." + writerName(intent, zone);
    }

    public static Optional<Wanted> wanted(ReconcilerState state, PlanSettings.DnsSettings dns) {
        if (!dns.enabled() || state.getDesired().getDeleted()) {
            return Optional.empty();
        }
        List<ObservedInstance> placed = state.getInstancesMap().values().stream()
                .filter(i -> !i.getPlan().getRetiring() && !i.getAddress().isEmpty()
                        && i.getProvisionState() != InstanceState.INSTANCE_STATE_DESTROYED)
                .sorted(Comparator.comparing(ObservedInstance::getInstanceId))
                .toList();
        Optional<ObservedInstance> primary = placed.stream().filter(i -> i.getPlan().getRole() == Role.ROLE_PRIMARY).findFirst();
        if (primary.isEmpty()) {
            return Optional.empty();
        }
        Intent intent = state.getDesired();
        int ttl = (int) Math.max(1, dns.ttl().toSeconds());
        // readers: replicas that serve the current primary's data and are not down
        // (a replica a roll takes out of service is not one of them until it has caught up again)
        List<String> replicas = placed.stream().filter(i -> Facts.servesReads(state.getEpoch(), i, primary.get())
                        && !RollPlanner.outOfReaders(state, i.getInstanceId())
                        && !AutoscalePlanner.outOfReaders(state, i.getInstanceId()))
                .map(ObservedInstance::getAddress).sorted().toList();

        List<DnsRecordSet> records = new ArrayList<>();
        records.add(a(writerName(intent, dns.zone()), List.of(primary.get().getAddress()), ttl));
        records.add(a(readerName(intent, dns.zone()), replicas.isEmpty() ? List.of(primary.get().getAddress()) : replicas, ttl));
        for (ObservedInstance i : placed) {
            records.add(a(instanceName(intent, dns.zone(), i.getInstanceId()), List.of(i.getAddress()), ttl));
        }
        return Optional.of(new Wanted(List.copyOf(records), digest(records)));
    }

    /** Whether the names wanted now are the ones dns-service last applied (always true without DNS). */
    public static boolean answering(ReconcilerState state, PlanSettings.DnsSettings dns) {
        return !dns.enabled() || wanted(state, dns).map(w -> w.digest().equals(state.getDns().getAppliedDigest())).orElse(false);
    }

    /** Whether no name of the deployment is left (none was asked for, or dns-service removed them all). */
    public static boolean gone(ReconcilerState state) {
        return !state.getDns().getNamesRequested() || state.getDns().getRemoved();
    }

    /** A short, stable digest of record sets (order as given, which {@link #wanted} keeps sorted). */
    static String digest(List<DnsRecordSet> records) {
        StringBuilder canonical = new StringBuilder();
        for (DnsRecordSet r : records) {
            canonical.append(r.getName()).append(' ').append(r.getType()).append(' ').append(r.getTtlSeconds())
                    .append(' ').append(String.join(",", r.getValuesList())).append('\n');
        }
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(canonical.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    private static DnsRecordSet a(String name, List<String> addresses, int ttl) {
        return DnsRecordSet.newBuilder().setName(name).setType("A").addAllValues(addresses).setTtlSeconds(ttl).build();
    }

    private static String fqdn(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower : lower + ".";
    }
}
