package dev.marina.provisioner.ec2;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.marina.provisioner.driver.DriverContract;
import dev.marina.provisioner.driver.InstanceDriver;
import java.util.List;
import org.junit.jupiter.api.AfterEach;

/** The driver contract against the ec2 driver: the real SDK against the recorded exchanges of {@code ec2/contract/}. */
class DriverContractEc2Test extends DriverContract {

    private final FakeEc2 fake = new FakeEc2();
    private final Ec2Driver driver = Ec2Fixture.driver(fake, Ec2Fixture.settings(fake), new FakeTime());

    @Override
    protected InstanceDriver driver() {
        return driver;
    }

    @Override
    protected InstanceDriver reopened() {
        return Ec2Fixture.driver(fake, Ec2Fixture.settings(fake), new FakeTime());
    }

    @Override
    protected void scenario(String name) {
        fake.play("contract/" + name);
    }

    @AfterEach
    void everyExchangePlayedAndMatched() {
        fake.close();
        assertEquals(List.of(), fake.problems(), "requests that differ from the recorded exchanges");
        assertEquals(List.of(), fake.unplayed(), "recorded exchanges the driver never asked for");
    }
}
