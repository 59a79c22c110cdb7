package dev.marina.agent.database;

/**
 * What a heartbeat reports about the database.
 *
 * @param reachable    the server answered a query just now
 * @param gtidPosition {@code @@gtid_current_pos}, e.g. "0-2131360000-42"; empty when unreachable or no transaction yet
 * @param readOnly     {@code @@read_only}
 * @param error        why it is unreachable; empty when reachable
 */
public record Observation(boolean reachable, String gtidPosition, boolean readOnly, String error) {

    public static Observation reachable(String gtidPosition, boolean readOnly) {
        return new Observation(true, gtidPosition == null ? "" : gtidPosition, readOnly, "");
    }

    public static Observation unreachable(String error) {
        return new Observation(false, "", false, error == null ? "unknown" : error);
    }
}
