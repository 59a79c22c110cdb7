package dev.marina.dns;

import dev.marina.dns.driver.DnsDriver;
import dev.marina.dns.driver.DnsDriverException;
import dev.marina.dns.driver.Rfc2136Driver;
import dev.marina.dns.driver.Rfc2136Settings;
import dev.marina.dns.driver.TsigSecrets;
import dev.marina.dns.zone.Names;
import dev.marina.dns.zone.ZoneChange;
import dev.marina.dns.zone.ZoneContents;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.nio.file.Path;
import java.util.Optional;
import org.jboss.logging.Logger;

/** Makes the driver named by {@code marina.dns.driver} the {@link DnsDriver} everyone uses. */
@ApplicationScoped
public class DriverSelection {

    private static final Logger LOG = Logger.getLogger(DriverSelection.class);
    public static final String RFC2136 = "rfc2136";

    @Produces
    @ApplicationScoped
    DnsDriver driver(DnsConfig config) {
        if (!RFC2136.equals(config.driver())) {
            throw new IllegalStateException("unknown marina.dns.driver \"" + config.driver() + "\"; known: " + RFC2136);
        }
        Optional<String> secret = config.keySecret().or(() -> config.keyFile().map(f -> TsigSecrets.fromFile(Path.of(f))));
        if (secret.isEmpty()) {
            // The service still starts (health, metrics); every command fails with this reason until configured.
            LOG.warnf("no TSIG key configured, every command will fail zone=%s", config.zone());
            return new Unconfigured(Names.fqdn(config.zone()));
        }
        Rfc2136Settings settings = new Rfc2136Settings(config.serverHost(), config.serverPort(), config.zone(),
                config.keyName(), secret.get(), config.algorithm(), config.timeout());
        LOG.infof("dns driver ready driver=%s settings=%s", RFC2136, settings);
        return new Rfc2136Driver(settings);
    }

    /** Stands in while no key is configured; says so on every call. */
    record Unconfigured(String zone) implements DnsDriver {
        private static final String REASON = "no TSIG key configured: set marina.dns.key-secret or marina.dns.key-file";

        @Override
        public ZoneContents read() {
            throw new DnsDriverException(DnsDriverException.Kind.REFUSED, REASON);
        }

        @Override
        public void apply(ZoneChange change) {
            throw new DnsDriverException(DnsDriverException.Kind.REFUSED, REASON);
        }
    }
}
