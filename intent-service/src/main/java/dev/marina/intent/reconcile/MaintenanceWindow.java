package dev.marina.intent.reconcile;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A weekly maintenance window in UTC, {@code ddd:HH:MM-ddd:HH:MM} (e.g. {@code sun:03:00-sun:04:00}), as a spec's
 * {@code maintenance.window} gives it. It may wrap the week ({@code sat:23:00-mon:01:00}); it opens at its start and
 * closes at its end. Pure.
 */
public final class MaintenanceWindow {
    private static final Pattern SHAPE = Pattern.compile("([a-z]{3}):(\\d{2}):(\\d{2})-([a-z]{3}):(\\d{2}):(\\d{2})");
    private static final List<String> DAYS = List.of("mon", "tue", "wed", "thu", "fri", "sat", "sun");
    private static final int WEEK_MINUTES = 7 * 24 * 60;

    private final String text;
    /** Minutes after Monday 00:00 UTC. */
    private final int start;
    private final int end;

    private MaintenanceWindow(String text, int start, int end) {
        this.text = text;
        this.start = start;
        this.end = end;
    }

    /** The window a spec names; {@link IllegalArgumentException} says what is wrong with it. */
    public static MaintenanceWindow parse(String window) {
        String w = window.strip().toLowerCase(Locale.ROOT);
        Matcher m = SHAPE.matcher(w);
        if (!m.matches()) {
            throw new IllegalArgumentException("is not a weekly window: give it as ddd:HH:MM-ddd:HH:MM in UTC, e.g. sun:03:00-sun:04:00");
        }
        int start = minuteOfWeek(m.group(1), m.group(2), m.group(3));
        int end = minuteOfWeek(m.group(4), m.group(5), m.group(6));
        if (start == end) {
            throw new IllegalArgumentException("opens and closes at the same time: a window needs a length");
        }
        return new MaintenanceWindow(w, start, end);
    }

    /** What is wrong with a window, or empty when it is one. */
    public static Optional<String> problem(String window) {
        try {
            parse(window);
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.of(e.getMessage());
        }
    }

    private static int minuteOfWeek(String day, String hour, String minute) {
        int d = DAYS.indexOf(day);
        if (d < 0) {
            throw new IllegalArgumentException("names the day " + day + "; days are " + String.join(", ", DAYS));
        }
        int h = Integer.parseInt(hour);
        int min = Integer.parseInt(minute);
        if (h > 23 || min > 59) {
            throw new IllegalArgumentException("has the time " + hour + ":" + minute + "; times run from 00:00 to 23:59");
        }
        return d * 24 * 60 + h * 60 + min;
    }

    public Duration length() {
        return Duration.ofMinutes(Math.floorMod(end - start, WEEK_MINUTES));
    }

    /** Whether the window is open at {@code now} (from its start, inclusive, to its end, exclusive). */
    public boolean isOpen(Instant now) {
        return Math.floorMod(minuteOfWeek(now) - start, WEEK_MINUTES) < Math.floorMod(end - start, WEEK_MINUTES);
    }

    /** When the window next opens at or after {@code now} (its start this week or next). */
    public Instant nextOpening(Instant now) {
        ZonedDateTime utc = now.atZone(ZoneOffset.UTC);
        ZonedDateTime monday = utc.truncatedTo(ChronoUnit.DAYS).minusDays(utc.getDayOfWeek().getValue() - DayOfWeek.MONDAY.getValue());
        Instant opening = monday.plusMinutes(start).toInstant();
        while (opening.isBefore(now)) {
            opening = opening.plus(Duration.ofDays(7));
        }
        return opening;
    }

    private static int minuteOfWeek(Instant now) {
        ZonedDateTime utc = now.atZone(ZoneOffset.UTC);
        return (utc.getDayOfWeek().getValue() - 1) * 24 * 60 + utc.getHour() * 60 + utc.getMinute();
    }

    @Override
    public String toString() {
        return text;
    }
}
