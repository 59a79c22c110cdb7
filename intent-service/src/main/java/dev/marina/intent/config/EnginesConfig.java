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
        /** MariaDB versions a deployment may ask for (a comma-separated list). */
        @WithDefault("10.11")
        List<String> versions();
    }
}
