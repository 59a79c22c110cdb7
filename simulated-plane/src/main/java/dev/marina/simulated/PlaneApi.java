package dev.marina.simulated;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.marina.schemas.proof.InstanceKey;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The plane's HTTP API, what the provisioner's {@code simulated} driver calls as the {@code ec2} driver calls EC2:
 * <ul>
 *   <li>{@code POST /v1/instances}: create (idempotent by id), with the instance's proof key and first command;</li>
 *   <li>{@code GET /v1/instances}, {@code GET /v1/instances/{id}}, {@code DELETE /v1/instances/{id}};</li>
 *   <li>{@code POST /v1/instances/{id}/kill} and {@code /revive}: a host dies, or comes back;</li>
 *   <li>{@code GET /v1/stats}: the plane's counters.</li>
 * </ul>
 * Every call needs {@code Authorization: Bearer <token>}: a create carries an instance's proof key. Bound to
 * loopback only. Bodies are JSON, at most 256 KiB.
 */
public final class PlaneApi implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern ONE = Pattern.compile("/v1/instances/([A-Za-z0-9][A-Za-z0-9._-]{0,99})(/kill|/revive)?");
    private static final int MAX_BODY = 256 * 1024;

    private volatile SimulatedPlane plane;
    private final byte[] token;
    private final HttpServer server;

    public PlaneApi(SimulatedPlane plane, String token, int port) throws IOException {
        this(token, port);
        attach(plane);
    }

    /** Listens at once; answers 503 until a plane is {@linkplain #attach attached} (the port is held meanwhile). */
    public PlaneApi(String token, int port) throws IOException {
        if (token == null || token.length() < 16) {
            throw new IllegalArgumentException("the plane's API token must be at least 16 characters");
        }
        this.token = token.getBytes(StandardCharsets.UTF_8);
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
        server.createContext("/v1/", this::serve);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.start();
    }

    public void attach(SimulatedPlane plane) {
        this.plane = plane;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private void serve(HttpExchange exchange) throws IOException {
        // Not try-with-resources with the catches below: resources close before a catch runs, and the catch replies.
        try {
            if (!authorized(exchange)) {
                reply(exchange, 401, error("a bearer token is required"));
                return;
            }
            SimulatedPlane plane = this.plane;
            if (plane == null) {
                reply(exchange, 503, error("the simulated plane is starting"));
                return;
            }
            String path = exchange.getRequestURI().getPath();
            String method = exchange.getRequestMethod();
            if (path.equals("/v1/stats") && method.equals("GET")) {
                reply(exchange, 200, JSON.valueToTree(plane.stats()));
                return;
            }
            if (path.equals("/v1/instances")) {
                if (method.equals("GET")) {
                    ArrayNode all = JSON.createArrayNode();
                    plane.list().forEach(v -> all.add(view(v)));
                    reply(exchange, 200, all);
                } else if (method.equals("POST")) {
                    create(plane, exchange);
                } else {
                    reply(exchange, 405, error("GET or POST"));
                }
                return;
            }
            Matcher m = ONE.matcher(path);
            if (!m.matches()) {
                reply(exchange, 404, error("no such resource: " + path));
                return;
            }
            String id = m.group(1);
            String action = m.group(2);
            if (action != null) {
                if (!method.equals("POST")) {
                    reply(exchange, 405, error("POST"));
                    return;
                }
                boolean done = action.equals("/kill") ? plane.kill(id) : plane.revive(id);
                reply(exchange, done ? 200 : 409, error(done ? "ok" : "no such instance in a state to " + action.substring(1)));
                return;
            }
            switch (method) {
                case "GET" -> {
                    Optional<SimulatedPlane.View> found = plane.describe(id);
                    if (found.isPresent()) {
                        reply(exchange, 200, view(found.get()));
                    } else {
                        reply(exchange, 404, error("no instance " + id));
                    }
                }
                case "DELETE" -> {
                    plane.destroy(id);
                    reply(exchange, 200, error("ok"));
                }
                default -> reply(exchange, 405, error("GET or DELETE"));
            }
        } catch (IllegalArgumentException e) {
            reply(exchange, 400, error(e.getMessage()));
        } catch (RuntimeException e) {
            reply(exchange, 500, error(String.valueOf(e.getMessage())));
        } finally {
            exchange.close();
        }
    }

    private void create(SimulatedPlane plane, HttpExchange exchange) throws IOException {
        JsonNode body;
        try (InputStream in = exchange.getRequestBody()) {
            byte[] bytes = in.readNBytes(MAX_BODY + 1);
            if (bytes.length > MAX_BODY) {
                reply(exchange, 413, error("a create is at most " + MAX_BODY + " bytes"));
                return;
            }
            body = JSON.readTree(bytes);
        } catch (IOException e) {
            reply(exchange, 400, error("the body is not JSON"));
            return;
        }
        String instanceId = text(body, "instanceId");
        String deployment = text(body, "deployment");
        InstanceKey key = new InstanceKey(text(body, "keyId"), deployment, instanceId, Base64.getDecoder().decode(text(body, "key")));
        Instant since = Instant.parse(text(body, "commandsSince"));
        Optional<String> first = body.hasNonNull("firstCommandJson") ? Optional.of(body.get("firstCommandJson").asText())
                : Optional.empty();
        reply(exchange, 200, view(plane.create(new SimulatedPlane.Create(instanceId, deployment, since, first, key))));
    }

    private static String text(JsonNode body, String field) {
        JsonNode node = body == null ? null : body.get(field);
        if (node == null || !node.isTextual() || node.asText().isBlank()) {
            throw new IllegalArgumentException("field " + field + " is required (a string)");
        }
        return node.asText();
    }

    private boolean authorized(HttpExchange exchange) {
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        if (header == null || !header.startsWith("Bearer ")) {
            return false;
        }
        return MessageDigest.isEqual(token, header.substring(7).getBytes(StandardCharsets.UTF_8));
    }

    private static ObjectNode view(SimulatedPlane.View v) {
        ObjectNode node = JSON.createObjectNode();
        node.put("instanceId", v.instanceId());
        node.put("deployment", v.deploymentKey());
        node.put("address", v.address());
        node.put("createdAt", v.createdAt().toString());
        node.put("alive", v.alive());
        return node;
    }

    private static ObjectNode error(String message) {
        return JSON.createObjectNode().put("message", message);
    }

    private static void reply(HttpExchange exchange, int status, JsonNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
