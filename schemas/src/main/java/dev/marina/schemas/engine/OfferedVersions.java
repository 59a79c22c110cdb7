package dev.marina.schemas.engine;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The MariaDB builds a platform offers, newest last, and how a spec's version is read against them: an exact build
 * ("10.11.18") or a series ("10.11"), which means the newest offered patch of it. Pure.
 */
public record OfferedVersions(List<EngineVersion> builds) {

    public OfferedVersions {
        builds = List.copyOf(new TreeSet<>(builds));
    }

    /** From "10.11.18", "10.11.19", ...; throws on anything but exact versions (a configuration error). */
    public static OfferedVersions of(Collection<String> versions) {
        return new OfferedVersions(versions.stream().map(v -> EngineVersion.parse(v.strip())
                .orElseThrow(() -> new IllegalArgumentException("an offered version must be exact (e.g. 10.11.19): " + v))).toList());
    }

    /** The build a spec's version means, or empty when it is not offered. */
    public Optional<EngineVersion> resolve(String requested) {
        if (requested == null || requested.isBlank()) {
            return Optional.empty();
        }
        Optional<EngineVersion> exact = EngineVersion.parse(requested);
        if (exact.isPresent()) {
            return builds.contains(exact.get()) ? exact : Optional.empty();
        }
        return builds.stream().filter(b -> b.series().equals(requested)).reduce((a, b) -> b);
    }

    /** What a spec may say: every build and every series. */
    public List<String> accepted() {
        TreeSet<String> names = new TreeSet<>();
        builds.forEach(b -> {
            names.add(b.toString());
            names.add(b.series());
        });
        return List.copyOf(names);
    }
}
