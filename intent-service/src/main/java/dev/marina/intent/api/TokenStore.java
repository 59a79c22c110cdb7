package dev.marina.intent.api;

import dev.marina.service.KafkaClients;
import dev.marina.intent.validation.IntentValidator;
import dev.marina.intent.validation.Violation;
import dev.marina.schemas.serde.Decoded;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.ApiTokenRecord;
import dev.marina.schemas.v1.DeploymentRef;
import dev.marina.schemas.v1.TokenInfo;
import dev.marina.schemas.v1.TokenScope;
import dev.marina.service.Timestamps;
import dev.marina.service.TopicReader;
import com.google.protobuf.ByteString;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.jboss.logging.Logger;

/**
 * The API's tokens: the admin token from configuration ({@link ApiToken}) and those made through the
 * API, kept on the compacted {@code api-tokens} topic (id, tenant, scope, SHA-256 of the secret,
 * created, revoked) and read whole into memory by every intent-service instance. A token made or
 * revoked here counts at once on this instance, and on others as soon as they read the record.
 * The secret is never stored, logged or put on a topic; only the token's id is.
 */
@ApplicationScoped
public class TokenStore {
    private static final Logger LOG = Logger.getLogger(TokenStore.class);
    /** Compared against when an id is unknown, so that an unknown id costs what a wrong secret does. */
    private static final byte[] NO_HASH = new byte[32];

    @Inject
    ApiToken adminToken;

    @Inject
    KafkaClients kafka;

    @Inject
    dev.marina.intent.config.ApiConfig api;

    private final Clock clock = Clock.systemUTC();
    private final Map<String, ApiTokenRecord> tokens = new ConcurrentHashMap<>();
    private final Map<String, Instant> lastUsed = new ConcurrentHashMap<>();
    private volatile TopicReader reader;
    private volatile KafkaProducer<String, ApiTokenRecord> producer;

    void onStart(@Observes StartupEvent event) {
        reader = TopicReader.builder("intent-service-tokens", kafka.base())
                .topic(Topics.API_TOKENS, TopicReader.Start.BEGINNING, this::read)
                .build()
                .start();
    }

    void onStop(@Observes ShutdownEvent event) {
        if (reader != null) {
            reader.close();
        }
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
    }

    public boolean caughtUp() {
        TopicReader r = reader;
        return r != null && r.caughtUp();
    }

    public String problem() {
        TopicReader r = reader;
        return r == null ? "not started" : r.problem();
    }

    /** The caller an {@code Authorization} header shows; empty when it shows no valid, unrevoked token. */
    public Optional<Caller> authenticate(String authorizationHeader) {
        Optional<String> offered = Tokens.bearer(authorizationHeader);
        if (offered.isEmpty()) {
            return Optional.empty();
        }
        if (adminToken.matches(offered.get())) {
            lastUsed.put(Caller.FILE_ADMIN_ID, clock.instant());
            return Optional.of(Caller.admin(Caller.FILE_ADMIN_ID));
        }
        Optional<Tokens.Offered> parsed = Tokens.parse(offered.get());
        if (parsed.isEmpty()) {
            return Optional.empty();
        }
        ApiTokenRecord record = tokens.get(parsed.get().id());
        byte[] expected = record == null ? NO_HASH : record.getSecretSha256().toByteArray();
        boolean same = MessageDigest.isEqual(expected, Tokens.sha256(parsed.get().secret()));
        if (record == null || !same || record.hasRevokedAt()) {
            return Optional.empty();
        }
        lastUsed.put(record.getId(), clock.instant());
        return Optional.of(switch (record.getScope()) {
            case TOKEN_SCOPE_PLATFORM_ADMIN -> Caller.admin(record.getId());
            case TOKEN_SCOPE_TENANT_READ_WRITE -> Caller.tenant(record.getId(), record.getTenant(), false);
            // anything else (unspecified, or a scope this version does not know) reads only
            default -> Caller.tenant(record.getId(), record.getTenant(), true);
        });
    }

    /** A new token; the answer holds the token itself, which is not kept and cannot be shown again. */
    public Created create(Caller by, String tenant, TokenScope scope, String description, String requestId) {
        List<Violation> violations = new ArrayList<>();
        if (scope == TokenScope.TOKEN_SCOPE_PLATFORM_ADMIN) {
            if (tenant != null && !tenant.isEmpty()) {
                violations.add(new Violation("tenant", "a platform-admin token has no tenant"));
            }
        } else if (scope == TokenScope.TOKEN_SCOPE_TENANT_READ_WRITE || scope == TokenScope.TOKEN_SCOPE_TENANT_READ_ONLY) {
            List<Violation> label = new ArrayList<>();
            IntentValidator.checkDeployment(DeploymentRef.newBuilder().setTenant(tenant == null ? "" : tenant).setName("x").build(), label);
            label.forEach(v -> violations.add(new Violation("tenant", v.reason())));
        } else {
            violations.add(new Violation("scope", "must be TOKEN_SCOPE_PLATFORM_ADMIN, TOKEN_SCOPE_TENANT_READ_WRITE or "
                    + "TOKEN_SCOPE_TENANT_READ_ONLY"));
        }
        if (description != null && description.length() > 200) {
            violations.add(new Violation("description", "at most 200 characters, got " + description.length()));
        }
        if (!violations.isEmpty()) {
            throw ApiError.invalid(ApiError.Kind.BAD_REQUEST, requestId, violations);
        }
        Tokens.Minted minted = Tokens.mint();
        ApiTokenRecord record = ApiTokenRecord.newBuilder()
                .setId(minted.id())
                .setTenant(scope == TokenScope.TOKEN_SCOPE_PLATFORM_ADMIN ? "" : tenant)
                .setScope(scope)
                .setSecretSha256(ByteString.copyFrom(minted.secretSha256()))
                .setCreatedAt(Timestamps.of(clock.instant()))
                .setCreatedBy(by.tokenId())
                .setDescription(description == null ? "" : description)
                .build();
        write(record, requestId);
        LOG.infof("api token created token=%s tenant=%s scope=%s by=%s request=%s", record.getId(), record.getTenant(),
                record.getScope(), by.tokenId(), requestId);
        return new Created(info(record), minted.token());
    }

