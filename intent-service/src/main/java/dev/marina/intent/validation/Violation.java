package dev.marina.intent.validation;

/**
 * One thing wrong with a request: the field as a path (e.g. {@code spec.replicas}) and why, in
 * words a user can act on.
 */
public record Violation(String field, String reason) {
    @Override
    public String toString() {
        return field.isEmpty() ? reason : field + ": " + reason;
    }
}
