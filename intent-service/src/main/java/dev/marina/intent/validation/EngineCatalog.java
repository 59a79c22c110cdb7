package dev.marina.intent.validation;

import dev.marina.schemas.engine.EngineVersion;
import dev.marina.schemas.engine.OfferedVersions;
import dev.marina.schemas.v1.Engine;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which engines and exact builds this platform offers. A spec names a build ("10.11.18") or a series ("10.11"),
 * which means the newest build of it offered (see {@link OfferedVersions}).
 */
public record EngineCatalog(Map<Engine, OfferedVersions> versions) {

    /** What runs here: MariaDB 10.11.19 (Debian's {@code mariadb-server}) and 10.11.18 (its previous point release). */
    public static EngineCatalog local() {
        return of(Engine.ENGINE_MARIADB, List.of("10.11.18", "10.11.19"));
    }

    /** @param versions exact builds; anything else is a configuration error (thrown) */
    public static EngineCatalog of(Engine engine, List<String> versions) {
        return new EngineCatalog(Map.of(engine, OfferedVersions.of(versions)));
    }

    public boolean offers(Engine engine) {
        return versions.containsKey(engine);
    }

    /** What a spec may say for this engine: every build and every series, sorted. */
    public List<String> versionsOf(Engine engine) {
        OfferedVersions offered = versions.get(engine);
        return offered == null ? List.of() : offered.accepted();
    }

    /** The exact build a spec's version means, or empty when it is not offered. */
    public Optional<EngineVersion> resolve(Engine engine, String requested) {
        OfferedVersions offered = versions.get(engine);
        return offered == null ? Optional.empty() : offered.resolve(requested);
    }

    public String offeredEngines() {
        return versions.keySet().stream().map(Enum::name).sorted().toList().toString();
    }
}
