package dev.marina.intent.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.marina.schemas.v1.ApplyRequest;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class JsonShapeTest {

    static Stream<Arguments> documents() {
        return Stream.of(
                Arguments.of("{\"spec\":{\"engine\":\"ENGINE_MARIADB\",\"version\":\"10.11\",\"replicas\":2}}", List.of()),
                Arguments.of("{\"spec\":{\"replicas\":\"two\"}}", List.of("spec.replicas: expected an integer, got \"two\"")),
                Arguments.of("{\"spec\":{\"replicas\":99999999999}}", List.of("spec.replicas: is out of range for a 32-bit integer, got 99999999999")),
                Arguments.of("{\"spec\":{\"engine\":\"POSTGRES\"}}", List.of("spec.engine: expected one of [ENGINE_MARIADB, ENGINE_MYSQL, ENGINE_DOLT], got \"POSTGRES\"")),
                Arguments.of("{\"spec\":\"mariadb\"}", List.of("spec: expected an object, got \"mariadb\"")),
                Arguments.of("{\"spec\":{\"failover\":{\"automatic\":\"yes\"}}}", List.of("spec.failover.automatic: expected true or false, got \"yes\"")),
                Arguments.of("{\"expectedGeneration\":\"3\"}", List.of()),
                Arguments.of("{\"spec\":{\"engine\":\"ENGINE_MARIADB\",\"replicaz\":3}}", List.of("spec.replicaz: unknown field; did you "
                        + "mean replicas? (fields here: engine, version, size, replicas, tls, dns, backups, failover, durability, restore, parameters, maintenance, autoscaling)")),
                Arguments.of("{\"futureField\":[1]}", List.of("futureField: unknown field (fields here: deployment, spec, "
                        + "expectedGeneration, requestId)")),
                Arguments.of("{\"expected_generation\":true}", List.of("expectedGeneration: expected an integer, got true")),
                Arguments.of("{\"spec\": ", List.of(": malformed JSON: Unexpected end-of-input: expected close marker for Object (start marker at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 1, column: 1])")),
                Arguments.of("[1,2]", List.of(": expected a JSON object")));
    }

    @ParameterizedTest
    @MethodSource("documents")
    void names_the_field_that_has_the_wrong_shape(String json, List<String> expected) {
        List<String> found = JsonShape.check(json, ApplyRequest.getDescriptor()).stream()
                .map(v -> v.field() + ": " + v.reason()).toList();
        if (json.startsWith("{\"spec\": ")) {
            assertEquals(1, found.size());
            assertEquals(true, found.get(0).startsWith(": malformed JSON"), found.get(0));
            return;
        }
        assertEquals(expected, found);
    }
}
