package dev.marina.simulated;

import dev.marina.provisioner.driver.DriverContract;
import dev.marina.provisioner.driver.InstanceDriver;
import dev.marina.schemas.proof.PlatformProofKey;
import dev.marina.provisioner.simulated.SimulatedDriver;
import dev.marina.testkit.SharedKafka;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** The driver contract against the simulated driver, through the HTTP API of a real simulated plane on the shared broker. */
class DriverContractSimulatedIT extends DriverContract {

    private static final String TOKEN = "contract-plane-token-7c1e94";

    @TempDir
    Path dir;
    private SimulatedPlane plane;
    private PlaneApi api;
    private final PlatformProofKey proof = new PlatformProofKey(random());

    @BeforeEach
    void startPlane() throws Exception {
        plane = new SimulatedPlane(new SimulatedPlane.Settings(SharedKafka.agentClientProperties("simulated-plane"), dir.resolve("plane"),
                dir.resolve("platform.key"), Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(1), 1,
                List.of("10.11.19")), Clock.systemUTC());
        api = new PlaneApi(plane, TOKEN, 0);
    }

    @AfterEach
    void stopPlane() {
        api.close();
        plane.close();
    }

    @Override
    protected InstanceDriver driver() {
        return new SimulatedDriver(URI.create("http://127.0.0.1:" + api.port()), TOKEN, proof);
    }

    /** The plane keeps its instances: a restarted provisioner finds them through the API. */
    @Override
    protected InstanceDriver reopened() {
        return driver();
    }

    @Override
    protected void scenario(String name) {}

    private static byte[] random() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return key;
    }
}
