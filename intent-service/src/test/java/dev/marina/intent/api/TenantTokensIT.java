package dev.marina.intent.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.ApplyRequest;
import dev.marina.schemas.v1.AuditOutcome;
import dev.marina.schemas.v1.AuditRecord;
import dev.marina.schemas.v1.CreateTokenRequest;
import dev.marina.schemas.v1.DeleteRequest;
import dev.marina.schemas.v1.DeploymentRef;
import dev.marina.schemas.v1.DeploymentServiceGrpc;
import dev.marina.schemas.v1.DeploymentSpec;
import dev.marina.schemas.v1.Engine;
import dev.marina.schemas.v1.GetRequest;
import dev.marina.schemas.v1.ListRequest;
import dev.marina.schemas.v1.RevokeTokenRequest;
import dev.marina.schemas.v1.SwitchoverRequest;
import dev.marina.schemas.v1.TokenScope;
import dev.marina.schemas.v1.TokenServiceGrpc;
import dev.marina.testkit.KafkaTestResource;
import dev.marina.testkit.SharedKafka;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tenants on the intent API, REST and gRPC, against a real broker: a tenant token sees and changes its
 * own tenant only (another tenant's deployment answers exactly like a missing one), a read-only token
 * changes nothing, a revoked token is refused, and every change leaves an audit record that names the
 * token by id only. No token appears in an audit record or a log line.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@TestProfile(DeploymentApiIT.Profile.class)
class TenantTokensIT {

    private static final String ADMIN = DeploymentApiIT.TOKEN;
    private static final String SMALL = "{\"spec\":{\"engine\":\"ENGINE_MARIADB\",\"version\":\"10.11\"}}";
    /** Every log record of the run, to look for tokens in. */
    private static final List<String> LOGGED = new CopyOnWriteArrayList<>();
    private static final Handler CAPTURE = new Handler() {
        @Override
        public void publish(LogRecord record) {
            LOGGED.add(String.valueOf(record.getMessage()) + " " + java.util.Arrays.toString(record.getParameters()));
        }

        @Override
        public void flush() { }

        @Override
        public void close() { }
    };
    /** Every token this class was given, to look for in audit records and logs. */
    private static final List<String> MINTED = new CopyOnWriteArrayList<>();

    private final String acme = "ta" + UUID.randomUUID().toString().substring(0, 8);
    private final String globex = "tg" + UUID.randomUUID().toString().substring(0, 8);

    @BeforeAll
    static void captureLogs() {
        java.util.logging.Logger.getLogger("").addHandler(CAPTURE);
    }

    @AfterAll
    static void noTokenWasLogged() {
        java.util.logging.Logger.getLogger("").removeHandler(CAPTURE);
        for (String token : MINTED) {
            String secret = secretOf(token);
            for (String line : LOGGED) {
                assertFalse(line.contains(secret), "a token's secret in the log: " + line);
            }
        }
        assertTrue(LOGGED.stream().anyMatch(l -> l.contains("audit")), "the capture saw the service's log");
    }

    // ------------------------------------------------------------------ helpers

    /** The secret part of a token (marina_<16 hex>_<secret>; the secret may itself hold '_'), or the whole of another. */
    private static String secretOf(String token) {
        return token.startsWith("marina_") ? token.substring("marina_".length() + 17) : token;
    }

    private static void awaitReady() {
        Awaitility.await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                given().get("/q/health/ready").then().statusCode(200));
    }

    private static RequestSpecification as(String token) {
        awaitReady();
        return given().header("Authorization", "Bearer " + token).contentType("application/json");
    }

    /** A new token made by the admin through the API: [id, token]. */
    private static String[] token(String tenant, boolean readOnly) {
        ExtractableResponse<Response> made = as(ADMIN)
                .body("{\"tenant\":\"" + tenant + "\"" + (readOnly ? ",\"scope\":\"TOKEN_SCOPE_TENANT_READ_ONLY\"" : "") + "}")
                .post("/v1/tokens").then().statusCode(201)
                .body("tokenInfo.tenant", equalTo(tenant))
                .body("tokenInfo.scope", equalTo(readOnly ? "TOKEN_SCOPE_TENANT_READ_ONLY" : "TOKEN_SCOPE_TENANT_READ_WRITE"))
                .extract();
        String token = made.path("token");
        MINTED.add(token);
        return new String[] {made.path("tokenInfo.id"), token};
    }

    private static String path(String tenant, String name) {
        return "/v1/deployments/" + tenant + "/" + name;
    }

    private static String body(String tenant, String name, String token, String method, String suffix, String requestId) {
        RequestSpecification request = as(token);
        if (requestId != null) {
            request = request.queryParam("requestId", requestId);
        }
        Response answer = switch (method) {
            case "GET" -> request.get(path(tenant, name) + suffix);
            case "DELETE" -> request.delete(path(tenant, name) + suffix);
            case "PUT" -> request.body(SMALL).put(path(tenant, name) + suffix);
            default -> request.post(path(tenant, name) + suffix);
        };
        assertEquals(404, answer.statusCode(), method + " " + tenant + "/" + name + suffix + ": " + answer.asString());
        return answer.asString();
    }

    private static ManagedChannel channel() {
        return NettyChannelBuilder.forAddress("127.0.0.1", RestAssured.port).usePlaintext().build();
    }

    private static Metadata bearer(String token) {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        return headers;
    }

    private static DeploymentServiceGrpc.DeploymentServiceBlockingStub deployments(ManagedChannel channel, String token) {
        return DeploymentServiceGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(bearer(token)));
    }

    private static TokenServiceGrpc.TokenServiceBlockingStub tokens(ManagedChannel channel, String token) {
        return TokenServiceGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(bearer(token)));
    }

    private static DeploymentRef ref(String tenant, String name) {
        return DeploymentRef.newBuilder().setTenant(tenant).setName(name).build();
    }

    private static Status.Code code(Runnable call) {
        return assertThrows(StatusRuntimeException.class, call::run).getStatus().getCode();
    }

    private static String description(Runnable call) {
        return assertThrows(StatusRuntimeException.class, call::run).getStatus().getDescription();
    }

    private static KafkaConsumer<String, String> tailAudit() {
        Properties props = SharedKafka.clientProperties();
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        consumer.partitionsFor(Topics.AUDIT.name()).forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position);
        return consumer;
    }

    /** The first audit record that matches, with every raw record seen on the way kept in seen. */
    private static AuditRecord awaitAudit(KafkaConsumer<String, String> consumer, List<String> seen, Predicate<AuditRecord> wanted) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                seen.add(r.key() + " " + r.value());
                AuditRecord record = Topics.AUDIT.valueSerde().deserializer().deserialize(r.topic(), r.value().getBytes());
                if (wanted.test(record)) {
                    return record;
                }
            }
        }
        throw new AssertionError("no such audit record within 20 s; seen: " + seen);
    }

    // ------------------------------------------------------------------ REST

    @Test
    void another_tenants_deployment_answers_like_a_missing_one_on_get_put_delete_and_credentials() {
        String acmeRw = token(acme, false)[1];
        String globexRw = token(globex, false)[1];
        as(acmeRw).body(SMALL).put(path(acme, "orders")).then().statusCode(200).body("generation", equalTo(1));

        for (String[] call : new String[][] {{"GET", ""}, {"GET", "/credentials"}, {"GET", "/ca"}, {"GET", "/watch"}, {"GET", "/backups"}}) {
            String theirs = body(acme, "orders", globexRw, call[0], call[1], null);
            String missing = body(acme, "ghost", acmeRw, call[0], call[1], null);
            assertEquals(missing.replace("ghost", "orders"), theirs, call[0] + call[1]);
            String neverWas = body(acme, "ghost", globexRw, call[0], call[1], null);
            assertEquals(missing, neverWas, "the same answer whether it exists or not: " + call[0] + call[1]);
        }
        for (String[] call : new String[][] {{"DELETE", ""}, {"POST", "/switchover"}, {"POST", "/certificates/renew"}, {"POST", "/backups"},
                {"POST", "/pause"}, {"POST", "/resume"}}) {
            String theirs = body(acme, "orders", globexRw, call[0], call[1], "same-request");
            String missing = body(acme, "ghost", acmeRw, call[0], call[1], "same-request");
            assertEquals(missing, theirs, call[0] + call[1]);
        }
        String put = body(acme, "orders", globexRw, "PUT", "", null);
        assertTrue(put.contains("no such deployment"), put);

        as(ADMIN).get(path(acme, "orders")).then().statusCode(200).body("intent.generation", equalTo("1"))
                .body("intent.deleted", not(equalTo(true)));
    }

    @Test
    void list_shows_only_the_callers_tenant() {
        String acmeRw = token(acme, false)[1];
        String globexRw = token(globex, false)[1];
        as(acmeRw).body(SMALL).put(path(acme, "listed")).then().statusCode(200);
        as(globexRw).body(SMALL).put(path(globex, "hidden")).then().statusCode(200);

        as(acmeRw).get("/v1/deployments").then().statusCode(200)
                .body("deployments.intent.deployment.tenant", everyItem(equalTo(acme)))
                .body("deployments.intent.deployment.name", hasItem("listed"));
        as(acmeRw).queryParam("tenant", globex).get("/v1/deployments").then().statusCode(200).body("deployments", org.hamcrest.Matchers.nullValue());
        as(ADMIN).get("/v1/deployments").then().statusCode(200)
                .body("deployments.intent.deployment.tenant", hasItem(acme))
                .body("deployments.intent.deployment.tenant", hasItem(globex));
    }

    @Test
    void a_read_only_token_reads_but_changes_nothing() {
        String acmeRw = token(acme, false)[1];
        String acmeRo = token(acme, true)[1];
        as(acmeRw).body(SMALL).put(path(acme, "ro")).then().statusCode(200);

        as(acmeRo).get(path(acme, "ro")).then().statusCode(200);
        as(acmeRo).get("/v1/deployments").then().statusCode(200).body("deployments.intent.deployment.name", hasItem("ro"));
        as(acmeRo).body(SMALL.replace("10.11\"", "10.11\",\"replicas\":1")).put(path(acme, "ro")).then().statusCode(403)
                .body("error", containsString("read-only"));
        as(acmeRo).delete(path(acme, "ro")).then().statusCode(403);
        as(acmeRo).post(path(acme, "ro") + "/switchover").then().statusCode(403);
        as(acmeRo).post(path(acme, "ro") + "/backups").then().statusCode(403);
        as(acmeRo).post(path(acme, "ro") + "/pause").then().statusCode(403);
        as(acmeRo).post(path(acme, "ro") + "/resume").then().statusCode(403);
        as(acmeRw).post(path(acme, "ro") + "/pause").then().statusCode(200).body("outcome", equalTo("accepted"))
                .body("intent.pauseRequested", equalTo(true)).body("intent.generation", equalTo("1"));
        as(acmeRw).post(path(acme, "ghost") + "/resume").then().statusCode(404);
        as(acmeRo).get(path(acme, "ro") + "/backups").then().statusCode(200);
        as(acmeRo).get(path(acme, "ro") + "/credentials").then().statusCode(403);
        as(acmeRo).body("{\"tenant\":\"" + acme + "\"}").post("/v1/tokens").then().statusCode(403);
        as(acmeRw).get("/v1/tokens").then().statusCode(403);
        as(ADMIN).get(path(acme, "ro")).then().statusCode(200).body("intent.generation", equalTo("1"));
    }

    @Test
    void tokens_are_listed_without_secrets_and_a_revoked_token_is_refused() {
        String[] made = token(acme, false);
        as(made[1]).get("/v1/deployments").then().statusCode(200);

        String listed = as(ADMIN).queryParam("tenant", acme).get("/v1/tokens").then().statusCode(200)
                .body("tokens.id", hasItem(made[0])).extract().asString();
        assertFalse(listed.contains(secretOf(made[1])), listed);
        assertFalse(listed.contains("secret"), listed);
        as(ADMIN).get("/v1/tokens").then().body("tokens.find { it.id == '" + made[0] + "' }.lastUsedAt", notNullValue());

        as(ADMIN).delete("/v1/tokens/" + made[0]).then().statusCode(200).body("tokenInfo.revokedAt", notNullValue());
        as(made[1]).get("/v1/deployments").then().statusCode(401);
        as(made[1]).body(SMALL).put(path(acme, "after-revoke")).then().statusCode(401);
        as(ADMIN).delete("/v1/tokens/" + made[0]).then().statusCode(200);
        as(ADMIN).delete("/v1/tokens/0123456789abcdef").then().statusCode(404);
        as(ADMIN).delete("/v1/tokens/" + made[1]).then().statusCode(404).body("error", not(containsString(made[1])));
    }

    @Test
    void an_accepted_and_a_refused_change_leave_audit_records_naming_the_token_by_id() {
        String[] rw = token(acme, false);
        String[] ro = token(acme, true);
        List<String> seen = new ArrayList<>();
        try (KafkaConsumer<String, String> audit = tailAudit()) {
            String accepted = "audit-ok-" + UUID.randomUUID();
            as(rw[1]).body("{\"requestId\":\"" + accepted + "\"," + SMALL.substring(1)).put(path(acme, "audited")).then().statusCode(200);
            AuditRecord ok = awaitAudit(audit, seen, r -> r.getRequestId().equals(accepted));
            assertEquals(rw[0], ok.getTokenId());
            assertEquals(TokenScope.TOKEN_SCOPE_TENANT_READ_WRITE, ok.getScope());
            assertEquals(acme, ok.getTenant());
            assertEquals(Actions.APPLY, ok.getAction());
            assertEquals(acme + "/audited", ok.getTarget());
            assertEquals(AuditOutcome.AUDIT_OUTCOME_ACCEPTED, ok.getOutcome());
            assertEquals(200, ok.getStatus());
            assertEquals("rest", ok.getTransport());
            assertTrue(ok.hasAt());

            String refused = "audit-no-" + UUID.randomUUID();
            as(ro[1]).queryParam("requestId", refused).delete(path(acme, "audited")).then().statusCode(403);
            AuditRecord no = awaitAudit(audit, seen, r -> r.getRequestId().equals(refused));
            assertEquals(ro[0], no.getTokenId());
            assertEquals(Actions.DELETE, no.getAction());
            assertEquals(AuditOutcome.AUDIT_OUTCOME_REFUSED, no.getOutcome());
            assertEquals(403, no.getStatus());
            assertTrue(no.getReason().contains("read-only"), no.getReason());

            String unknown = "audit-401-" + UUID.randomUUID();
            as("marina_0123456789abcdef_" + "x".repeat(43)).queryParam("requestId", unknown).delete(path(acme, "audited"))
                    .then().statusCode(401);
            AuditRecord nobody = awaitAudit(audit, seen, r -> r.getRequestId().equals(unknown));
            assertEquals(Caller.NOBODY, nobody.getTokenId());
            assertEquals(401, nobody.getStatus());

            as(ADMIN).delete("/v1/tokens/" + rw[0]).then().statusCode(200);
            AuditRecord revoked = awaitAudit(audit, seen, r -> r.getAction().equals(Actions.TOKEN_REVOKE) && r.getTarget().equals(rw[0]));
            assertEquals(Caller.FILE_ADMIN_ID, revoked.getTokenId());
            assertEquals(acme, revoked.getTenant());
            assertEquals(AuditOutcome.AUDIT_OUTCOME_ACCEPTED, revoked.getOutcome());
        }
        for (String token : List.of(rw[1], ro[1], ADMIN)) {
            String secret = secretOf(token);
            seen.forEach(r -> assertFalse(r.contains(secret), "a token in an audit record: " + r));
        }
    }

    // ------------------------------------------------------------------ gRPC

    @Test
    void grpc_applies_the_same_rules() throws Exception {
        String acmeRw = token(acme, false)[1];
        String acmeRo = token(acme, true)[1];
        String globexRw = token(globex, false)[1];
        as(acmeRw).body(SMALL).put(path(acme, "grpc")).then().statusCode(200);
        ManagedChannel channel = channel();
        List<String> seen = new ArrayList<>();
        try (KafkaConsumer<String, String> audit = tailAudit()) {
            var theirs = deployments(channel, globexRw);
            var mine = deployments(channel, acmeRw);
            GetRequest existing = GetRequest.newBuilder().setDeployment(ref(acme, "grpc")).build();
            GetRequest missing = GetRequest.newBuilder().setDeployment(ref(acme, "ghost")).build();
            assertEquals(Status.Code.NOT_FOUND, code(() -> theirs.get(existing)));
            assertEquals(description(() -> mine.get(missing)).replace("ghost", "grpc"), description(() -> theirs.get(existing)));
            assertEquals(Status.Code.NOT_FOUND, code(() -> theirs.delete(DeleteRequest.newBuilder().setDeployment(ref(acme, "grpc")).build())));
            assertEquals(Status.Code.NOT_FOUND, code(() -> theirs.switchover(SwitchoverRequest.newBuilder().setDeployment(ref(acme, "grpc")).build())));
            assertEquals(Status.Code.NOT_FOUND, code(() -> theirs.apply(ApplyRequest.newBuilder().setDeployment(ref(acme, "grpc"))
                    .setSpec(DeploymentSpec.newBuilder().setEngine(Engine.ENGINE_MARIADB).setVersion("10.11")).build())));
            assertEquals(Status.Code.NOT_FOUND, code(() -> theirs.pause(dev.marina.schemas.v1.PauseRequest.newBuilder()
                    .setDeployment(ref(acme, "grpc")).build())));
            assertEquals(Status.Code.NOT_FOUND, code(() -> theirs.resume(dev.marina.schemas.v1.ResumeRequest.newBuilder()
                    .setDeployment(ref(acme, "grpc")).build())));
            assertEquals(1, mine.get(existing).getIntent().getGeneration(), "untouched by the other tenant");
            assertFalse(mine.pause(dev.marina.schemas.v1.PauseRequest.newBuilder().setDeployment(ref(acme, "grpc")).build())
                    .getRequestId().isEmpty());
            assertEquals(1, mine.get(existing).getIntent().getPauseRequests(), "counted, not a spec change");
            assertEquals(1, mine.get(existing).getIntent().getGeneration());

            assertTrue(theirs.list(ListRequest.getDefaultInstance()).getDeploymentsList().stream()
                    .allMatch(d -> d.getIntent().getDeployment().getTenant().equals(globex)));
            assertEquals(0, theirs.list(ListRequest.newBuilder().setTenant(acme).build()).getDeploymentsCount());
            assertTrue(mine.list(ListRequest.getDefaultInstance()).getDeploymentsList().stream()
                    .anyMatch(d -> d.getIntent().getDeployment().getName().equals("grpc")));

            String refusedId = "grpc-ro-" + UUID.randomUUID();
            var readOnly = deployments(channel, acmeRo);
            assertEquals(1, readOnly.get(existing).getIntent().getGeneration());
            assertEquals(Status.Code.PERMISSION_DENIED, code(() -> readOnly.apply(ApplyRequest.newBuilder().setDeployment(ref(acme, "grpc"))
                    .setRequestId(refusedId).setSpec(DeploymentSpec.newBuilder().setEngine(Engine.ENGINE_MARIADB).setVersion("10.11")).build())));
            AuditRecord refused = awaitAudit(audit, seen, r -> r.getRequestId().equals(refusedId));
            assertEquals("grpc", refused.getTransport());
            assertEquals(AuditOutcome.AUDIT_OUTCOME_REFUSED, refused.getOutcome());
            assertEquals(403, refused.getStatus());
            assertEquals(acme + "/grpc", refused.getTarget());

            assertEquals(Status.Code.PERMISSION_DENIED, code(() -> tokens(channel, acmeRw).list(dev.marina.schemas.v1.ListTokensRequest.getDefaultInstance())));
            var admin = tokens(channel, ADMIN);
            var made = admin.create(CreateTokenRequest.newBuilder().setTenant(acme).setScope(TokenScope.TOKEN_SCOPE_TENANT_READ_WRITE)
                    .setRequestId("grpc-create-" + acme).build());
            MINTED.add(made.getToken());
            AuditRecord created = awaitAudit(audit, seen, r -> r.getRequestId().equals("grpc-create-" + acme));
            assertEquals(made.getTokenInfo().getId(), created.getTarget());
            assertEquals(201, created.getStatus());
            var fresh = deployments(channel, made.getToken());
            assertEquals(1, fresh.get(existing).getIntent().getGeneration());
            admin.revoke(RevokeTokenRequest.newBuilder().setId(made.getTokenInfo().getId()).build());
            assertEquals(Status.Code.UNAUTHENTICATED, code(() -> fresh.get(existing)));
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        for (String token : MINTED) {
            String secret = secretOf(token);
            seen.forEach(r -> assertFalse(r.contains(secret), "a token in an audit record: " + r));
        }
    }
}
