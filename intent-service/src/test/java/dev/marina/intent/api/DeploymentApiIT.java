package dev.marina.intent.api;

import dev.marina.testkit.SharedKafka;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.DeploymentRef;
import dev.marina.schemas.v1.DeploymentServiceGrpc;
import dev.marina.schemas.v1.DeploymentStatus;
import dev.marina.schemas.v1.DeploymentView;
import dev.marina.schemas.v1.GetRequest;
import dev.marina.schemas.v1.WatchRequest;
import dev.marina.testkit.KafkaTestResource;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.specification.RequestSpecification;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/** The intent API against a real broker: what a user and another system see. */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@TestProfile(DeploymentApiIT.Profile.class)
class DeploymentApiIT {

    // A constant: the profile and the test may see this class through different class loaders.
    static final String TOKEN = "api-it-token-7f3c9a";

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                return Map.of("marina.api.token", TOKEN,
                        "marina.home", Files.createTempDirectory("intent-api-it-").toString(),
                        // retention sweeps every second here (a minute by default)
                        "marina.intent.retention-interval", "1s");
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String servers;

    private final String tenant = "t" + UUID.randomUUID().toString().substring(0, 8);

    private static final String SMALL = "{\"spec\":{\"engine\":\"ENGINE_MARIADB\",\"version\":\"10.11\"}}";

    private RequestSpecification api() {
        awaitReady();
        return given().header("Authorization", "Bearer " + TOKEN).contentType("application/json");
    }

