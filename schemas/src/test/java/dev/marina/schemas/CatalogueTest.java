package dev.marina.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.schemas.topics.CleanupPolicy;
import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.topics.TopicSpec;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.DeploymentRef;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CatalogueTest {

    @Test
    void topic_names_are_unique() {
        Set<String> names = new HashSet<>();
        Topics.ALL.forEach(t -> assertTrue(names.add(t.name()), "duplicate topic " + t.name()));
    }

    @Test
    void every_topic_of_the_design_flow_is_in_the_catalogue() {
        for (String name : new String[] {"intent-events", "intents", "intent-rejections", "provision-commands",
                "provision-events", "dns-commands", "dns-events", "cert-commands", "cert-events", "agent-commands",
                "agent-events", "deployment-status", "heartbeats", "instance-health", "metrics", "deployment-metrics",
                "dead-letters"}) {
            assertTrue(Topics.byName(name).isPresent(), name);
        }
    }

    @Test
    void deployment_keyed_topics_are_co_partitioned() {
        Topics.ALL.stream().filter(t -> t.key() == TopicSpec.KeyKind.DEPLOYMENT)
                .forEach(t -> assertEquals(Topics.DEPLOYMENT_PARTITIONS, t.partitions(), t.name()));
    }

    @Test
    void state_is_compacted_and_kept_forever_events_expire() {
        for (TopicSpec<?> t : Topics.ALL) {
            if (t.cleanup() == CleanupPolicy.COMPACT) {
                assertEquals(-1L, t.retentionMs(), t.name());
            } else {
                assertTrue(t.retentionMs() > 0, t.name());
            }
        }
        assertEquals(CleanupPolicy.COMPACT, Topics.INTENTS.cleanup());
        assertEquals(CleanupPolicy.COMPACT, Topics.DEPLOYMENT_STATUS.cleanup());
        assertEquals("compact", Topics.INTENTS.configs().get("cleanup.policy"));
    }

    @Test
    void deployment_keys_round_trip() {
        DeploymentRef ref = DeploymentRef.newBuilder().setTenant("acme").setName("orders").build();
        assertEquals("acme/orders", DeploymentKey.of(ref));
        assertEquals(ref, DeploymentKey.parse("acme/orders"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "acme", "/orders", "acme/", "acme/orders/extra"})
    void malformed_deployment_keys_are_refused_with_the_key_in_the_message(String key) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DeploymentKey.parse(key));
        assertTrue(e.getMessage().contains("\"" + key + "\""), e.getMessage());
    }
}
