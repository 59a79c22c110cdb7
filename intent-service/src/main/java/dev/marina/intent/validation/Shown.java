package dev.marina.intent.validation;

/**
 * How a user's value appears in an error: quoted, and cut to a short prefix, so an error (an HTTP body,
 * an {@code intent-rejections} record, a log line) never carries a huge value back, let alone twice.
 */
public final class Shown {
    private Shown() {}

    public static final int MAX_CHARS = 64;

    public static String quoted(String value) {
        if (value.length() <= MAX_CHARS) {
            return "\"" + value + "\"";
        }
        return "\"" + value.substring(0, MAX_CHARS) + "…\" (" + value.length() + " characters)";
    }
}
