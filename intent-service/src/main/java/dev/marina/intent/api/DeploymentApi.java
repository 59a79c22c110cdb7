package dev.marina.intent.api;

import dev.marina.service.KafkaClients;
import dev.marina.intent.config.ApiConfig;
import dev.marina.intent.validation.IntentValidator;
import dev.marina.intent.validation.Violation;
import dev.marina.intent.views.DeploymentViews;
import dev.marina.intent.views.IntakeOutcome;
import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.DeploymentRef;
import dev.marina.schemas.v1.DeploymentSpec;
import dev.marina.schemas.v1.DeploymentStatus;
import dev.marina.schemas.v1.DeploymentView;
import dev.marina.schemas.v1.ListResponse;
import dev.marina.schemas.v1.Endpoint;
import dev.marina.schemas.v1.Intent;
import dev.marina.schemas.v1.IntentEvent;
import dev.marina.schemas.v1.IntentOp;
import dev.marina.schemas.v1.IntentRejection;
import dev.marina.service.SecretBox;
import dev.marina.service.Timestamps;
import io.smallrye.mutiny.Multi;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

/**
 * The operations REST and gRPC share. A change is validated here (fast, clear errors), published to
 * {@code intent-events} like any other system's, and then awaited: intake, the single writer of
 * {@code intents}, decides; the caller learns its decision or, if it takes longer than
 * {@code marina.api.await-timeout}, gets the request id to look for.
 */
@ApplicationScoped
public class DeploymentApi {
    private static final Logger LOG = Logger.getLogger(DeploymentApi.class);
    /** Intake's reason for a change of a deployment it does not know. */
    static final String NO_SUCH_DEPLOYMENT = "no such deployment";

    /** The outcome of a change request: accepted (with its intent), or still pending. */
    public record Submitted(String requestId, Optional<Intent> intent) {}

    /** How to connect as the deployment's admin user. */
    /**
     * How to connect as the admin user: {@code host} is the writer name (the address when the
     * deployment has no names); {@code address} is where that name points now, for machines whose
     * resolver does not know the platform's zone.
     */
    public record Credentials(String user, String password, String host, String address, int port) {}

    @Inject
    DeploymentViews views;

    @Inject
    SecretBox secrets;

    @Inject
    KafkaClients kafka;

    @Inject
    ApiConfig api;

    private final Clock clock = Clock.systemUTC();
    private volatile KafkaProducer<String, IntentEvent> producer;

    @Inject
    IntentValidator validator;

    public Submitted apply(Caller caller, DeploymentRef ref, DeploymentSpec spec, long expectedGeneration, String requestId, String source) {
        authorize(caller, Access.Need.CHANGE, ref, requestIdOr(requestId), true);
        return submit(IntentEvent.newBuilder()
                .setRequestId(requestIdOr(requestId))
                .setDeployment(ref)
                .setOp(IntentOp.INTENT_OP_APPLY)
                .setSpec(spec)
                .setExpectedGeneration(expectedGeneration)
                .setSource(source + " token " + caller.tokenId())
                .setSubmittedAt(Timestamps.of(clock.instant()))
                .build());
    }

    public Submitted delete(Caller caller, DeploymentRef ref, long expectedGeneration, String requestId, String source) {
        authorize(caller, Access.Need.CHANGE, ref, requestIdOr(requestId), true);
        return submit(IntentEvent.newBuilder()
                .setRequestId(requestIdOr(requestId))
                .setDeployment(ref)
                .setOp(IntentOp.INTENT_OP_DELETE)
                .setExpectedGeneration(expectedGeneration)
                .setSource(source + " token " + caller.tokenId())
                .setSubmittedAt(Timestamps.of(clock.instant()))
                .build());
    }

    public Submitted renewCertificates(Caller caller, DeploymentRef ref, String requestId, String source) {
        authorize(caller, Access.Need.CHANGE, ref, requestIdOr(requestId), true);
        return submit(IntentEvent.newBuilder()
                .setRequestId(requestIdOr(requestId))
                .setDeployment(ref)
                .setOp(IntentOp.INTENT_OP_RENEW_CERTIFICATES)
                .setSource(source + " token " + caller.tokenId())
                .setSubmittedAt(Timestamps.of(clock.instant()))
                .build());
    }

