package dev.marina.intent.validation;

import dev.marina.schemas.v1.Engine;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Which engines and versions this platform offers. */
public record EngineCatalog(Map<Engine, Set<String>> versions) {

    /** What runs here: MariaDB 10.11 from Debian's {@code mariadb-server}. */
    public static EngineCatalog local() {
        return new EngineCatalog(Map.of(Engine.ENGINE_MARIADB, Set.of("10.11")));
    }

    public static EngineCatalog of(Engine engine, List<String> versions) {
        return new EngineCatalog(Map.of(engine, Set.copyOf(versions)));
    }

    public boolean offers(Engine engine) {
        return versions.containsKey(engine);
    }

    public Set<String> versionsOf(Engine engine) {
        return versions.getOrDefault(engine, Set.of());
    }

    public String offeredEngines() {
        return versions.keySet().stream().map(Enum::name).sorted().toList().toString();
    }
}
