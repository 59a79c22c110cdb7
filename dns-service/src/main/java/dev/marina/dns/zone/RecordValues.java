package dev.marina.dns.zone;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;

/**
 * One spelling per value, so that what a command asks for and what the server answers compare equal:
 * addresses as Java prints them, host names fully qualified and lower-case, TXT as the plain text.
 */
public final class RecordValues {
    private RecordValues() {}

    public static String canonical(String type, String value) {
        String v = value.trim();
        return switch (type) {
            case "A", "AAAA" -> address(type, v);
            case "CNAME" -> Names.fqdn(v);
            case "TXT" -> unquoted(value);
            default -> v;
        };
    }

    private static String address(String type, String value) {
        boolean looksRight = "A".equals(type) ? value.matches("[0-9.]+") : value.contains(":");
        if (!looksRight) {
            throw new IllegalArgumentException("\"" + value + "\" is not an " + type + " address");
        }
        try {
            // A literal: no lookup happens.
            return InetAddress.getByName(value).getHostAddress().toLowerCase(Locale.ROOT);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("\"" + value + "\" is not an " + type + " address");
        }
    }

    private static String unquoted(String value) {
        return value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")
                ? value.substring(1, value.length() - 1)
                : value;
    }
}
