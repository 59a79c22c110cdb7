package dev.marina.intent.validation;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Checks a JSON document against a message's shape before protobuf parses it, so an error names
 * the field ({@code spec.replicas: expected an integer, got "two"}) instead of only the value.
 * An unknown field is refused, naming it (and the field it was probably meant to be): at the API a
 * typo must not silently become a default ({@code "replicaz": 3}). Services reading topics stay
 * lenient (newer writers may add fields); this check is for requests people and systems send.
 */
public final class JsonShape {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private JsonShape() {}

    /** Parses and checks; a document that is not JSON at all yields one violation at the root. */
    public static List<Violation> check(String json, Descriptor type) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            return List.of(new Violation("", "malformed JSON: " + e.getOriginalMessage()));
        }
        if (root == null || !root.isObject()) {
            return List.of(new Violation("", "expected a JSON object"));
        }
        List<Violation> violations = new ArrayList<>();
        checkObject(root, type, "", violations);
        return violations;
    }

    private static void checkObject(JsonNode node, Descriptor type, String path, List<Violation> violations) {
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            FieldDescriptor field = find(type, entry.getKey());
            if (field == null) {
                String shown = entry.getKey().length() <= Shown.MAX_CHARS ? entry.getKey() : Shown.quoted(entry.getKey());
                violations.add(new Violation(path.isEmpty() ? shown : path + "." + shown, "unknown field"
                        + closest(type, entry.getKey()).map(f -> "; did you mean " + f + "?").orElse("")
                        + " (fields here: " + String.join(", ", type.getFields().stream().map(FieldDescriptor::getJsonName).toList()) + ")"));
                continue;
            }
            if (entry.getValue().isNull()) {
                continue;
            }
            String fieldPath = path.isEmpty() ? field.getJsonName() : path + "." + field.getJsonName();
            JsonNode value = entry.getValue();
            if (field.isMapField()) {
                if (!value.isObject()) {
                    violations.add(new Violation(fieldPath, "expected an object, got " + describe(value)));
                }
            } else if (field.isRepeated()) {
                if (!value.isArray()) {
                    violations.add(new Violation(fieldPath, "expected a list, got " + describe(value)));
                } else {
                    for (int i = 0; i < value.size(); i++) {
                        checkValue(value.get(i), field, fieldPath + "[" + i + "]", violations);
                    }
                }
            } else {
                checkValue(value, field, fieldPath, violations);
            }
        }
    }

    private static void checkValue(JsonNode value, FieldDescriptor field, String path, List<Violation> violations) {
        String problem = switch (field.getJavaType()) {
            case INT -> !isInteger(value) ? "expected an integer"
                    : fitsInt(value) ? null : "is out of range for a 32-bit integer";
            case LONG -> isInteger(value) ? null : "expected an integer";
            case FLOAT, DOUBLE -> value.isNumber() || value.isTextual() ? null : "expected a number";
            case BOOLEAN -> value.isBoolean() ? null : "expected true or false";
            case STRING, BYTE_STRING -> value.isTextual() ? null : "expected a string";
            case ENUM -> enumProblem(value, field);
            case MESSAGE -> {
                if (field.getMessageType().getFullName().startsWith("google.protobuf.")) {
                    yield value.isTextual() || value.isObject() ? null : "expected a string";
                }
                if (!value.isObject()) {
                    yield "expected an object";
                }
                checkObject(value, field.getMessageType(), path, violations);
                yield null;
            }
        };
        if (problem != null) {
            violations.add(new Violation(path, problem + ", got " + describe(value)));
        }
    }

    private static String enumProblem(JsonNode value, FieldDescriptor field) {
        if (value.isInt()) {
            return null;
        }
        if (!value.isTextual()) {
            return "expected one of " + enumNames(field);
        }
        return field.getEnumType().findValueByName(value.asText()) == null ? "expected one of " + enumNames(field) : null;
    }

    private static List<String> enumNames(FieldDescriptor field) {
        return field.getEnumType().getValues().stream().map(v -> v.getName()).filter(n -> !n.endsWith("_UNSPECIFIED")).toList();
    }

    private static boolean isInteger(JsonNode value) {
        if (value.isIntegralNumber()) {
            return true;
        }
        // proto3 JSON writes 64-bit integers as strings
        return value.isTextual() && value.asText().matches("-?[0-9]{1,19}");
    }

    private static boolean fitsInt(JsonNode value) {
        try {
            long v = Long.parseLong(value.asText());
            return v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static FieldDescriptor find(Descriptor type, String jsonKey) {
        for (FieldDescriptor f : type.getFields()) {
            if (f.getJsonName().equals(jsonKey) || f.getName().equals(jsonKey)) {
                return f;
            }
        }
        return null;
    }

    /** The field whose name is within two edits of {@code key}, if one is. */
    private static java.util.Optional<String> closest(Descriptor type, String key) {
        if (key.length() > 64) {
            return java.util.Optional.empty();
        }
        return type.getFields().stream().map(FieldDescriptor::getJsonName)
                .filter(name -> distance(name.toLowerCase(), key.toLowerCase()) <= 2)
                .min(java.util.Comparator.comparingInt(name -> distance(name.toLowerCase(), key.toLowerCase())));
    }

    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitute, Math.min(previous[j] + 1, current[j - 1] + 1));
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    private static String describe(JsonNode value) {
        String text = value.toString();
        return text.length() > 40 ? text.substring(0, 40) + "…" : text;
    }
}
