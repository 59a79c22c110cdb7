package dev.marina.provisioner;

import dev.marina.schemas.v1.ProvisionEvent;

/**
 * Where observations that no command asked for (restarts, reaped orphans) go: {@code provision-events}
 * in the service, a list in component tests. Fire and forget: a lost observation is repaired by the
 * reconciler's resync, and nothing waits on it to commit an offset.
 */
@FunctionalInterface
public interface EventSink {
    void emit(ProvisionEvent event);
}
