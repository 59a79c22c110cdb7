package dev.marina.intent.api;

import dev.marina.service.KafkaClients;
import dev.marina.intent.config.ApiConfig;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.AuditOutcome;
import dev.marina.schemas.v1.AuditRecord;
import dev.marina.service.Timestamps;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.jboss.logging.Logger;

/**
 * The audit trail: every changing API call, REST or gRPC, accepted or refused, leaves one
 * {@link AuditRecord} on {@code audit} (keyed by the tenant it concerns) before its answer is sent.
 *
 * <p>A call whose record cannot be written fails with 503, whatever it would have answered: a change
 * nobody can account for must not look done to its caller, and a refusal that cannot be recorded is
 * still a refusal. The effect of an accepted change may already be in {@code intents} (its intent
 * carries the request id and the token id as its source); the caller, told 503, repeats it, and a
 * repeated apply or delete changes nothing more.
 */
@ApplicationScoped
public class Audit {
    private static final Logger LOG = Logger.getLogger(Audit.class);
    /** A refusal's reason is kept to a short prefix: it may quote what the caller sent. */
    private static final int REASON_MAX = 300;
    /** Names and ids from the caller are kept to this many characters: a record always fits. */
    private static final int SHORT = 100;

    @Inject
    KafkaClients kafka;

    @Inject
    ApiConfig api;

    private final Clock clock = Clock.systemUTC();
    private volatile KafkaProducer<String, AuditRecord> producer;

    /** One changing call: who, what, on what, and the request id the answer and the record share. */
    public static final class Call {
        private final Caller caller;
        private final String transport;
        private final String action;
        private String tenant;
        private String target;
        private String requestId;

        Call(Caller caller, String transport, String action, String tenant, String target, String requestId) {
            this.caller = caller;
            this.transport = transport;
            this.action = action;
            about(tenant, target);
            this.requestId = requestId == null || requestId.isBlank() ? UUID.randomUUID().toString() : cut(requestId, SHORT);
        }

        /** The request id a body names, once it is read; the generated one stays otherwise. */
        public Call requestId(String fromBody) {
            if (fromBody != null && !fromBody.isBlank()) {
                requestId = cut(fromBody, SHORT);
            }
            return this;
        }

        public Call about(String tenant, String target) {
            this.tenant = tenant == null ? "" : cut(tenant, SHORT);
            this.target = target == null ? "" : cut(target, SHORT);
            return this;
        }

        public String requestId() {
            return requestId;
        }

        public Caller caller() {
            return caller;
        }
    }

    public Call call(Caller caller, String transport, String action, String tenant, String target, String requestId) {
        return new Call(caller == null ? new Caller(Caller.NOBODY, dev.marina.schemas.v1.TokenScope.TOKEN_SCOPE_UNSPECIFIED, "") : caller,
                transport, action, tenant, target, requestId);
    }

    /**
     * Runs a change and records its outcome before returning it: accepted with the status
     * {@code statusOf} gives, or refused with the {@link ApiError}'s status (which is then thrown on).
     */
    public <T> T run(Call call, Supplier<T> change, ToIntFunction<T> statusOf) {
        T result;
        try {
            result = change.get();
        } catch (ApiError refused) {
            refused(call, refused.httpStatus(), refused.getMessage());
            throw refused;
        } catch (RuntimeException failed) {
            refused(call, 500, "internal error: " + failed.getClass().getSimpleName());
            throw failed;
        }
        write(call, AuditOutcome.AUDIT_OUTCOME_ACCEPTED, statusOf.applyAsInt(result), "");
        return result;
    }

    /** Records a refusal decided outside {@link #run} (an unknown token). */
    public void refused(Call call, int status, String reason) {
        write(call, AuditOutcome.AUDIT_OUTCOME_REFUSED, status, reason);
    }

    private void write(Call call, AuditOutcome outcome, int status, String reason) {
        AuditRecord record = AuditRecord.newBuilder()
                .setTokenId(call.caller.tokenId())
                .setScope(call.caller.scope())
                .setTenant(call.tenant)
                .setAction(call.action)
                .setTarget(call.target)
                .setAt(Timestamps.of(clock.instant()))
                .setRequestId(call.requestId)
                .setOutcome(outcome)
                .setStatus(status)
                .setReason(reason == null ? "" : cut(reason, REASON_MAX))
                .setTransport(call.transport)
                .build();
        String key = call.tenant.isEmpty() ? "-" : call.tenant;
        try {
            producer().send(new ProducerRecord<>(Topics.AUDIT.name(), key, record)).get(api.awaitTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable(call, "interrupted");
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            LOG.errorf("audit record not written action=%s target=%s token=%s request=%s reason=%s", call.action, call.target,
                    call.caller.tokenId(), call.requestId, e.getMessage());
            throw unavailable(call, e.getMessage());
        }
        LOG.infof("audit action=%s target=%s tenant=%s token=%s outcome=%s status=%d request=%s transport=%s", call.action,
                call.target, key, call.caller.tokenId(), outcome == AuditOutcome.AUDIT_OUTCOME_ACCEPTED ? "accepted" : "refused",
                status, call.requestId, call.transport);
    }

    private static ApiError unavailable(Call call, String why) {
        return new ApiError(ApiError.Kind.UNAVAILABLE, "the audit record of this call could not be written, so the call counts as failed"
                + " (" + cut(String.valueOf(why), 200) + "); try again", call.requestId, List.of());
    }

    private static String cut(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max) + "… (" + text.length() + " characters)";
    }

    private KafkaProducer<String, AuditRecord> producer() {
        KafkaProducer<String, AuditRecord> p = producer;
        if (p == null) {
            synchronized (this) {
                if (producer == null) {
                    producer = new KafkaProducer<>(ApiProducers.settings(kafka.base(), "intent-service-audit", api.awaitTimeout()),
                            Topics.AUDIT.keySerde().serializer(), Topics.AUDIT.valueSerde().serializer());
                }
                p = producer;
            }
        }
        return p;
    }

    @PreDestroy
    void close() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
    }
}
