package dev.marina.schemas.access;

/**
 * What a Kafka principal is for. Each role's ACLs are in {@link Principals}; a principal has exactly
 * one role. The services' principals are named after the service; an agent's is made per instance;
 * an integration principal is made on request for another system (or a person with kcat).
 */
public enum Role {
    INTENT_SERVICE("intent-service"),
    PROVISIONER("provisioner"),
    CERT_SERVICE("cert-service"),
    DNS_SERVICE("dns-service"),
    HEALTH_MONITOR("health-monitor"),
    /** One instance's agent: its commands in, its reports out. */
    AGENT("agent"),
    /** Another system: declares intents, reads what the platform reports. */
    INTEGRATION("integration");

    private final String serviceName;

    Role(String serviceName) {
        this.serviceName = serviceName;
    }

    /** The service's principal name (and the prefix of its groups, transactions and internal topics). */
    public String serviceName() {
        return serviceName;
    }

    /** The roles of the platform's own services, whose principals {@code ./marina up} makes. */
    public static Role[] services() {
        return new Role[] {INTENT_SERVICE, PROVISIONER, CERT_SERVICE, DNS_SERVICE, HEALTH_MONITOR};
    }
}
