package dev.marina.agent.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.OptionalLong;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class StartPositionTest {

    private static final OptionalLong NONE = OptionalLong.empty();

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("resumes at the saved position, whatever the time says", OptionalLong.of(42), true, OptionalLong.of(7), 50L, 0L, 42L),
                Arguments.of("starts at the first command since the instance was created", NONE, true, OptionalLong.of(7), 50L, 3L, 7L),
                Arguments.of("starts at the end when nothing is that new yet", NONE, true, NONE, 50L, 3L, 50L),
                Arguments.of("starts at the beginning when no time was given", NONE, false, NONE, 50L, 3L, 3L));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void chooses(String behaviour, OptionalLong saved, boolean sinceGiven, OptionalLong firstSince, long end, long beginning,
            long expected) {
        assertEquals(expected, StartPosition.choose(saved, sinceGiven, firstSince, end, beginning).offset());
    }
}
