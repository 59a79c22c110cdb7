package dev.marina.service;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/** How a worker publishes the answer to a command before it may commit the command's offset. */
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
            } catch (ExecutionException | TimeoutException e) {
                LOG.warnf("%s not acknowledged by the broker, retrying in=%dms reason=%s", what, pause.toMillis(),
                        e.getCause() == null ? e.toString() : e.getCause().getMessage());
            } catch (InterruptedException e) {
                throw interrupted(what, e);
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
     * pauses up to 5 s) until the broker took everything. Only then may the positions of the commands
     * they answer be committed.
     */
    public static <K, V> void allUntilAcknowledged(org.apache.kafka.clients.producer.Producer<K, V> producer,
            java.util.List<org.apache.kafka.clients.producer.ProducerRecord<K, V>> records) {
        java.util.List<org.apache.kafka.clients.producer.ProducerRecord<K, V>> open = records;
        Duration pause = FIRST_PAUSE;
        while (!open.isEmpty()) {
            java.util.List<java.util.concurrent.Future<?>> sent = open.stream()
                    .<java.util.concurrent.Future<?>>map(producer::send).toList();
            java.util.List<org.apache.kafka.clients.producer.ProducerRecord<K, V>> failed = new java.util.ArrayList<>();
            for (int i = 0; i < sent.size(); i++) {
                try {
                    sent.get(i).get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    throw interrupted("records", e);
                } catch (ExecutionException | TimeoutException e) {
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
    }

    private static IllegalStateException interrupted(String what, InterruptedException e) {
        Thread.currentThread().interrupt();
        return new IllegalStateException("interrupted while publishing the " + what + "; the command will be replayed", e);
    }
}
