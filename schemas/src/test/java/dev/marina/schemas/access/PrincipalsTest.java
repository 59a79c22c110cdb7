package dev.marina.schemas.access;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.schemas.topics.TopicSpec;
import dev.marina.schemas.topics.Topics;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class PrincipalsTest {

    private static Set<String> topics(Role role, AclOperation op) {
        return Principals.bindings("p", role).stream()
                .filter(b -> b.pattern().resourceType() == ResourceType.TOPIC && b.pattern().patternType() == PatternType.LITERAL)
                .filter(b -> b.entry().operation() == op)
                .map(b -> b.pattern().name()).collect(Collectors.toSet());
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void a_role_writes_only_the_topics_the_catalogue_names_it_writer_of_plus_dead_letters(Role role) {
        for (String topic : topics(role, AclOperation.WRITE)) {
            TopicSpec<?> spec = Topics.byName(topic).orElseThrow();
            boolean writer = spec.writer().equals(role.serviceName()) || spec.writer().equals("any")
                    || spec == Topics.DEAD_LETTERS;
            assertTrue(writer, role + " may write " + topic + ", whose writer is " + spec.writer());
        }
    }

    @Test
    void only_intent_service_writes_intents_and_the_command_topics() {
        for (TopicSpec<?> topic : List.of(Topics.INTENTS, Topics.PROVISION_COMMANDS, Topics.DNS_COMMANDS, Topics.CERT_COMMANDS,
                Topics.AGENT_COMMANDS, Topics.API_TOKENS, Topics.AUDIT)) {
            for (Role role : Role.values()) {
                assertEquals(role == Role.INTENT_SERVICE, topics(role, AclOperation.WRITE).contains(topic.name()),
                        role + " and " + topic.name());
            }
        }
    }

    @Test
    void an_agent_reads_its_commands_and_writes_its_reports_nothing_else() {
        assertEquals(Set.of("agent-commands"), topics(Role.AGENT, AclOperation.READ));
        assertEquals(Set.of("heartbeats", "metrics", "agent-events", "dead-letters"), topics(Role.AGENT, AclOperation.WRITE));
        assertTrue(Principals.bindings("p", Role.AGENT).stream().allMatch(b -> b.pattern().patternType() == PatternType.LITERAL
                && b.pattern().resourceType() == ResourceType.TOPIC), "an agent has no group, transaction or cluster right");
    }

    @Test
    void another_system_declares_intents_and_reads_what_the_platform_reports() {
        assertEquals(Set.of("intent-events"), topics(Role.INTEGRATION, AclOperation.WRITE));
        assertEquals(Set.of("intent-rejections", "deployment-status", "instance-health", "deployment-metrics", "role-changes",
                        "autoscale-decisions"),
                topics(Role.INTEGRATION, AclOperation.READ));
        List<AclBinding> groups = Principals.bindings("billing", Role.INTEGRATION).stream()
                .filter(b -> b.pattern().resourceType() == ResourceType.GROUP).toList();
        assertTrue(groups.stream().allMatch(b -> b.pattern().name().equals("billing") && b.pattern().patternType() == PatternType.PREFIXED));
    }

    @ParameterizedTest
    @EnumSource(value = Role.class, names = {"INTENT_SERVICE", "PROVISIONER", "CERT_SERVICE", "DNS_SERVICE", "HEALTH_MONITOR"})
    void a_service_owns_only_resources_prefixed_with_its_name_and_may_not_create_or_alter_catalogue_topics(Role role) {
        for (AclBinding b : Principals.bindings(role.serviceName(), role)) {
            assertEquals(AclPermissionType.ALLOW, b.entry().permissionType());
            assertEquals("User:" + role.serviceName(), b.entry().principal());
            if (b.pattern().patternType() == PatternType.PREFIXED) {
                assertEquals(role.serviceName(), b.pattern().name());
            }
            if (b.pattern().resourceType() == ResourceType.TOPIC && b.pattern().patternType() == PatternType.LITERAL) {
                assertTrue(EnumSet.of(AclOperation.READ, AclOperation.WRITE, AclOperation.DESCRIBE, AclOperation.DESCRIBE_CONFIGS)
                        .contains(b.entry().operation()), b.toString());
            }
            if (b.pattern().resourceType() == ResourceType.CLUSTER) {
                assertEquals(Role.PROVISIONER, role, "only the provisioner (agents' principals) has a cluster right: " + b);
            }
        }
    }

    @Test
    void agent_principals_are_per_instance() {
        assertEquals("agent-acme-orders-1", Principals.agent("acme-orders-1"));
        assertThrows(IllegalArgumentException.class, () -> Principals.agent("acme orders"));
        assertThrows(IllegalArgumentException.class, () -> Principals.agent(""));
    }

    @ParameterizedTest
    @ValueSource(strings = {"admin", "broker", "intent-service", "intent-service-x", "provisioner", "agent", "agent-x", "a",
            "Billing", "1billing", "bill ing", "billing;drop", "a-very-long-name-that-goes-on-and-on-beyond-forty"})
    void refuses_integration_names_that_are_the_platforms_own_or_malformed(String name) {
        assertThrows(IllegalArgumentException.class, () -> Principals.integration(name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"billing", "crm-sync", "ops2"})
    void accepts_plain_integration_names(String name) {
        assertEquals(name, Principals.integration(name));
    }
}