    /** Revokes a token; revoking it again changes nothing. 404 for an id no token has. */
    public TokenInfo revoke(Caller by, String id, String requestId) {
        if (Caller.FILE_ADMIN_ID.equals(id)) {
            throw ApiError.invalid(ApiError.Kind.BAD_REQUEST, requestId, List.of(new Violation("id",
                    "the admin token of marina.api.token or its file is not revoked here: replace the file and restart")));
        }
        ApiTokenRecord record = Tokens.isId(id) ? tokens.get(id) : null;
        if (record == null) {
            // the id is echoed only when it has an id's shape: whatever else came is not repeated (it might be a token)
            throw new ApiError(ApiError.Kind.NOT_FOUND, Tokens.isId(id) ? "no token " + id : "no such token (an id is 16 hex digits)",
                    requestId, List.of());
        }
        if (!record.hasRevokedAt()) {
            record = record.toBuilder().setRevokedAt(Timestamps.of(clock.instant())).setRevokedBy(by.tokenId()).build();
            write(record, requestId);
            LOG.infof("api token revoked token=%s tenant=%s by=%s request=%s", id, record.getTenant(), by.tokenId(), requestId);
        }
        return info(record);
    }

    /** The tenant of a token (empty for an admin token), if there is such a token. */
    public Optional<String> tenantOf(String id) {
        return Optional.ofNullable(id == null ? null : tokens.get(id)).map(ApiTokenRecord::getTenant);
    }

    /** Every token (or a tenant's), without secrets, oldest first; the admin token of the file first. */
    public List<TokenInfo> list(String tenant) {
        List<TokenInfo> result = new ArrayList<>();
        if (tenant == null || tenant.isEmpty()) {
            TokenInfo.Builder file = TokenInfo.newBuilder().setId(Caller.FILE_ADMIN_ID).setScope(TokenScope.TOKEN_SCOPE_PLATFORM_ADMIN)
                    .setDescription("marina.api.token or its file");
            Optional.ofNullable(lastUsed.get(Caller.FILE_ADMIN_ID)).ifPresent(t -> file.setLastUsedAt(Timestamps.of(t)));
            result.add(file.build());
        }
        tokens.values().stream()
                .filter(r -> tenant == null || tenant.isEmpty() || r.getTenant().equals(tenant))
                .sorted(Comparator.comparing((ApiTokenRecord r) -> Timestamps.toInstant(r.getCreatedAt())).thenComparing(ApiTokenRecord::getId))
                .forEach(r -> result.add(info(r)));
        return result;
    }

    public record Created(TokenInfo info, String token) {}

    private TokenInfo info(ApiTokenRecord r) {
        TokenInfo.Builder info = TokenInfo.newBuilder().setId(r.getId()).setTenant(r.getTenant()).setScope(r.getScope())
                .setCreatedAt(r.getCreatedAt()).setCreatedBy(r.getCreatedBy()).setDescription(r.getDescription());
        if (r.hasRevokedAt()) {
            info.setRevokedAt(r.getRevokedAt());
        }
        Optional.ofNullable(lastUsed.get(r.getId())).ifPresent(t -> info.setLastUsedAt(Timestamps.of(t)));
        return info.build();
    }

    private void write(ApiTokenRecord record, String requestId) {
        try {
            producer().send(new ProducerRecord<>(Topics.API_TOKENS.name(), record.getId(), record))
                    .get(api.awaitTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiError(ApiError.Kind.UNAVAILABLE, "interrupted", requestId, List.of());
        } catch (ExecutionException | TimeoutException e) {
            throw new ApiError(ApiError.Kind.UNAVAILABLE, "could not write the token to Kafka: " + e.getMessage(), requestId, List.of());
        }
        tokens.put(record.getId(), record);
    }

    private void read(TopicReader.Read<ApiTokenRecord> record) {
        if (record.key() == null) {
            return;
        }
        if (record.tombstone()) {
            tokens.remove(record.key());
            return;
        }
        if (record.value() instanceof Decoded.Failed<ApiTokenRecord> failed) {
            // Only intent-service writes this topic; a bad record is a bug worth a loud log, and grants nothing.
            LOG.errorf("undecodable token record partition=%d offset=%d reason=%s", record.partition(), record.offset(), failed.reason());
            return;
        }
        ApiTokenRecord value = record.value().value();
        if (!value.getId().equals(record.key())) {
            LOG.errorf("token record ignored partition=%d offset=%d reason=its id differs from its key", record.partition(), record.offset());
            return;
        }
        // A revocation is never undone by an older record read later (this instance may have written a newer one).
        tokens.merge(record.key(), value, (mine, read) -> mine.hasRevokedAt() && !read.hasRevokedAt() ? mine : read);
    }

    private KafkaProducer<String, ApiTokenRecord> producer() {
        KafkaProducer<String, ApiTokenRecord> p = producer;
        if (p == null) {
            synchronized (this) {
                if (producer == null) {
                    producer = new KafkaProducer<>(ApiProducers.settings(kafka.base(), "intent-service-tokens", api.awaitTimeout()),
                            Topics.API_TOKENS.keySerde().serializer(), Topics.API_TOKENS.valueSerde().serializer());
                }
                p = producer;
            }
        }
        return p;
    }
}
