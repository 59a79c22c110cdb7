package dev.marina.service;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * How a worker publishes the answer to a command before it may commit the command's offset.
 *
 * <p>A send the broker does not acknowledge (it is away, slow, electing a leader) is retried until it
 * is. A record the broker or the client refuses for its content — too large for the topic, not
 * serialisable, an invalid record — is never retried: sending it again cannot help and would stop the
 * worker for good. It is given up at once with {@link Refused}, and the caller records that (a dead
 * letter with the reason) and goes on.
 */
public final class Publishing {
    private static final Logger LOG = Logger.getLogger(Publishing.class);
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration FIRST_PAUSE = Duration.ofMillis(200);
    private static final Duration MAX_PAUSE = Duration.ofSeconds(5);

    private Publishing() {}

    /**
     * Blocks until the broker acknowledged the record, retrying (doubling pauses up to 5 s) while it
     * cannot: a command's offset must not be committed before its answer exists, and skipping the
     * answer would strand the reconciler. Retrying a send can only duplicate an answer, which readers
     * tolerate.
     *
     * @param what what is sent, for the log ("event", "dead letter")
     * @param send starts one send; its stage completes when the broker acknowledged it
     */
    public static void untilAcknowledged(String what, Supplier<CompletionStage<Void>> send) {
        untilAcknowledged(what, send, () -> true);
    }

    /**
     * As {@link #untilAcknowledged(String, Supplier)}, but gives up (throwing) once {@code keepTrying}
     * turns false after a failed attempt — a worker being closed must not wait forever on a broker
     * that is gone; its command stays uncommitted and is replayed.
     */
    public static void untilAcknowledged(String what, Supplier<CompletionStage<Void>> send,
            java.util.function.BooleanSupplier keepTrying) {
        Duration pause = FIRST_PAUSE;
        while (true) {
            try {
                send.get().toCompletableFuture().get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                return;
            } catch (ExecutionException e) {
                if (refusedForContent(e)) {
                    throw new Refused(what, e.getCause());
                }
                LOG.warnf("%s not acknowledged by the broker, retrying in=%dms reason=%s", what, pause.toMillis(),
                        e.getCause() == null ? e.toString() : e.getCause().getMessage());
            } catch (TimeoutException e) {
                LOG.warnf("%s not acknowledged by the broker, retrying in=%dms reason=%s", what, pause.toMillis(),
                        e.getCause() == null ? e.toString() : e.getCause().getMessage());
            } catch (InterruptedException e) {
                throw interrupted(what, e);
            } catch (RuntimeException e) {
                // a sender may fail before it returns a stage (a serialiser, a record too large for the client)
                if (refusedForContent(e)) {
                    throw new Refused(what, e);
                }
                throw e;
            }
            if (!keepTrying.getAsBoolean()) {
                throw new IllegalStateException("gave up publishing the " + what + " (closing); the command will be replayed");
            }
            try {
                Thread.sleep(pause.toMillis());
            } catch (InterruptedException e) {
                throw interrupted(what, e);
            }
            pause = pause.multipliedBy(2).compareTo(MAX_PAUSE) > 0 ? MAX_PAUSE : pause.multipliedBy(2);
        }
    }

    /**
     * Sends all records, then waits for each acknowledgement; what failed is sent again (doubling
     * pauses up to 5 s) until the broker took everything but what it refused for its content. Only
     * then may the positions of the commands they answer be committed.
     *
     * @return the records refused for their content (never sent again), with why; usually none
     */
    public static <K, V> java.util.List<RefusedRecord<K, V>> allUntilAcknowledged(
            org.apache.kafka.clients.producer.Producer<K, V> producer,
            java.util.List<org.apache.kafka.clients.producer.ProducerRecord<K, V>> records) {
        java.util.List<org.apache.kafka.clients.producer.ProducerRecord<K, V>> open = records;
        java.util.List<RefusedRecord<K, V>> refused = new java.util.ArrayList<>();
        Duration pause = FIRST_PAUSE;
        while (!open.isEmpty()) {
            java.util.List<java.util.concurrent.Future<?>> sent = new java.util.ArrayList<>();
            for (org.apache.kafka.clients.producer.ProducerRecord<K, V> record : open) {
                java.util.concurrent.Future<?> future;
                try {
                    future = producer.send(record);
                } catch (RuntimeException e) {
                    future = java.util.concurrent.CompletableFuture.failedFuture(e);
                }
                sent.add(future);
            }
            java.util.List<org.apache.kafka.clients.producer.ProducerRecord<K, V>> failed = new java.util.ArrayList<>();
            for (int i = 0; i < sent.size(); i++) {
                try {
                    sent.get(i).get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    throw interrupted("records", e);
                } catch (ExecutionException e) {
                    if (refusedForContent(e)) {
                        LOG.errorf("record refused by the broker for its content, not sent again topic=%s reason=%s",
                                open.get(i).topic(), reason(e.getCause()));
                        refused.add(new RefusedRecord<>(open.get(i), reason(e.getCause())));
                    } else {
                        failed.add(open.get(i));
                    }
                } catch (TimeoutException e) {
                    failed.add(open.get(i));
                }
            }
            if (!failed.isEmpty()) {
                LOG.warnf("records not acknowledged by the broker, sending again records=%d in=%dms", failed.size(),
                        pause.toMillis());
                try {
                    Thread.sleep(pause.toMillis());
                } catch (InterruptedException e) {
                    throw interrupted("records", e);
                }
                pause = pause.multipliedBy(2).compareTo(MAX_PAUSE) > 0 ? MAX_PAUSE : pause.multipliedBy(2);
            }
            open = failed;
        }
        return refused;
    }

    /** A record given up because of what it is, and why. */
    public record RefusedRecord<K, V>(org.apache.kafka.clients.producer.ProducerRecord<K, V> record, String reason) {}

    /**
     * True when a send failed because of the record itself, so that sending it again cannot succeed:
     * too large (for the client or the topic), not serialisable, or invalid for the broker.
     */
    public static boolean refusedForContent(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof org.apache.kafka.common.errors.RecordTooLargeException
                    || t instanceof org.apache.kafka.common.errors.RecordBatchTooLargeException
                    || t instanceof org.apache.kafka.common.errors.SerializationException
                    || t instanceof org.apache.kafka.common.InvalidRecordException) {
                return true;
            }
        }
        return false;
    }

    /** A record the broker refused for its content: given up, never sent again. */
    public static final class Refused extends RuntimeException {
        Refused(String what, Throwable cause) {
            super("the broker refused the " + what + " for its content: " + reason(cause), cause);
        }
    }

    private static String reason(Throwable t) {
        if (t == null) {
            return "unknown";
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }

    private static IllegalStateException interrupted(String what, InterruptedException e) {
        Thread.currentThread().interrupt();
        return new IllegalStateException("interrupted while publishing the " + what + "; the command will be replayed", e);
    }
}
