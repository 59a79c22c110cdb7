package dev.marina.schemas.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Versions as specs, servers and the catalogue spell them; which changes between builds are allowed. */
class EngineVersionTest {
    private static final OfferedVersions OFFERED = OfferedVersions.of(List.of("10.11.19", "10.11.18"));

    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource(delimiter = '|', nullValues = "null", value = {
            "10.11.18 | 10.11.18",
            "10.11.19 | 10.11.19",
            "10.11 | 10.11.19",
            "10.11.17 | null",
            "10.6 | null",
            "10 | null",
            "10.11.x | null",
            "' 10.11' | null",
    })
    void resolves_a_spec_version_to_an_offered_build(String requested, String build) {
        assertEquals(Optional.ofNullable(build), OFFERED.resolve(requested).map(EngineVersion::toString));
    }

    @Test
    void reads_what_a_server_reports() {
        assertEquals(Optional.of(new EngineVersion(10, 11, 19)), EngineVersion.fromReported("10.11.19-MariaDB-0+deb12u1-log"));
        assertEquals(Optional.of(new EngineVersion(10, 11, 18)), EngineVersion.fromReported("10.11.18-MariaDB"));
        assertEquals(Optional.empty(), EngineVersion.fromReported("MariaDB"));
        assertEquals(List.of("10.11", "10.11.18", "10.11.19"), OFFERED.accepted());
    }

    @ParameterizedTest(name = "{0} → {1}: {2}")
    @CsvSource(delimiter = '|', value = {
            "10.11.18 | 10.11.19 | PATCH_UPGRADE",
            "10.11.19 | 10.11.18 | PATCH_DOWNGRADE",
            "10.11.19 | 10.11.19 | NONE",
            "10.11.19 | 10.6.20 | ACROSS_SERIES",
            "10.6.20 | 10.11.19 | ACROSS_SERIES",
            "10.11.19 | 11.4.2 | ACROSS_SERIES",
    })
    void classifies_a_change_between_builds(String from, String to, VersionChange change) {
        EngineVersion a = EngineVersion.parse(from).orElseThrow();
        EngineVersion b = EngineVersion.parse(to).orElseThrow();
        assertEquals(change, VersionChange.between(a, b));
        assertEquals(change == VersionChange.ACROSS_SERIES, VersionChange.refusal(a, b).isPresent());
    }

    @Test
    void says_why_a_downgrade_across_series_is_refused() {
        String why = VersionChange.refusal(EngineVersion.parse("10.11.19").orElseThrow(), EngineVersion.parse("10.6.20").orElseThrow()).orElseThrow();
        assertTrue(why.startsWith("a downgrade from 10.11.19 to another series (10.6.20) is not supported by MariaDB"), why);
    }
}
