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
import dev.marina.dns.driver.route53.Route53Driver;
import dev.marina.dns.driver.route53.Route53Settings;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;
import org.jboss.logging.Logger;

/** Makes the driver named by {@code marina.dns.driver} the {@link DnsDriver} everyone uses. */
@ApplicationScoped
public class DriverSelection {

    private static final Logger LOG = Logger.getLogger(DriverSelection.class);
    public static final String RFC2136 = "rfc2136";
    public static final String ROUTE53 = "route53";

    @Produces
    @ApplicationScoped
    DnsDriver driver(DnsConfig config) {
        return switch (config.driver()) {
            case RFC2136 -> rfc2136(config);
            case ROUTE53 -> route53(config);
            default -> throw new IllegalStateException("unknown marina.dns.driver \"" + config.driver() + "\"; known: "
                    + RFC2136 + ", " + ROUTE53);
        };
    }

    void close(@Disposes DnsDriver driver) throws Exception {
        if (driver instanceof AutoCloseable closeable) {
            closeable.close();
        }
    }

    private static DnsDriver route53(DnsConfig config) {
        DnsConfig.Route53 r = config.route53();
        if (r.hostedZoneId().isEmpty()) {
            LOG.warnf("no Route 53 hosted zone configured, every command will fail zone=%s", config.zone());
            return new Unconfigured(Names.fqdn(config.zone()), "no hosted zone: set marina.dns.route53.hosted-zone-id");
        }
        Route53Settings settings = new Route53Settings(r.hostedZoneId().get(), config.zone(), r.region(),
                r.endpoint().map(URI::create), r.requestTimeout(), r.changeTimeout(), r.rate(), r.throttleRetries(),
                r.throttleBackoff());
        LOG.infof("dns driver ready driver=%s settings=%s", ROUTE53, settings);
        return new Route53Driver(settings);
    }

    private static DnsDriver rfc2136(DnsConfig config) {
        Optional<String> secret = config.keySecret().or(() -> config.keyFile().map(f -> TsigSecrets.fromFile(Path.of(f))));
        if (secret.isEmpty()) {
            // The service still starts (health, metrics); every command fails with this reason until configured.
            LOG.warnf("no TSIG key configured, every command will fail zone=%s", config.zone());
            return new Unconfigured(Names.fqdn(config.zone()),
                    "no TSIG key configured: set marina.dns.key-secret or marina.dns.key-file");
        }
        Rfc2136Settings settings = new Rfc2136Settings(config.serverHost(), config.serverPort(), config.zone(),
                config.keyName(), secret.get(), config.algorithm(), config.timeout());
        LOG.infof("dns driver ready driver=%s settings=%s", RFC2136, settings);
        return new Rfc2136Driver(settings);
    }

    /** Stands in while the driver is not configured; says why on every call. */
    record Unconfigured(String zone, String reason) implements DnsDriver {

        @Override
        public ZoneContents read() {
            throw new DnsDriverException(DnsDriverException.Kind.REFUSED, reason);
        }

        @Override
        public void apply(ZoneChange change) {
            throw new DnsDriverException(DnsDriverException.Kind.REFUSED, reason);
        }
    }
}
