package dev.marina.cert;

import dev.marina.testkit.LocalBind;
import dev.marina.testkit.LocalPebble;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;

/**
 * A real BIND for the zone {@value #ZONE} and a real Pebble that validates DNS-01 against it, with
 * marina.cert.* pointed at them and at a fresh state folder. The tests reach the servers again through
 * {@code marina.test.*} (Quarkus loads this class and the tests apart).
 */
public class AcmeWorldResource implements QuarkusTestResourceLifecycleManager {

    public static final String ZONE = "marina.test";
    private LocalBind bind;
    private LocalPebble pebble;

    @Override
    public Map<String, String> start() {
        bind = LocalBind.start(ZONE);
        pebble = LocalPebble.start(bind.host(), bind.port());
        Map<String, String> config = new HashMap<>();
        try {
            config.put("marina.cert.state-dir", Files.createTempDirectory("marina-cert-state-").toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        config.put("marina.cert.zone", ZONE);
        config.put("marina.cert.names-wait", "1s");
        config.put("marina.cert.acme.directory", pebble.directoryUrl());
        config.put("marina.cert.acme.trust-pem", pebble.trustPem().toString());
        config.put("marina.cert.acme.roots-url", pebble.managementUrl() + "/roots/0");
        config.put("marina.cert.acme.challenge-ttl", "1s");
        config.put("marina.cert.acme.dns-timeout", "10s");
        config.put("marina.cert.acme.order-timeout", "30s");
        config.put("marina.cert.acme.request-timeout", "3s");
        config.put("marina.test.pebble-dir", pebble.dir().toString());
        config.put("marina.test.bind-port", Integer.toString(bind.port()));
        config.put("marina.test.bind-key-name", bind.keyName());
        config.put("marina.test.bind-key-secret", bind.keySecret());
        return config;
    }

    @Override
    public void stop() {
        if (pebble != null) {
            pebble.close();
        }
        if (bind != null) {
            bind.close();
        }
    }
}
