package dev.marina.schemas.access;

import dev.marina.schemas.topics.TopicSpec;
import dev.marina.schemas.topics.Topics;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The ACL catalogue: for each {@link Role}, exactly the topics, groups and transactions its principal
 * may use. The broker denies everything else ({@code allow.everyone.if.no.acl.found=false}).
 *
 * <p>Invariants, checked by {@code PrincipalsTest} and, against the real broker, by
 * {@code KafkaAccessControlIT}:
 * <ul>
 *   <li>a topic is written only by the roles the catalogue names as its writer ({@link TopicSpec#writer()}),
 *       plus {@code dead-letters}, which every consumer may write;</li>
 *   <li>only intent-service writes {@code intents} and the command topics; agents read only
 *       {@code agent-commands} and write only their reports;</li>
 *   <li>a service's groups, transactional ids and internal topics (Kafka Streams' changelogs) all start
 *       with its name, so prefixed ACLs cover them and nobody else's;</li>
 *   <li>every platform principal may describe the catalogue's topics and their settings (the services'
 *       topic check at start), none may create or alter one: the platform's admin does that.</li>
 * </ul>
 * Topic ACLs cannot tell one agent from another: each agent proves its instance in every report
 * (dev.marina.schemas.proof), and the platform's commands prove themselves to the agent.
 */
public final class Principals {
    private Principals() {}

    /** The super users, who log in with SASL/PLAIN (the broker's own settings); everyone else uses SCRAM. */
    public static final Set<String> SUPER_USERS = Set.of("broker", "admin");

    private static final Pattern INTEGRATION_NAME = Pattern.compile("[a-z][a-z0-9-]{1,39}");
    private static final Pattern INSTANCE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");

    /** The principal of one instance's agent. */
    public static String agent(String instanceId) {
        if (!INSTANCE_ID.matcher(instanceId).matches()) {
            throw new IllegalArgumentException("not an instance id: " + instanceId);
        }
        return "agent-" + instanceId;
    }

    /**
     * Checks a name asked for another system's principal: lower case, digits and dashes, 2 to 40
     * characters, and not one the platform uses.
     */
    public static String integration(String name) {
        if (!INTEGRATION_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("a principal name is 2 to 40 lower-case letters, digits or dashes,"
                    + " starting with a letter; got " + shorten(name));
        }
        if (SUPER_USERS.contains(name) || name.startsWith("agent-") || name.equals("agent")) {
            throw new IllegalArgumentException("the name " + name + " is the platform's own");
        }
        for (Role role : Role.services()) {
            if (name.equals(role.serviceName()) || name.startsWith(role.serviceName() + "-")) {
                throw new IllegalArgumentException("the name " + name + " is the platform's own (" + role.serviceName() + ")");
            }
        }
        return name;
    }

    /** Every ACL binding of a principal with a role. */
    public static List<AclBinding> bindings(String principal, Role role) {
        Set<AclBinding> out = new LinkedHashSet<>();
        String user = "User:" + principal;
        switch (role) {
            case INTENT_SERVICE -> {
                serviceBasics(out, user, role);
                read(out, user, Topics.INTENT_EVENTS, Topics.PROVISION_EVENTS, Topics.DNS_EVENTS, Topics.CERT_EVENTS,
                        Topics.AGENT_EVENTS, Topics.INSTANCE_HEALTH, Topics.DEPLOYMENT_METRICS);
                // The API is itself a producer of intent events (the one topic anyone may write).
                write(out, user, Topics.INTENT_EVENTS);
                writeOwnTopics(out, user, role);

            }
            case PROVISIONER -> {
                serviceBasics(out, user, role);
                // The backup catalogue: its retention reaper deletes the objects of expired backups and the
                // archived binary logs no retained backup needs.
                read(out, user, Topics.PROVISION_COMMANDS, Topics.DEPLOYMENT_STATUS, Topics.BACKUPS, Topics.BINLOG_ARCHIVE);
                writeOwnTopics(out, user, role);
                // It makes and removes each agent's principal and ACLs: the cluster's ALTER and DESCRIBE.
                cluster(out, user, AclOperation.ALTER);
                cluster(out, user, AclOperation.DESCRIBE);
            }
            case CERT_SERVICE -> {
                serviceBasics(out, user, role);
                read(out, user, Topics.CERT_COMMANDS, Topics.DNS_COMMANDS, Topics.DNS_EVENTS);
                writeOwnTopics(out, user, role);
            }
            case DNS_SERVICE -> {
                serviceBasics(out, user, role);
                read(out, user, Topics.DNS_COMMANDS, Topics.DNS_CHALLENGES);
                writeOwnTopics(out, user, role);
            }
            case HEALTH_MONITOR -> {
                serviceBasics(out, user, role);
                read(out, user, Topics.HEARTBEATS, Topics.METRICS, Topics.DEPLOYMENT_STATUS, Topics.INSTANCE_HEALTH,
                        Topics.DEPLOYMENT_METRICS);
                writeOwnTopics(out, user, role);
            }
            case AGENT -> {
                // It reads its partition of agent-commands by assignment (no group), positions kept locally.
                read(out, user, Topics.AGENT_COMMANDS);
                writeOwnTopics(out, user, role);
                write(out, user, Topics.DEAD_LETTERS);
            }
            case INTEGRATION -> {
                write(out, user, Topics.INTENT_EVENTS);
                read(out, user, Topics.INTENT_REJECTIONS, Topics.DEPLOYMENT_STATUS, Topics.INSTANCE_HEALTH,
                        Topics.DEPLOYMENT_METRICS, Topics.ROLE_CHANGES, Topics.AUTOSCALE_DECISIONS);
                prefixed(out, user, ResourceType.GROUP, principal, AclOperation.READ);
                prefixed(out, user, ResourceType.GROUP, principal, AclOperation.DESCRIBE);
            }
            default -> throw new IllegalArgumentException("no ACLs for " + role);
        }
        return List.copyOf(out);
    }