    public Submitted switchover(Caller caller, DeploymentRef ref, String targetInstanceId, String requestId, String source) {
        authorize(caller, Access.Need.CHANGE, ref, requestIdOr(requestId), true);
        return submit(IntentEvent.newBuilder()
                .setRequestId(requestIdOr(requestId))
                .setDeployment(ref)
                .setOp(IntentOp.INTENT_OP_SWITCHOVER)
                .setTargetInstanceId(targetInstanceId == null ? "" : targetInstanceId)
                .setSource(source + " token " + caller.tokenId())
                .setSubmittedAt(Timestamps.of(clock.instant()))
                .build());
    }

    /**
     * A pause ({@code pause} true) or a resume: every server stops (data, names and certificates kept; a client
     * connecting to the writer wakes it) or starts again. The status's phase (Paused, Resuming) and {@code pause} show
     * how it goes; a pause waits while a backup or a roll runs.
     */
    public Submitted pause(Caller caller, DeploymentRef ref, boolean pause, String requestId, String source) {
        authorize(caller, Access.Need.CHANGE, ref, requestIdOr(requestId), true);
        return submit(IntentEvent.newBuilder()
                .setRequestId(requestIdOr(requestId))
                .setDeployment(ref)
                .setOp(pause ? IntentOp.INTENT_OP_PAUSE : IntentOp.INTENT_OP_RESUME)
                .setSource(source + " token " + caller.tokenId())
                .setSubmittedAt(Timestamps.of(clock.instant()))
                .build());
    }

    /**
     * A backup now: its id is the request id, or one made up ({@code b-<UTC time>-<random>}). The catalogue
     * ({@link #backups}) and the status's BackupsHealthy show how it goes.
     */
    public Submitted backup(Caller caller, DeploymentRef ref, String id, String source) {
        authorize(caller, Access.Need.CHANGE, ref, id, true);
        return submit(IntentEvent.newBuilder()
                .setRequestId(id)
                .setDeployment(ref)
                .setOp(IntentOp.INTENT_OP_BACKUP)
                .setSource(source + " token " + caller.tokenId())
                .setSubmittedAt(Timestamps.of(clock.instant()))
                .build());
    }

    /** The backup id a caller gave, or a new one ({@code b-<UTC time>-<random>}); also the request's id in the audit. */
    public String backupIdOr(String given) {
        return given == null || given.isBlank()
                ? "b-" + BACKUP_ID_TIME.format(clock.instant()) + "-" + UUID.randomUUID().toString().substring(0, 6)
                : given;
    }

    private static final java.time.format.DateTimeFormatter BACKUP_ID_TIME =
            java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(java.time.ZoneOffset.UTC);

    /**
     * The deployment's backups, newest first, without their sealed keys; a deleted deployment's too, until
     * retention removes them (404 only when the catalogue has none and the deployment does not exist).
     */
    public List<dev.marina.schemas.v1.BackupRecord> backups(Caller caller, DeploymentRef ref) {
        checkRef(ref);
        authorize(caller, Access.Need.READ, ref, "", false);
        List<dev.marina.schemas.v1.BackupRecord> found = views.backups(ref).stream().map(b -> b.toBuilder().clearKey().build()).toList();
        if (found.isEmpty()) {
            views.intent(DeploymentKey.of(ref)).filter(i -> !i.getDeleted()).orElseThrow(() -> notFound(ref));
        }
        return found;
    }

    /** The CA bundle to trust for the deployment's certificates; 404 while it has none (TLS off, or not issued yet). */
    public String caBundle(Caller caller, DeploymentRef ref) {
        checkRef(ref);
        authorize(caller, Access.Need.READ, ref, "", false);
        String key = DeploymentKey.of(ref);
        views.intent(key).filter(i -> !i.getDeleted()).orElseThrow(() -> notFound(ref));
        return views.status(key).map(DeploymentStatus::getTlsCaBundlePem).filter(pem -> !pem.isEmpty())
                .orElseThrow(() -> new ApiError(ApiError.Kind.NOT_FOUND, DeploymentKey.of(ref)
                        + " has no certificates yet (TLS off, or the first is being issued)", "", List.of()));
    }

