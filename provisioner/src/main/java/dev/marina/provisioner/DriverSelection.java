package dev.marina.provisioner;

import dev.marina.provisioner.driver.InstanceDriver;
import dev.marina.provisioner.ec2.Ec2DataPlane;
import dev.marina.provisioner.local.LocalDataPlane;
import dev.marina.provisioner.simulated.SimulatedDataPlane;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

/** Makes the driver named by {@code marina.provisioner.driver} the {@link InstanceDriver} everyone uses. */
@ApplicationScoped
public class DriverSelection {

    public static final String LOCAL = "local";
    public static final String EC2 = "ec2";
    public static final String SIMULATED = "simulated";

    @Produces
    @ApplicationScoped
    InstanceDriver driver(ProvisionerConfig config, LocalDataPlane local, Ec2DataPlane ec2, SimulatedDataPlane simulated) {
        if (LOCAL.equals(config.driver())) {
            return local.driver();
        }
        if (EC2.equals(config.driver())) {
            return ec2.driver();
        }
        if (SIMULATED.equals(config.driver())) {
            return simulated.driver();
        }
        throw new IllegalStateException("unknown marina.provisioner.driver \"" + config.driver() + "\"; known: " + LOCAL
                + ", " + EC2 + ", " + SIMULATED);
    }
}
