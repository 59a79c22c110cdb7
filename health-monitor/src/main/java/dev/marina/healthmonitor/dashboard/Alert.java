package dev.marina.healthmonitor.dashboard;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Something about a deployment that wants a person's attention now.
 *
 * @param severity {@link #CRITICAL} or {@link #WARNING}
 * @param kind     what rule raised it, a stable code the page and tests can match
 * @param instance the instance it is about, or null when it is about the deployment
 * @param message  what to read, in words
 * @param since    since when it holds (epoch milliseconds), when known
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Alert(String severity, String kind, String instance, String message, Long since) {
    public static final String CRITICAL = "critical";
    public static final String WARNING = "warning";

    public boolean critical() {
        return CRITICAL.equals(severity);
    }
}