    public DeploymentView get(Caller caller, DeploymentRef ref) {
        checkRef(ref);
        authorize(caller, Access.Need.READ, ref, "", false);
        String key = DeploymentKey.of(ref);
        Intent intent = views.intent(key).orElseThrow(() -> notFound(ref));
        DeploymentView.Builder view = DeploymentView.newBuilder().setIntent(withoutSecrets(intent));
        views.status(key).ifPresent(view::setStatus);
        return view.build();
    }

    /**
     * A page of the deployments the caller may see, or of one tenant's, in key order; a tenant token sees its own tenant's
     * only. Page size 0 is {@link ListPage#DEFAULT_SIZE}; the response's next page token is empty on the last page.
     */
    public ListResponse list(Caller caller, String requestedTenant, int pageSize, String pageToken) {
        Optional<String> visible = Access.visibleTenant(caller, requestedTenant);
        ListPage.Request request = ListPage.request(visible.orElse(""), pageSize, pageToken);
        if (visible.isEmpty()) {
            return ListResponse.getDefaultInstance();
        }
        ListPage.Page<Intent> page = ListPage.of(views.sortedIntents(), request);
        ListResponse.Builder response = ListResponse.newBuilder().setNextPageToken(page.nextToken());
        for (Intent i : page.entries()) {
            DeploymentView.Builder view = DeploymentView.newBuilder().setIntent(withoutSecrets(i));
            views.status(DeploymentKey.of(i.getDeployment())).ifPresent(view::setStatus);
            response.addDeployments(view.build());
        }
        return response.build();
    }

    public Credentials credentials(Caller caller, DeploymentRef ref) {
        checkRef(ref);
        authorize(caller, Access.Need.SECRETS, ref, "", false);
        String key = DeploymentKey.of(ref);
        Intent intent = views.intent(key).filter(i -> !i.getDeleted()).orElseThrow(() -> notFound(ref));
        Endpoint writer = views.status(key).flatMap(s -> s.getEndpointsList().stream()
                .filter(e -> e.getKind().equals("writer")).findFirst()).orElse(Endpoint.getDefaultInstance());
        LOG.infof("credentials read deployment=%s user=%s token=%s", key, intent.getAdminUser(), caller.tokenId());
        return new Credentials(intent.getAdminUser(), secrets.open(intent.getAdminPassword()), writer.getHost(),
                writer.getAddress().isEmpty() ? writer.getHost() : writer.getAddress(), writer.getPort());
    }

    /** Status changes of one deployment (or all of a tenant's when name is empty), starting with the current one. */
    public Multi<DeploymentStatus> watch(Caller caller, String requestedTenant, String name) {
        if (name != null && !name.isEmpty()) {
            authorize(caller, Access.Need.READ, DeploymentRef.newBuilder().setTenant(requestedTenant).setName(name).build(), "", false);
        }
        Optional<String> visible = Access.visibleTenant(caller, requestedTenant);
        if (visible.isEmpty()) {
            return Multi.createFrom().nothing(); // what a tenant without deployments shows: nothing, until the caller goes
        }
        String tenant = visible.get();
        Multi<DeploymentStatus> changes = views.statusChanges().filter(s -> matches(s.getDeployment(), tenant, name));
        List<DeploymentStatus> current = views.intents().stream()
                .filter(i -> matches(i.getDeployment(), tenant, name))
                .map(i -> views.status(DeploymentKey.of(i.getDeployment())))
                .flatMap(Optional::stream).toList();
        return Multi.createBy().concatenating().streams(Multi.createFrom().iterable(current), changes);
    }

    private static boolean matches(DeploymentRef ref, String tenant, String name) {
        return ref.getTenant().equals(tenant) && (name == null || name.isEmpty() || ref.getName().equals(name));
    }

