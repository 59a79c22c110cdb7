package dev.marina.intent.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.List;

/** The engines and versions this platform offers, {@code marina.engines.*}. */
@ConfigMapping(prefix = "marina.engines")
public interface EnginesConfig {

    /** MariaDB. */
    Mariadb mariadb();

    interface Mariadb {
        /**
         * MariaDB builds a deployment may run, exact versions (a comma-separated list); a spec names one of them or
         * its series (`10.11`: the newest build of it offered).
         */
        @WithDefault("10.11.18,10.11.19")
        List<String> versions();
    }
}
