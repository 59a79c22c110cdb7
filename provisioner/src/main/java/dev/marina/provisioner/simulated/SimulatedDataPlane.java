package dev.marina.provisioner.simulated;

import dev.marina.provisioner.ProvisionerConfig;
import dev.marina.schemas.proof.PlatformProofKey;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jboss.logging.Logger;

/** Wires the {@code simulated} driver from {@code marina.provisioner.simulated.*}; built only when it is the driver. */
@ApplicationScoped
public class SimulatedDataPlane {

    private static final Logger LOG = Logger.getLogger(SimulatedDataPlane.class);

    @Inject
    ProvisionerConfig config;

    @Inject
    PlatformProofKey proof;

    private SimulatedDriver driver;

    public synchronized SimulatedDriver driver() {
        if (driver == null) {
            ProvisionerConfig.Simulated settings = config.simulated();
            String tokenFile = settings.tokenFile().orElseThrow(() -> new IllegalStateException(
                    "marina.provisioner.simulated.token-file is required with the simulated driver (the plane's API token)"));
            String token;
            try {
                token = Files.readString(Path.of(tokenFile)).trim();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the simulated plane's token " + tokenFile, e);
            }
            URI url = URI.create(settings.url());
            if (!"127.0.0.1".equals(url.getHost()) && !"localhost".equals(url.getHost())) {
                throw new IllegalStateException("marina.provisioner.simulated.url must be on loopback (a create carries an instance's"
                        + " proof key in clear): " + url);
            }
            driver = new SimulatedDriver(url, token, proof);
            LOG.infof("simulated driver ready plane=%s", url);
        }
        return driver;
    }
}
