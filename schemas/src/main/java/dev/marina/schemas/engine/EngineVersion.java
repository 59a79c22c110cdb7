package dev.marina.schemas.engine;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A MariaDB build's version, {@code major.minor.patch} (e.g. 10.11.19). The series is {@code major.minor}: builds of one
 * series share their on-disk formats, which is what decides whether a change between them is allowed. Pure.
 */
public record EngineVersion(int major, int minor, int patch) implements Comparable<EngineVersion> {
    private static final Pattern EXACT = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,4})");
    /** What a server reports: "10.11.19-MariaDB-0+deb12u1-log". */
    private static final Pattern REPORTED = Pattern.compile("^(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,4})(?:[-+~].*)?$");

    /** "10.11.19" exactly; empty for anything else (a series alone, a suffix, garbage). */
    public static Optional<EngineVersion> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        Matcher m = EXACT.matcher(text);
        return m.matches() ? Optional.of(of(m)) : Optional.empty();
    }

    /** The version at the start of what a server reports ({@code SELECT VERSION()}, {@code mariadbd --version}'s word). */
    public static Optional<EngineVersion> fromReported(String reported) {
        if (reported == null) {
            return Optional.empty();
        }
        Matcher m = REPORTED.matcher(reported.strip());
        return m.matches() ? Optional.of(of(m)) : Optional.empty();
    }

    private static EngineVersion of(Matcher m) {
        return new EngineVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)));
    }

    /** "10.11". */
    public String series() {
        return major + "." + minor;
    }

    public boolean sameSeries(EngineVersion other) {
        return major == other.major && minor == other.minor;
    }

    @Override
    public int compareTo(EngineVersion o) {
        int c = Integer.compare(major, o.major);
        if (c == 0) {
            c = Integer.compare(minor, o.minor);
        }
        return c == 0 ? Integer.compare(patch, o.patch) : c;
    }

    @Override
    public String toString() {
        return major + "." + minor + "." + patch;
    }
}
