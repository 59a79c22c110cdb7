package dev.marina.provisioner.simulated;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.marina.provisioner.driver.CreateRequest;
import dev.marina.provisioner.driver.DriverException;
import dev.marina.provisioner.driver.Instance;
import dev.marina.provisioner.driver.InstanceDriver;
import dev.marina.schemas.proof.InstanceKey;
import dev.marina.schemas.proof.PlatformProofKey;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * The {@code simulated} driver: instances of the simulated data plane (module {@code simulated-plane}), made through
 * its HTTP API as the {@code ec2} driver makes hosts through EC2's. The plane gets what the local driver writes into an
 * instance folder: the instance's proof key (derived here from the platform key, never the platform key itself) and the
 * CREATE's first command. Its instances speak the real agent protocol; their addresses are in 198.18.0.0/15 and their
 * heartbeats say agent build "simulated", so none is mistaken for a real one.
 */
public final class SimulatedDriver implements InstanceDriver {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final URI base;
    private final String token;
    private final PlatformProofKey proof;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    public SimulatedDriver(URI base, String token, PlatformProofKey proof) {
        this.base = base;
        this.token = token;
        this.proof = proof;
    }

    @Override
    public Instance create(CreateRequest request) {
        InstanceKey key = proof.forInstance(request.deployment(), request.instanceId());
        ObjectNode body = JSON.createObjectNode()
                .put("instanceId", request.instanceId())
                .put("deployment", request.deployment())
                .put("keyId", key.keyId())
                .put("key", Base64.getEncoder().encodeToString(key.key()))
                .put("commandsSince", request.commandsSince().toString());
        request.firstCommandJson().ifPresent(json -> body.put("firstCommandJson", json));
        HttpResponse<String> response = call(HttpRequest.newBuilder(base.resolve("/v1/instances"))
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())), "create " + request.instanceId());
        if (response.statusCode() != 200) {
            throw new DriverException("the simulated plane refused to create " + request.instanceId() + ": " + message(response));
        }
        return instance(parse(response));
    }

    @Override
    public Optional<Instance> describe(String instanceId) {
        HttpResponse<String> response = call(HttpRequest.newBuilder(base.resolve("/v1/instances/" + instanceId)).GET(),
                "describe " + instanceId);
        if (response.statusCode() == 404) {
            return Optional.empty();
        }
        requireOk(response, "describe " + instanceId);
        return Optional.of(instance(parse(response)));
    }

    @Override
    public void destroy(String instanceId) {
        requireOk(call(HttpRequest.newBuilder(base.resolve("/v1/instances/" + instanceId)).DELETE(), "destroy " + instanceId),
                "destroy " + instanceId);
    }

    @Override
    public List<Instance> list() {
        HttpResponse<String> response = call(HttpRequest.newBuilder(base.resolve("/v1/instances")).GET(), "list");
        requireOk(response, "list");
        List<Instance> all = new ArrayList<>();
        parse(response).forEach(node -> all.add(instance(node)));
        return all;
    }

    private HttpResponse<String> call(HttpRequest.Builder request, String what) {
        try {
            return http.send(request.timeout(TIMEOUT).header("Authorization", "Bearer " + token)
                    .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new DriverException("the simulated plane at " + base + " did not answer (" + what + "): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DriverException("interrupted (" + what + ")", e);
        }
    }

    private static void requireOk(HttpResponse<String> response, String what) {
        if (response.statusCode() != 200) {
            throw new DriverException("the simulated plane answered " + response.statusCode() + " to " + what + ": " + message(response));
        }
    }

    private static JsonNode parse(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new DriverException("the simulated plane answered something that is not JSON: " + e.getMessage(), e);
        }
    }

    private static String message(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body()).path("message").asText(response.body());
        } catch (IOException e) {
            return response.body();
        }
    }

    private static Instance instance(JsonNode node) {
        return new Instance(node.path("instanceId").asText(), node.path("deployment").asText(), node.path("address").asText(),
                Instant.parse(node.path("createdAt").asText()));
    }
}
