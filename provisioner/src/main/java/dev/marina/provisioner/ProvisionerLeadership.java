package dev.marina.provisioner;

import dev.marina.provisioner.commands.ProvisionCommandConsumer;
import dev.marina.provisioner.local.LocalDataPlane;
import dev.marina.service.leader.Leadership;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/**
 * One provisioner copy acts at a time (docs/copies.md): the local driver's agents, registry and addresses
 * belong to one host and one supervisor, and the command worker reads every partition. The elected copy
 * adopts the running agents, then reads commands; when it stops leading, it stops reading first, then
 * supervising. The reapers and the EC2 observer ask {@link Leadership#leading()} before each round.
 */
@ApplicationScoped
public class ProvisionerLeadership {

    @Inject
    Leadership leadership;

    @Inject
    LocalDataPlane local;

    @Inject
    ProvisionCommandConsumer commands;

    void onStart(@Observes StartupEvent event) {
        leadership.elect(generation -> {
            local.begin();
            commands.begin();
            return () -> {
                commands.end();
                local.end();
            };
        });
    }
}
