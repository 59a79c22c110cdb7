package dev.marina.intent.reconcile;

import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The durations a spec gives ({@code spec.autoscaling}'s cooldowns and {@code pause_after_idle}): one or more
 * {@code <whole number><unit>} parts, units {@code h}, {@code m}, {@code s}, largest first, each at most once —
 * {@code 90s}, {@code 5m}, {@code 1h30m}. Pure; the validator and the planners read them with this one parser.
 */
public final class SpecDuration {
    private SpecDuration() {}

    private static final Pattern SHAPE = Pattern.compile("(?:(\\d{1,6})h)?(?:(\\d{1,6})m)?(?:(\\d{1,7})s)?");

    /** The duration, or empty when the text is not one (an empty text is not one either). */
    public static Optional<Duration> parse(String text) {
        return problem(text).isPresent() ? Optional.empty() : Optional.of(parsed(text));
    }

    /** Why the text is not a duration, or empty when it is. */
    public static Optional<String> problem(String text) {
        if (text == null || text.isEmpty()) {
            return Optional.of("is empty");
        }
        Matcher m = SHAPE.matcher(text);
        if (!m.matches()) {
            return Optional.of("is not a duration: give whole hours, minutes and seconds, largest first, e.g. 90s, 5m, 1h30m");
        }
        return Optional.empty();
    }

    /** The parsed duration, or {@code fallback} when the text is empty or not one (the validator refused those). */
    public static Duration orElse(String text, Duration fallback) {
        return parse(text).orElse(fallback);
    }

    /** As a spec would write it: {@code 90s} → {@code 1m30s}, {@code 300s} → {@code 5m}. */
    public static String format(Duration d) {
        long s = d.toSeconds();
        StringBuilder out = new StringBuilder();
        if (s >= 3600) {
            out.append(s / 3600).append('h');
        }
        if (s % 3600 >= 60) {
            out.append(s % 3600 / 60).append('m');
        }
        if (s % 60 != 0 || s == 0) {
            out.append(s % 60).append('s');
        }
        return out.toString();
    }

    private static Duration parsed(String text) {
        Matcher m = SHAPE.matcher(text);
        m.matches();
        long seconds = 0;
        seconds += m.group(1) == null ? 0 : Long.parseLong(m.group(1)) * 3600;
        seconds += m.group(2) == null ? 0 : Long.parseLong(m.group(2)) * 60;
        seconds += m.group(3) == null ? 0 : Long.parseLong(m.group(3));
        return Duration.ofSeconds(seconds);
    }
}
