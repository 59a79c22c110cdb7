package dev.marina.provisioner.reaping;

import java.util.Set;

/** What the latest {@code deployment-status} record of one deployment says about its instances. */
public sealed interface StatusFact {

    /** The status lists these instance ids. */
    record Listed(Set<String> instanceIds) implements StatusFact {
        public Listed {
            instanceIds = Set.copyOf(instanceIds);
        }
    }

    /** The status was deleted: the deployment is gone. */
    record Tombstoned() implements StatusFact {}

    static StatusFact listed(Set<String> instanceIds) {
        return new Listed(instanceIds);
    }

    static StatusFact tombstoned() {
        return new Tombstoned();
    }
}
