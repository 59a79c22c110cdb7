package dev.marina.intent.reconcile;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.BitSet;
import java.util.Optional;

/**
 * When scheduled backups start: a five-field cron expression (minute, hour, day of month, month, day of
 * week; {@code *}, lists, ranges and steps) or a name for one, always in UTC. Pure.
 *
 * <p>Names: {@code hourly} = {@code 0 * * * *}, {@code nightly} = {@code 0 3 * * *} (a quiet hour),
 * {@code daily} = {@code 0 0 * * *}, {@code weekly} = {@code 0 3 * * 0}. As in cron, when both the day of
 * month and the day of week are restricted, a day matching either counts.
 */
public final class BackupSchedule {
    /** How far back a slot is looked for: every valid expression has one within eight years (29 February on a Monday...). */
    private static final int MAX_DAYS_BACK = 366 * 8 + 2;

    private final String expression;
    private final BitSet minutes;
    private final BitSet hours;
    private final BitSet daysOfMonth;
    private final BitSet months;
    private final BitSet daysOfWeek;
    private final boolean domRestricted;
    private final boolean dowRestricted;

    private BackupSchedule(String expression, String[] f) {
        this.expression = expression;
        this.minutes = field(f[0], 0, 59, "minute");
        this.hours = field(f[1], 0, 23, "hour");
        this.daysOfMonth = field(f[2], 1, 31, "day of month");
        this.months = field(f[3], 1, 12, "month");
        BitSet dow = field(f[4], 0, 7, "day of week");
        if (dow.get(7)) {
            dow.set(0);
        }
        this.daysOfWeek = dow;
        this.domRestricted = !f[2].equals("*");
        this.dowRestricted = !f[4].equals("*");
    }

    /** The schedule of a spec's {@code backups.schedule}; {@link IllegalArgumentException} says what is wrong. */
    public static BackupSchedule parse(String schedule) {
        String cron = switch (schedule.trim()) {
            case "hourly" -> "0 * * * *";
            case "nightly" -> "0 3 * * *";
            case "daily" -> "0 0 * * *";
            case "weekly" -> "0 3 * * 0";
            default -> schedule.trim();
        };
        String[] fields = cron.split("\\s+");
        if (fields.length != 5) {
            throw new IllegalArgumentException("has " + fields.length + " fields; a cron expression has five"
                    + " (minute hour day-of-month month day-of-week), or use hourly, nightly, daily or weekly");
        }
        BackupSchedule parsed = new BackupSchedule(schedule, fields);
        if (parsed.latestAtOrBefore(Instant.parse("2030-01-01T00:00:00Z")).isEmpty()) {
            throw new IllegalArgumentException("never matches a date (e.g. 31 February)");
        }
        return parsed;
    }

    /**
     * The schedule, or empty when it does not parse (an intent stored by an older, laxer validator): the
     * planner then takes no scheduled backups and the status says why, rather than failing the pass.
     */
    public static Optional<BackupSchedule> tryParse(String schedule) {
        try {
            return Optional.of(parse(schedule));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** Whether {@code schedule} parses; the reason when it does not. */
    public static Optional<String> problem(String schedule) {
        try {
            parse(schedule);
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.of(e.getMessage());
        }
    }

    /** The latest start time at or before {@code now} (minute precision, UTC). */
    public Optional<Instant> latestAtOrBefore(Instant now) {
        LocalDateTime at = LocalDateTime.ofInstant(now, ZoneOffset.UTC);
        LocalDate day = at.toLocalDate();
        LocalTime limit = at.toLocalTime();
        for (int back = 0; back < MAX_DAYS_BACK; back++, day = day.minusDays(1), limit = LocalTime.MAX) {
            if (!dayMatches(day)) {
                continue;
            }
            for (int h = Math.min(23, limit.getHour()); h >= 0; h--) {
                if (!hours.get(h)) {
                    continue;
                }
                int fromMinute = h == limit.getHour() ? limit.getMinute() : 59;
                int m = minutes.previousSetBit(fromMinute);
                if (m >= 0) {
                    return Optional.of(day.atTime(h, m).toInstant(ZoneOffset.UTC));
                }
            }
        }
        return Optional.empty();
    }

    /** The first start time strictly after {@code now}. */
    public Optional<Instant> nextAfter(Instant now) {
        LocalDateTime at = LocalDateTime.ofInstant(now, ZoneOffset.UTC).withSecond(0).withNano(0).plusMinutes(1);
        LocalDate day = at.toLocalDate();
        LocalTime from = at.toLocalTime();
        for (int ahead = 0; ahead < MAX_DAYS_BACK; ahead++, day = day.plusDays(1), from = LocalTime.MIDNIGHT) {
            if (!dayMatches(day)) {
                continue;
            }
            for (int h = from.getHour(); h <= 23; h++) {
                if (!hours.get(h)) {
                    continue;
                }
                int m = minutes.nextSetBit(h == from.getHour() ? from.getMinute() : 0);
                if (m >= 0 && m <= 59) {
                    return Optional.of(day.atTime(h, m).toInstant(ZoneOffset.UTC));
                }
            }
        }
        return Optional.empty();
    }

    private boolean dayMatches(LocalDate day) {
        if (!months.get(day.getMonthValue())) {
            return false;
        }
        boolean dom = daysOfMonth.get(day.getDayOfMonth());
        boolean dow = daysOfWeek.get(day.getDayOfWeek() == DayOfWeek.SUNDAY ? 0 : day.getDayOfWeek().getValue());
        if (domRestricted && dowRestricted) {
            return dom || dow;
        }
        return dom && dow;
    }

    private static BitSet field(String text, int min, int max, String name) {
        BitSet set = new BitSet(max + 1);
        for (String part : text.split(",", -1)) {
            String range = part;
            int step = 1;
            int slash = part.indexOf('/');
            if (slash >= 0) {
                range = part.substring(0, slash);
                step = number(part.substring(slash + 1), 1, max, name + " step");
            }
            int from;
            int to;
            if (range.equals("*")) {
                from = min;
                to = max;
            } else if (range.contains("-")) {
                String[] ends = range.split("-", -1);
                if (ends.length != 2) {
                    throw new IllegalArgumentException(name + " " + quoted(part) + " is not a range like 1-5");
                }
                from = number(ends[0], min, max, name);
                to = number(ends[1], min, max, name);
                if (from > to) {
                    throw new IllegalArgumentException(name + " range " + quoted(range) + " runs backwards");
                }
            } else {
                from = number(range, min, max, name);
                to = slash >= 0 ? max : from;
            }
            for (int v = from; v <= to; v += step) {
                set.set(v);
            }
        }
        return set;
    }

    private static int number(String text, int min, int max, String name) {
        if (text.isEmpty() || text.length() > 2 || !text.chars().allMatch(Character::isDigit)) {
            throw new IllegalArgumentException(name + " " + quoted(text) + " is not a number from " + min + " to " + max);
        }
        int value = Integer.parseInt(text);
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + " " + value + " is outside " + min + "-" + max);
        }
        return value;
    }

    private static String quoted(String text) {
        return "\"" + text + "\"";
    }

    @Override
    public String toString() {
        return expression;
    }
}
