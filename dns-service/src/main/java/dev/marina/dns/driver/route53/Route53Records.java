package dev.marina.dns.driver.route53;

import dev.marina.dns.zone.Names;
import dev.marina.dns.zone.RecordSet;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import software.amazon.awssdk.services.route53.model.ResourceRecord;
import software.amazon.awssdk.services.route53.model.ResourceRecordSet;

/**
 * Between Route 53's spelling of records and the zone package's canonical one. Route 53 writes
 * characters outside {@code a-z0-9-_} in names as {@code \ooo} (three octal digits; {@code *} comes
 * back as {@code \052}), and TXT values as quoted character strings of at most 255 bytes, with
 * {@code \"}, {@code \\} and {@code \ooo} escapes. Our model holds a TXT value as its plain text.
 */
final class Route53Records {
    private Route53Records() {}

    /** The longest character string one TXT value may hold (RFC 1035). */
    static final int TXT_STRING_BYTES = 255;

    /** Where a wire record set lives, in canonical spelling. */
    static RecordSet.Key key(ResourceRecordSet set) {
        return new RecordSet.Key(name(set.name()), set.typeAsString().toUpperCase(Locale.ROOT));
    }

    /**
     * Groups wire record sets by name and type. Several sets share a name and type only under a
     * routing policy (weighted, latency, …, told apart by their SetIdentifier); they are one record
     * set for the planner, with the values of all of them. Alias sets have no values of their own.
     */
    static Map<RecordSet.Key, List<ResourceRecordSet>> byKey(List<ResourceRecordSet> sets) {
        Map<RecordSet.Key, List<ResourceRecordSet>> byKey = new LinkedHashMap<>();
        for (ResourceRecordSet set : sets) {
            byKey.computeIfAbsent(key(set), k -> new ArrayList<>()).add(set);
        }
        return byKey;
    }

    static RecordSet recordSet(RecordSet.Key key, List<ResourceRecordSet> sets) {
        List<String> values = new ArrayList<>();
        Integer ttl = null;
        for (ResourceRecordSet set : sets) {
            set.resourceRecords().forEach(record -> values.add(modelValue(key.type(), record.value())));
            if (ttl == null && set.ttl() != null) {
                ttl = set.ttl().intValue();
            }
        }
        return new RecordSet(key.name(), key.type(), values, ttl == null ? 0 : ttl);
    }

    /** A record set of ours as Route 53 takes it. */
    static ResourceRecordSet wire(RecordSet set) {
        return ResourceRecordSet.builder()
                .name(set.name())
                .type(set.type())
                .ttl((long) set.ttlSeconds())
                .resourceRecords(set.values().stream()
                        .map(value -> ResourceRecord.builder().value(wireValue(set.type(), value)).build())
                        .toList())
                .build();
    }

    static String wireValue(String type, String value) {
        return "TXT".equals(type) ? quoteTxt(value) : value;
    }

    static String modelValue(String type, String wire) {
        return "TXT".equals(type) ? unquoteTxt(wire) : wire;
    }

    /** A wire name, escapes resolved, lower-case and fully qualified. */
    static String name(String wire) {
        if (wire.indexOf('\\') < 0) {
            return Names.fqdn(wire);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = 0; i < wire.length(); i++) {
            i = unescapeAt(wire, i, bytes);
        }
        return Names.fqdn(bytes.toString(StandardCharsets.UTF_8));
    }

    /** Plain text as one or more quoted strings of at most 255 bytes each. */
    static String quoteTxt(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (bytes.length == 0) {
            return "\"\"";
        }
        StringBuilder out = new StringBuilder();
        for (int start = 0; start < bytes.length; start += TXT_STRING_BYTES) {
            if (start > 0) {
                out.append(' ');
            }
            out.append('"');
            for (int i = start; i < Math.min(bytes.length, start + TXT_STRING_BYTES); i++) {
                int b = bytes[i] & 0xff;
                if (b == '"' || b == '\\') {
                    out.append('\\').append((char) b);
                } else if (b >= 0x20 && b < 0x7f) {
                    out.append((char) b);
                } else {
                    out.append('\\').append(String.format("%03o", b));
                }
            }
            out.append('"');
        }
        return out.toString();
    }

    /** The plain text of a TXT value: its character strings, quoted or not, joined. */
    static String unquoteTxt(String wire) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int i = 0;
        while (i < wire.length()) {
            char c = wire.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '"') {
                i++;
                while (i < wire.length() && wire.charAt(i) != '"') {
                    i = unescapeAt(wire, i, bytes) + 1;
                }
                i++; // the closing quote
            } else {
                while (i < wire.length() && !Character.isWhitespace(wire.charAt(i))) {
                    i = unescapeAt(wire, i, bytes) + 1;
                }
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** Appends the character (or escape) at {@code i} to {@code bytes}; returns the index of its last char. */
    private static int unescapeAt(String text, int i, ByteArrayOutputStream bytes) {
        char c = text.charAt(i);
        if (c != '\\' || i + 1 >= text.length()) {
            bytes.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
            return i;
        }
        if (i + 3 < text.length() && isOctal(text, i + 1, 3)) {
            bytes.write(Integer.parseInt(text.substring(i + 1, i + 4), 8));
            return i + 3;
        }
        bytes.writeBytes(String.valueOf(text.charAt(i + 1)).getBytes(StandardCharsets.UTF_8));
        return i + 1;
    }

    private static boolean isOctal(String text, int from, int count) {
        for (int i = from; i < from + count; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '7') {
                return false;
            }
        }
        return Integer.parseInt(text.substring(from, from + count), 8) <= 0xff;
    }
}
