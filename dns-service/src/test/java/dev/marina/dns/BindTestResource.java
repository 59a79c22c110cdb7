package dev.marina.dns;

import dev.marina.testkit.LocalBind;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/** A real BIND server for one test profile, with marina.dns.* pointed at it; stopped with the profile. */
public class BindTestResource implements QuarkusTestResourceLifecycleManager {

    public static final String ZONE = "db.marina.test";
    private LocalBind bind;

    @Override
    public Map<String, String> start() {
        bind = LocalBind.start(ZONE);
        return Map.of(
                "marina.dns.server-host", bind.host(),
                "marina.dns.server-port", Integer.toString(bind.port()),
                "marina.dns.zone", bind.zone(),
                "marina.dns.key-name", bind.keyName(),
                "marina.dns.key-secret", bind.keySecret(),
                "marina.dns.algorithm", bind.algorithm());
    }

    @Override
    public void stop() {
        if (bind != null) {
            bind.close();
        }
    }
}
