package dev.marina.provisioner.local;

import dev.marina.provisioner.driver.DriverContract;
import dev.marina.provisioner.driver.InstanceDriver;
import dev.marina.schemas.access.Role;
import dev.marina.testkit.SharedKafka;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * The driver contract against the local driver, with stand-in agents (a shell script per instance, see
 * {@link StandInAgent}); its agents' Kafka principals are made on the shared test broker, hence an IT.
 */
class DriverContractLocalIT extends DriverContract {

    private static final dev.marina.schemas.proof.PlatformProofKey PROOF =
            new dev.marina.schemas.proof.PlatformProofKey(new byte[32]);

    @TempDir
    Path home;

    private LocalDriver driver;
    private AgentCredentials credentials;

    /**
     * The provisioner's principal is made on first use of the shared broker; its SCRAM credential may take a moment
     * before the broker accepts it (seen as "Authentication failed" from the first create of a JVM).
     */
    @BeforeAll
    static void provisionerPrincipalAccepted() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try (Admin admin = Admin.create(SharedKafka.clientProperties(Role.PROVISIONER))) {
                admin.describeCluster().clusterId().get(5, TimeUnit.SECONDS);
                return;
            } catch (ExecutionException | TimeoutException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the provisioner's principal is not accepted by the test broker", e);
                }
                Thread.sleep(200);
            }
        }
    }

    @BeforeEach
    void openDriver() {
        credentials = new AgentCredentials(SharedKafka.clientProperties(Role.PROVISIONER));
        driver = open();
    }

    private LocalDriver open() {
        AgentLauncher.Settings settings = new AgentLauncher.Settings(
                StandInAgent.command(StandInAgent.install(home.resolve("bin"))), home, "127.0.0.1:9", home.resolve("key"),
                8086, Optional.empty(), Optional.empty());
        return LocalDriver.open(home, AddressRange.parse("127.10.0.0/16"), settings, new InstanceKeys(PROOF, credentials),
                Duration.ofSeconds(5), Clock.systemUTC());
    }

    @Override
    protected InstanceDriver reopened() {
        return open();
    }

    @AfterEach
    void stopEverything() {
        for (var instance : driver.list()) {
            driver.destroy(instance.instanceId());
        }
        credentials.close();
        StandInAgent.killEverythingUnder(home);
    }

    @Override
    protected InstanceDriver driver() {
        return driver;
    }

    @Override
    protected void scenario(String name) {
        // The local driver's effects are real: nothing to play.
    }
}
