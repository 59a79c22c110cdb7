package dev.marina.service;

import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.jboss.logging.Logger;

/**
 * What a Streams application does when a record it writes is refused. A refusal caused by the record's
 * content (too large for the broker, or not serialisable) never stops the application: the record is
 * skipped with an error in the log, naming where it was going, so one record cannot stop a service for
 * every tenant (and a restart cannot meet it again). Broker trouble that may pass is retried; anything
 * else fails as Kafka Streams would by default. Set for every service in service-kit's shared config
 * ({@code kafka-streams.production.exception.handler}).
 */
public final class ProductionErrors implements ProductionExceptionHandler {
    private static final Logger LOG = Logger.getLogger(ProductionErrors.class);

    @Override
    public ProductionExceptionHandlerResponse handle(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record,
            Exception exception) {
        if (exception instanceof RecordTooLargeException) {
            LOG.errorf("record skipped: the broker refuses its size topic=%s key=%s bytes=%d source=%s",
                    record.topic(), shortKey(record.key()), record.value() == null ? 0 : record.value().length, source(context));
            return ProductionExceptionHandlerResponse.CONTINUE;
        }
        if (exception instanceof RetriableException) {
            return ProductionExceptionHandlerResponse.RETRY;
        }
        return ProductionExceptionHandlerResponse.FAIL;
    }

    @Override
    @SuppressWarnings("rawtypes")
    public ProductionExceptionHandlerResponse handleSerializationException(ErrorHandlerContext context, ProducerRecord record,
            Exception exception, SerializationExceptionOrigin origin) {
        LOG.errorf("record skipped: it cannot be serialised topic=%s origin=%s reason=%s source=%s", record.topic(), origin,
                exception.getMessage(), source(context));
        return ProductionExceptionHandlerResponse.CONTINUE;
    }

    @Override
    public void configure(Map<String, ?> configs) {
        // nothing to configure
    }

    private static String source(ErrorHandlerContext context) {
        return context == null ? "-" : context.topic() + "/" + context.partition() + "@" + context.offset();
    }

    private static String shortKey(byte[] key) {
        if (key == null) {
            return "-";
        }
        String text = new String(key, 0, Math.min(key.length, 128), java.nio.charset.StandardCharsets.UTF_8);
        return key.length > 128 ? text + "…" : text;
    }
}
