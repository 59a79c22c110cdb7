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
 * Unknown fields are allowed (newer clients), as the topic contract says.
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
            if (field == null || entry.getValue().isNull()) {
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

    private static String describe(JsonNode value) {
        String text = value.toString();
        return text.length() > 40 ? text.substring(0, 40) + "…" : text;
    }
}
