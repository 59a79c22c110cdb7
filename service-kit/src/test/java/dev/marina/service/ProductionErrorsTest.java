package dev.marina.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.stream.Stream;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.streams.errors.ProductionExceptionHandler.ProductionExceptionHandlerResponse;
import org.apache.kafka.streams.errors.ProductionExceptionHandler.SerializationExceptionOrigin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ProductionErrorsTest {
    private static final ProducerRecord<byte[], byte[]> RECORD = new ProducerRecord<>("dead-letters", "k".getBytes(), new byte[10]);

    static Stream<Arguments> refusals() {
        return Stream.of(
                Arguments.of("a record too large for the broker is skipped", new RecordTooLargeException("big"),
                        ProductionExceptionHandlerResponse.CONTINUE),
                Arguments.of("broker trouble that may pass is retried", new TimeoutException("slow"),
                        ProductionExceptionHandlerResponse.RETRY),
                Arguments.of("anything else fails as by default", new AuthorizationException("denied"),
                        ProductionExceptionHandlerResponse.FAIL));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void decides(String behaviour, Exception refusal, ProductionExceptionHandlerResponse expected) {
        assertEquals(expected, new ProductionErrors().handle(null, RECORD, refusal), behaviour);
    }

    @Test
    void a_record_that_cannot_be_serialised_is_skipped() {
        assertEquals(ProductionExceptionHandlerResponse.CONTINUE, new ProductionErrors().handleSerializationException(null, RECORD,
                new SerializationException("no"), SerializationExceptionOrigin.VALUE));
    }
}
