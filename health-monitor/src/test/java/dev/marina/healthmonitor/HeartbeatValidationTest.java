package dev.marina.healthmonitor;

import static dev.marina.healthmonitor.Fixtures.DEPLOYMENT;
import static dev.marina.healthmonitor.Fixtures.T0;
import static dev.marina.healthmonitor.Fixtures.heartbeat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.v1.Heartbeat;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class HeartbeatValidationTest {

    static Stream<Arguments> cases() {
        Heartbeat good = heartbeat(T0);
        return Stream.of(
                Arguments.of("accepts a complete heartbeat", DEPLOYMENT, good, null),
                Arguments.of("accepts a heartbeat that leaves its deployment to the key", DEPLOYMENT,
                        good.toBuilder().clearDeployment().build(), null),
                Arguments.of("refuses a record without key", null, good, "without a record key"),
                Arguments.of("refuses a key that is not a deployment key", "orders", good, "deployment key must be"),
                Arguments.of("refuses a heartbeat without instance id", DEPLOYMENT,
                        good.toBuilder().clearInstanceId().build(), "without instance_id"),
                Arguments.of("refuses a heartbeat without sent_at", DEPLOYMENT,
                        good.toBuilder().clearSentAt().build(), "without sent_at"),
                Arguments.of("refuses a heartbeat whose deployment is not its key's", DEPLOYMENT,
                        good.toBuilder().setDeployment(DeploymentKey.parse("acme/billing")).build(),
                        "does not match"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void validation(String behaviour, String key, Heartbeat heartbeat, String problemContains) {
        Optional<String> problem = HeartbeatValidation.problem(key, heartbeat);
        if (problemContains == null) {
            assertEquals(Optional.empty(), problem);
        } else {
            assertTrue(problem.orElse("").contains(problemContains), "problem: " + problem);
        }
    }
}
