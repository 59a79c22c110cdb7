package dev.marina.intent.api;

import dev.marina.intent.validation.Violation;
import java.util.List;

/**
 * A request the API refuses, with what a caller needs to fix it. {@code status} is the HTTP status;
 * gRPC maps it to the matching status code.
 */
public final class ApiError extends RuntimeException {
    public enum Kind { BAD_REQUEST, UNPROCESSABLE, NOT_FOUND, CONFLICT, UNAVAILABLE, UNAUTHORIZED, FORBIDDEN, UNIMPLEMENTED }

    private final Kind kind;
    private final String requestId;
    private final List<Violation> violations;

    public ApiError(Kind kind, String message, String requestId, List<Violation> violations) {
        super(message);
        this.kind = kind;
        this.requestId = requestId == null ? "" : requestId;
        this.violations = List.copyOf(violations);
    }

    public static ApiError invalid(Kind kind, String requestId, List<Violation> violations) {
        return new ApiError(kind, violations.size() == 1 ? violations.get(0).toString()
                : violations.size() + " problems: " + violations, requestId, violations);
    }

    public Kind kind() {
        return kind;
    }

    public String requestId() {
        return requestId;
    }

    public List<Violation> violations() {
        return violations;
    }

    public int httpStatus() {
        return switch (kind) {
            case BAD_REQUEST -> 400;
            case UNAUTHORIZED -> 401;
            case FORBIDDEN -> 403;
            case NOT_FOUND -> 404;
            case CONFLICT -> 409;
            case UNPROCESSABLE -> 422;
            case UNIMPLEMENTED -> 501;
            case UNAVAILABLE -> 503;
        };
    }
}