    private static void awaitReady() {
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                given().get("/q/health/ready").then().statusCode(200));
    }

    @Test
    void calls_without_the_right_token_are_refused() {
        awaitReady();
        given().get("/v1/deployments").then().statusCode(401).body("error", containsString("bearer token"));
        given().header("Authorization", "Bearer nope").get("/v1/deployments").then().statusCode(401);
        given().header("Authorization", "Bearer " + TOKEN).get("/v1/deployments").then().statusCode(200);
        given().header("Authorization", "bearer " + TOKEN).get("/v1/deployments").then().statusCode(200);
        given().header("Authorization", "Basic " + TOKEN).get("/v1/deployments").then().statusCode(401);
        given().get("/q/health/live").then().statusCode(200);
    }

    @Test
    void a_typo_a_negative_or_a_contradictory_generation_is_refused_naming_the_field() {
        String path = "/v1/deployments/" + tenant + "/strict";
        api().body("{\"spec\":{\"engine\":\"ENGINE_MARIADB\",\"version\":\"10.11\",\"replicaz\":3}}").put(path)
                .then().statusCode(400).body("violations[0].field", equalTo("spec.replicaz"))
                .body("violations[0].reason", containsString("did you mean replicas?"));
        api().body("{\"expectedGeneration\":\"-2\",\"spec\":{\"engine\":\"ENGINE_MARIADB\",\"version\":\"10.11\"}}").put(path)
                .then().statusCode(400).body("violations[0].field", equalTo("expectedGeneration"));
        api().header("If-Match", "\"-1\"").body(SMALL).put(path)
                .then().statusCode(400).body("violations[0].field", equalTo("If-Match"));
        api().header("If-Match", "\"3\"").body("{\"expectedGeneration\":\"2\",\"spec\":{\"engine\":\"ENGINE_MARIADB\","
                + "\"version\":\"10.11\"}}").put(path)
                .then().statusCode(400).body("violations[0].field", equalTo("If-Match"));
        api().body("{\"spec\":{\"engine\":\"ENGINE_MARIADB\",\"version\":\"" + "9".repeat(100_000) + "\"}}").put(path)
                .then().statusCode(422).body("violations[0].field", equalTo("spec.version"))
                .body("violations[0].reason", containsString("(100000 characters)"));
        api().body("{\"spec\":{\"engine\":\"ENGINE_MARIADB\",\"version\":\"" + "9".repeat(600_000) + "\"}}").put(path)
                .then().statusCode(413).contentType("application/json").body("error", containsString("too large"));
        api().get(path).then().statusCode(404);
    }

    @Test
    void the_openapi_document_and_swagger_ui_are_served() {
        awaitReady();
        given().get("/q/openapi").then().statusCode(200)
                .body(containsString("/v1/deployments/{tenant}/{name}"))
                .body(containsString("/v1/deployments/{tenant}/{name}/credentials"));
        given().get("/q/swagger-ui/").then().statusCode(200);
    }

    @Test
    void apply_is_accepted_with_a_generation_and_repeating_it_changes_nothing() {
        api().body(SMALL).put("/v1/deployments/" + tenant + "/orders").then().statusCode(200)
                .body("outcome", equalTo("accepted")).body("generation", equalTo(1))
                .body("intent.spec.size", equalTo("SIZE_SMALL"))
                .body("intent.adminPassword", nullValue());
        api().body(SMALL).put("/v1/deployments/" + tenant + "/orders").then().statusCode(200).body("generation", equalTo(1));
        // a change (a replica; a size change of a deployment without one is refused: it would restart its only server)
        api().body("{\"spec\":{\"engine\":\"ENGINE_MARIADB\",\"version\":\"10.11\",\"size\":\"SIZE_SMALL\",\"replicas\":1}}")
                .put("/v1/deployments/" + tenant + "/orders").then().statusCode(200).body("generation", equalTo(2));

        api().get("/v1/deployments/" + tenant + "/orders").then().statusCode(200)
                .body("intent.generation", equalTo("2")).body("intent.adminUser", equalTo("admin"))
                .body("intent.adminPassword", nullValue());
        Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                api().get("/v1/deployments/" + tenant + "/orders").then().body("status.observedGeneration", equalTo("2")));
        api().queryParam("tenant", tenant).get("/v1/deployments").then().statusCode(200)
                .body("deployments.intent.deployment.name", hasItem("orders"));
    }

    @Test
    void the_list_comes_in_pages_that_follow_their_tokens_and_refuses_a_bad_size_or_token() {
        String t = tenant + "-pages";
        for (String name : List.of("p1", "p2", "p3")) {
            api().body(SMALL).put("/v1/deployments/" + t + "/" + name).then().statusCode(200);
        }
        Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> api().queryParam("tenant", t).get("/v1/deployments")
                .then().statusCode(200).body("deployments", org.hamcrest.Matchers.hasSize(3)).body("nextPageToken", nullValue()));
        String token = api().queryParam("tenant", t).queryParam("pageSize", 2).get("/v1/deployments").then().statusCode(200)
                .body("deployments.intent.deployment.name", org.hamcrest.Matchers.contains("p1", "p2"))
                .extract().path("nextPageToken");
        api().queryParam("tenant", t).queryParam("pageSize", 2).queryParam("pageToken", token).get("/v1/deployments").then()
                .statusCode(200).body("deployments.intent.deployment.name", org.hamcrest.Matchers.contains("p3"))
                .body("nextPageToken", nullValue());
        api().queryParam("pageSize", 1001).get("/v1/deployments").then().statusCode(400)
                .body("violations[0].field", equalTo("pageSize"));
        api().queryParam("tenant", tenant).queryParam("pageToken", token).get("/v1/deployments").then().statusCode(400)
                .body("violations[0].field", equalTo("pageToken"));
        api().queryParam("pageToken", "garbage").get("/v1/deployments").then().statusCode(400)
                .body("violations[0].reason", containsString("not a page token"));
    }

    @Test
    void a_stale_expected_generation_is_a_conflict() {
        api().body(SMALL).put("/v1/deployments/" + tenant + "/billing").then().statusCode(200);
        api().header("If-Match", "\"7\"").body(SMALL.replace("}}", ",\"replicas\":1}}"))
                .put("/v1/deployments/" + tenant + "/billing").then().statusCode(409)
                .body("violations[0].field", equalTo("expectedGeneration"))
                .body("violations[0].reason", equalTo("is 7 but the deployment is at generation 1"))
                .body("requestId", notNullValue());
        api().body("{\"expectedGeneration\":\"1\",\"spec\":{\"engine\":\"ENGINE_MARIADB\",\"version\":\"10.11\",\"replicas\":1}}")
                .put("/v1/deployments/" + tenant + "/billing").then().statusCode(200).body("generation", equalTo(2));
    }

    @Test
    void bad_requests_get_the_field_and_the_reason() {
        String path = "/v1/deployments/" + tenant + "/bad";
        api().body("{\"spec\": ").put(path).then().statusCode(400).body("error", containsString("malformed JSON"));
        api().body("{\"spec\":{\"engine\":\"ENGINE_MARIADB\",\"version\":\"10.11\",\"replicas\":\"two\"}}").put(path)
                .then().statusCode(400).body("violations[0].field", equalTo("spec.replicas"))
                .body("violations[0].reason", containsString("expected an integer"));
        api().body("{\"spec\":{\"engine\":\"ENGINE_MARIADB\",\"version\":\"10.11\",\"replicas\":9}}").put(path)
                .then().statusCode(422).body("violations[0].field", equalTo("spec.replicas"))
                .body("violations[0].reason", containsString("between 0 and 5"));
        api().body("{\"spec\":{\"engine\":\"ENGINE_DOLT\",\"version\":\"1.0\"}}").put(path)
                .then().statusCode(422).body("violations[0].field", equalTo("spec.engine"));
        api().body("{\"spec\":{\"engine\":\"ORACLE\"}}").put(path)
                .then().statusCode(400).body("violations[0].field", equalTo("spec.engine"));
        api().body("{\"spec\":{\"engine\":\"ENGINE_MARIADB\",\"version\":\"9.9\"}}").put(path)
                .then().statusCode(422).body("violations[0].field", equalTo("spec.version"));
        api().body(SMALL).put("/v1/deployments/" + tenant + "/Not_A_Label").then().statusCode(400)
                .body("violations[0].field", equalTo("deployment.name"));
        api().get(path).then().statusCode(404);
        api().delete("/v1/deployments/" + tenant + "/never-was").then().statusCode(404);
    }

    @Test
    void other_systems_publish_on_the_topic_and_get_rejections_or_dead_letters() throws Exception {
        awaitReady();
        String requestId = "sys-" + UUID.randomUUID();
        String key = tenant + "/from-topic";
        try (KafkaConsumer<String, String> rejections = tail(Topics.INTENT_REJECTIONS.name());
             KafkaConsumer<String, String> dead = tail(Topics.DEAD_LETTERS.name());
             KafkaConsumer<String, String> intents = tail(Topics.INTENTS.name());
             KafkaProducer<String, String> producer = producer()) {
            producer.send(new ProducerRecord<>("intent-events", key, "{\"requestId\":\"" + requestId + "\",\"deployment\":{\"tenant\":\""
                    + tenant + "\",\"name\":\"from-topic\"},\"op\":\"INTENT_OP_APPLY\",\"spec\":{\"engine\":\"ENGINE_MARIADB\","
                    + "\"version\":\"10.11\",\"replicas\":42}}")).get();
            producer.send(new ProducerRecord<>("intent-events", key, "certainly not json")).get();
            producer.send(new ProducerRecord<>("intent-events", key, "{\"requestId\":\"" + requestId + "-ok\",\"op\":\"INTENT_OP_APPLY\","
                    + "\"spec\":{\"engine\":\"ENGINE_MARIADB\",\"version\":\"10.11\"}}")).get();

            String rejection = awaitRecord(rejections, key);
            assertTrue(rejection.contains(requestId) && rejection.contains("spec.replicas"), rejection);
            String deadLetter = awaitRecord(dead, key);
            assertTrue(deadLetter.contains("\"sourceTopic\":\"intent-events\"") && deadLetter.contains("\"reason\":\"not a marina.v1.IntentEvent"),
                    deadLetter);
            String intent = awaitRecord(intents, key);
            assertTrue(intent.contains(requestId + "-ok"), "the consumer moved on: " + intent);
        }
    }

    @Test
    void credentials_come_from_the_api_and_the_password_is_never_plaintext_on_a_topic() throws Exception {
        try (KafkaConsumer<String, String> intents = tail(Topics.INTENTS.name());
             KafkaConsumer<String, String> commands = tail(Topics.AGENT_COMMANDS.name())) {
            api().body(SMALL).put("/v1/deployments/" + tenant + "/secret").then().statusCode(200);
            String password = api().get("/v1/deployments/" + tenant + "/secret/credentials").then().statusCode(200)
                    .body("user", equalTo("admin")).extract().path("password");
            assertTrue(password.length() >= 20, "a generated password");
            String intent = awaitRecord(intents, tenant + "/secret");
            assertTrue(intent.contains("adminPassword") && !intent.contains(password), "sealed on the topic: " + intent);
        }
    }

    @Test
    void a_backup_is_requested_with_an_id_and_listed_from_the_catalogue() {
        api().body(SMALL).put("/v1/deployments/" + tenant + "/kept").then().statusCode(200);
        api().post("/v1/deployments/" + tenant + "/kept/backups").then().statusCode(200)
                .body("outcome", equalTo("accepted")).body("requestId", org.hamcrest.Matchers.startsWith("b-"))
                .body("intent.backupsRequested", equalTo("1"))
                .body("intent.backupKey", nullValue());
        api().queryParam("requestId", "before-upgrade").post("/v1/deployments/" + tenant + "/kept/backups").then().statusCode(200)
                .body("intent.backupRequestId", equalTo("before-upgrade")).body("intent.backupsRequested", equalTo("2"));
        api().queryParam("requestId", "Not An Id").post("/v1/deployments/" + tenant + "/kept/backups").then().statusCode(422)
                .body("violations[0].field", equalTo("requestId"));
        api().post("/v1/deployments/" + tenant + "/ghost/backups").then().statusCode(404);
        // no agent runs here, so nothing is taken: the catalogue is empty, and a missing deployment is 404
        api().get("/v1/deployments/" + tenant + "/kept/backups").then().statusCode(200).body("backups", nullValue());
        api().get("/v1/deployments/" + tenant + "/ghost/backups").then().statusCode(404);
    }

    @Test
    void delete_is_accepted_with_a_new_generation() {
        api().body(SMALL).put("/v1/deployments/" + tenant + "/short-lived").then().statusCode(200).body("generation", equalTo(1));
        api().delete("/v1/deployments/" + tenant + "/short-lived").then().statusCode(200).body("generation", equalTo(2))
                .body("intent.deleted", equalTo(true));
    }

    @Test
    void grpc_needs_the_token_and_serves_get_and_watch() throws Exception {
        api().body(SMALL).put("/v1/deployments/" + tenant + "/grpc").then().statusCode(200);
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", RestAssured.port).usePlaintext().build();
        try {
            DeploymentRef ref = DeploymentRef.newBuilder().setTenant(tenant).setName("grpc").build();
            StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () ->
                    DeploymentServiceGrpc.newBlockingStub(channel).get(GetRequest.newBuilder().setDeployment(ref).build()));
            assertEquals(io.grpc.Status.Code.UNAUTHENTICATED, refused.getStatus().getCode());

            Metadata headers = new Metadata();
            headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + TOKEN);
            var stub = DeploymentServiceGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
            DeploymentView view = stub.get(GetRequest.newBuilder().setDeployment(ref).build());
            assertEquals(1, view.getIntent().getGeneration());
            assertFalse(view.getIntent().hasAdminPassword());

            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() ->
                    stub.get(GetRequest.newBuilder().setDeployment(ref).build()).hasStatus());
            Iterator<DeploymentStatus> watch = stub.withDeadlineAfter(10, TimeUnit.SECONDS)
                    .watch(WatchRequest.newBuilder().setDeployment(ref).build());
            assertEquals("grpc", watch.next().getDeployment().getName());
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private KafkaConsumer<String, String> tail(String topic) {
        Properties props = new Properties();
        props.putAll(SharedKafka.clientProperties());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position);
        return consumer;
    }

    private static String awaitRecord(KafkaConsumer<String, String> consumer, String key) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                if (key.equals(r.key()) && r.value() != null) {
                    return r.value();
                }
            }
        }
        throw new AssertionError("no record with key " + key + " within 20 s");
    }

    /**
     * Retention end to end in the service: the sweeper reads the catalogue through the views and writes EXPIRED records
     * on {@code backups} for backups past their retention; a recent one stays. (The rules are RetentionPolicyTest's.)
     */
    @Test
    void backups_past_their_retention_are_recorded_expired_and_stay_listed() throws Exception {
        java.time.Instant now = java.time.Instant.now();
        try (KafkaProducer<String, String> producer = producer()) {
            producer.send(new ProducerRecord<>("backups", tenant + "/gone#old", catalogueRecord("old", now.minus(java.time.Duration.ofDays(10)), 3))).get();
            producer.send(new ProducerRecord<>("backups", tenant + "/gone#recent", catalogueRecord("recent", now.minus(java.time.Duration.ofHours(1)), 3))).get();
        }
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).untilAsserted(() ->
                api().get("/v1/deployments/" + tenant + "/gone/backups").then().statusCode(200)
                        .body("backups.find { it.backupId == 'old' }.state", equalTo("BACKUP_STATE_EXPIRED"))
                        .body("backups.find { it.backupId == 'recent' }.state", equalTo("BACKUP_STATE_COMPLETE")));
    }

    private String catalogueRecord(String id, java.time.Instant finishedAt, int retentionDays) {
        return "{\"deployment\":{\"tenant\":\"" + tenant + "\",\"name\":\"gone\"},\"backupId\":\"" + id + "\","
                + "\"state\":\"BACKUP_STATE_COMPLETE\",\"trigger\":\"BACKUP_TRIGGER_SCHEDULED\",\"retentionDays\":" + retentionDays + ","
                + "\"requestedAt\":\"" + finishedAt.minusSeconds(60) + "\",\"deploymentDeleted\":true,"
                + "\"manifest\":{\"backupId\":\"" + id + "\",\"gtidPosition\":\"0-1-5\",\"startedAt\":\"" + finishedAt.minusSeconds(30)
                + "\",\"finishedAt\":\"" + finishedAt + "\"}}";
    }

    private KafkaProducer<String, String> producer() {
        Properties props = new Properties();
        props.putAll(SharedKafka.clientProperties());
        return new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
    }
}