    private Submitted submit(IntentEvent event) {
        List<Violation> violations = validator.validate(event);
        if (!violations.isEmpty()) {
            boolean badName = violations.stream().allMatch(v -> v.field().startsWith("deployment"));
            throw ApiError.invalid(badName ? ApiError.Kind.BAD_REQUEST : ApiError.Kind.UNPROCESSABLE, event.getRequestId(), violations);
        }
        String key = DeploymentKey.of(event.getDeployment());
        var outcome = views.expect(event.getRequestId());
        try {
            producer().send(new ProducerRecord<>(Topics.INTENT_EVENTS.name(), key, event)).get(api.awaitTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiError(ApiError.Kind.UNAVAILABLE, "interrupted", event.getRequestId(), List.of());
        } catch (ExecutionException | TimeoutException e) {
            views.forget(event.getRequestId());
            throw new ApiError(ApiError.Kind.UNAVAILABLE, "could not publish the request to Kafka: " + e.getMessage(),
                    event.getRequestId(), List.of());
        }
        LOG.infof("intent submitted deployment=%s op=%s request=%s source=%s", key, event.getOp(), event.getRequestId(),
                event.getSource());
        try {
            IntakeOutcome decided = outcome.get(api.awaitTimeout().toMillis(), TimeUnit.MILLISECONDS);
            if (decided instanceof IntakeOutcome.Rejected rejected) {
                throw rejection(rejected.rejection());
            }
            return new Submitted(event.getRequestId(), Optional.of(withoutSecrets(((IntakeOutcome.Accepted) decided).intent())));
        } catch (TimeoutException e) {
            views.forget(event.getRequestId());
            return new Submitted(event.getRequestId(), Optional.empty());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Submitted(event.getRequestId(), Optional.empty());
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    private static ApiError rejection(IntentRejection r) {
        ApiError.Kind kind = switch (r.getField()) {
            case "expectedGeneration" -> ApiError.Kind.CONFLICT;
            case "deployment" -> r.getReason().equals(NO_SUCH_DEPLOYMENT) ? ApiError.Kind.NOT_FOUND : ApiError.Kind.BAD_REQUEST;
            default -> ApiError.Kind.UNPROCESSABLE;
        };
        return ApiError.invalid(kind, r.getRequestId(), List.of(new Violation(r.getField(), r.getReason())));
    }

    private void checkRef(DeploymentRef ref) {
        List<Violation> violations = new ArrayList<>();
        IntentValidator.checkDeployment(ref, violations);
        if (!violations.isEmpty()) {
            throw ApiError.invalid(ApiError.Kind.BAD_REQUEST, "", violations);
        }
    }

    /**
     * Refuses what the caller may not do to a deployment. Another tenant's deployment gets the answer
     * a deployment that does not exist gets, body included: for a read, {@link #notFound}; for a
     * change, the rejection intake gives a change of a deployment it does not know. The answer does
     * not depend on whether the deployment exists.
     */
    private static void authorize(Caller caller, Access.Need need, DeploymentRef ref, String requestId, boolean change) {
        switch (Access.decide(caller, need, ref.getTenant())) {
            case ALLOW -> { }
            case FORBIDDEN -> throw new ApiError(ApiError.Kind.FORBIDDEN, Access.whyForbidden(caller, need), requestId, List.of());
            case NOT_FOUND -> throw change
                    ? ApiError.invalid(ApiError.Kind.NOT_FOUND, requestId, List.of(new Violation("deployment", NO_SUCH_DEPLOYMENT)))
                    : notFound(ref);
        }
    }

    private static ApiError notFound(DeploymentRef ref) {
        return new ApiError(ApiError.Kind.NOT_FOUND, "no deployment " + DeploymentKey.of(ref), "", List.of());
    }

    /** The sealed secrets stay inside intent-service; callers use the credentials operation. */
    private static Intent withoutSecrets(Intent intent) {
        return intent.toBuilder().clearAdminPassword().clearReplicationPassword().clearBackupKey().build();
    }

    private static String requestIdOr(String requestId) {
        return requestId == null || requestId.isBlank() ? UUID.randomUUID().toString() : requestId;
    }

    private KafkaProducer<String, IntentEvent> producer() {
        KafkaProducer<String, IntentEvent> p = producer;
        if (p == null) {
            synchronized (this) {
                if (producer == null) {
                    Properties props = new Properties();
                    props.putAll(kafka.base());
                    props.put(ProducerConfig.ACKS_CONFIG, "all");
                    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
                    props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
                    props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) api.awaitTimeout().toMillis());
                    props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) Math.max(api.awaitTimeout().toMillis(), 1000));
                    props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(api.awaitTimeout().toMillis(), 30_000));
                    props.put(ProducerConfig.CLIENT_ID_CONFIG, "intent-service-api");
                    producer = new KafkaProducer<>(props, new StringSerializer(),
                            Topics.INTENT_EVENTS.valueSerde().serializer());
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
