package dev.marina.provisioner;

import dev.marina.provisioner.driver.InstanceDriver;
import dev.marina.provisioner.local.LocalDataPlane;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

/** Makes the driver named by {@code marina.provisioner.driver} the {@link InstanceDriver} everyone uses. */
@ApplicationScoped
public class DriverSelection {

    public static final String LOCAL = "local";

    @Produces
    @ApplicationScoped
    InstanceDriver driver(ProvisionerConfig config, LocalDataPlane local) {
        if (LOCAL.equals(config.driver())) {
            return local.driver();
        }
        throw new IllegalStateException("unknown marina.provisioner.driver \"" + config.driver() + "\"; known: " + LOCAL);
    }
}