    /** The catalogue topics a role may write (the catalogue's writer, and dead letters for consumers). */
    public static List<String> writes(Role role) {
        List<String> out = new ArrayList<>();
        for (AclBinding b : bindings("x", role)) {
            if (b.pattern().resourceType() == ResourceType.TOPIC && b.pattern().patternType() == PatternType.LITERAL
                    && b.entry().operation() == AclOperation.WRITE) {
                out.add(b.pattern().name());
            }
        }
        return out;
    }

    /** A service's common grants: its own prefixed resources, the topic check, dead letters. */
    private static void serviceBasics(Set<AclBinding> out, String user, Role role) {
        String prefix = role.serviceName();
        // Kafka Streams' internal topics (<application id>-…-changelog), created and used by the service.
        prefixed(out, user, ResourceType.TOPIC, prefix, AclOperation.ALL);
        prefixed(out, user, ResourceType.GROUP, prefix, AclOperation.ALL);
        prefixed(out, user, ResourceType.TRANSACTIONAL_ID, prefix, AclOperation.ALL);
        for (TopicSpec<?> topic : Topics.ALL) {
            literal(out, user, topic.name(), AclOperation.DESCRIBE);
            literal(out, user, topic.name(), AclOperation.DESCRIBE_CONFIGS);
        }
        write(out, user, Topics.DEAD_LETTERS);
        // Its copies elect a leader by joining the group <service>-leader on this topic (docs/copies.md).
        read(out, user, Topics.LEADERS);
        // A service reads back what it writes (intent-service's views of statuses, rejections and tokens;
        // cert-service's challenge wishes after a restart).
        readOwnTopics(out, user, role);
    }

    private static void writeOwnTopics(Set<AclBinding> out, String user, Role role) {
        for (TopicSpec<?> topic : Topics.ALL) {
            if (topic.writer().equals(role.serviceName())) {
                write(out, user, topic);
            }
        }
    }

    private static void readOwnTopics(Set<AclBinding> out, String user, Role role) {
        for (TopicSpec<?> topic : Topics.ALL) {
            if (topic.writer().equals(role.serviceName())) {
                read(out, user, topic);
            }
        }
    }

    private static void read(Set<AclBinding> out, String user, TopicSpec<?>... topics) {
        for (TopicSpec<?> topic : topics) {
            literal(out, user, topic.name(), AclOperation.READ);
            literal(out, user, topic.name(), AclOperation.DESCRIBE);
        }
    }

    private static void write(Set<AclBinding> out, String user, TopicSpec<?>... topics) {
        for (TopicSpec<?> topic : topics) {
            literal(out, user, topic.name(), AclOperation.WRITE);
            literal(out, user, topic.name(), AclOperation.DESCRIBE);
        }
    }

    private static void literal(Set<AclBinding> out, String user, String topic, AclOperation op) {
        out.add(allow(new ResourcePattern(ResourceType.TOPIC, topic, PatternType.LITERAL), user, op));
    }

    private static void prefixed(Set<AclBinding> out, String user, ResourceType type, String prefix, AclOperation op) {
        out.add(allow(new ResourcePattern(type, prefix, PatternType.PREFIXED), user, op));
    }

    private static void cluster(Set<AclBinding> out, String user, AclOperation op) {
        out.add(allow(new ResourcePattern(ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL), user, op));
    }

    private static AclBinding allow(ResourcePattern pattern, String user, AclOperation op) {
        return new AclBinding(pattern, new AccessControlEntry(user, "*", op, AclPermissionType.ALLOW));
    }

    private static String shorten(String s) {
        return s.length() <= 40 ? "\"" + s + "\"" : "\"" + s.substring(0, 40) + "…\"";
    }
}
