package dev.marina.provisioner.ec2;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import software.amazon.awssdk.protocols.jsoncore.JsonNode;

/**
 * A stand-in for SSM's endpoint (AWS JSON 1.1), on a JDK HttpServer at 127.0.0.1, that plays recorded exchanges (files
 * under {@code src/test/resources/ssm/}) in order, the sibling of {@link FakeEc2}. Every request must be a SigV4-signed
 * {@code POST /} for the {@code ssm} service by the test credentials, {@code Content-Type: application/x-amz-json-1.1},
 * with the exchange's {@code X-Amz-Target} and exactly its body's top-level fields (a field {@code "*"} accepts any
 * value; every other is compared whole, tags included). A request that differs is answered 400 naming the difference
 * and listed by {@link #problems()}, which every test asserts empty.
 *
 * <p>Exchange file: optional {@code #} comment lines, {@code POST /}, {@code X-Amz-Target: AmazonSSM.<Action>}, the
 * JSON request body (one or more lines), {@code === STATUS}, the JSON response body.
 */
public final class FakeSsm implements AutoCloseable {

    public static final String ANY = "*";

    record Exchange(String source, String target, Map<String, String> fields, int status, String responseBody) {}

    /** A request as received: its target and its body's top-level fields (canonical JSON text each). */
    public record Received(String target, Map<String, String> fields) {
        public String action() {
            return target.substring(target.indexOf('.') + 1);
        }

        /** A string field's value, unquoted. */
        public String text(String field) {
            String json = fields.get(field);
            return json == null ? null : JsonNode.parser().parse(json).asString();
        }
    }

    private final HttpServer server;
    private final String root;
    private final Deque<Exchange> expected = new ArrayDeque<>();
    private final List<Received> received = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();

    public FakeSsm() {
        this.root = "/ssm/";
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", this::handle);
        server.start();
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Expects the numbered exchanges of a scenario folder, in order. */
    public FakeSsm play(String scenario) {
        try (Stream<Path> files = Files.list(resource(scenario))) {
            files.filter(f -> f.getFileName().toString().matches("\\d+-.*\\.exchange")).sorted()
                    .forEach(f -> expect(scenario + "/" + f.getFileName()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    public synchronized FakeSsm expect(String file) {
        expected.add(parse(file));
        return this;
    }

    public synchronized List<Received> received() {
        return List.copyOf(received);
    }

    public synchronized List<String> problems() {
        return List.copyOf(problems);
    }

    public synchronized List<String> unplayed() {
        return expected.stream().map(Exchange::source).toList();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void handle(HttpExchange http) throws IOException {
        try (http) {
            String body = new String(http.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String target = String.valueOf(http.getRequestHeaders().getFirst("X-Amz-Target"));
            Exchange exchange;
            String mismatch;
            synchronized (this) {
                Map<String, String> fields;
                try {
                    fields = fields(body);
                } catch (RuntimeException e) {
                    fields = Map.of();
                }
                Received request = new Received(target, fields);
                received.add(request);
                exchange = expected.poll();
                mismatch = exchange == null ? "no exchange expected (" + target + ")"
                        : mismatch(exchange, request, http.getRequestMethod(), http.getRequestURI().getRawPath(),
                                http.getRequestHeaders().getFirst("Authorization"),
                                http.getRequestHeaders().getFirst("Content-Type"));
                if (mismatch != null) {
                    problems.add(target + ": " + mismatch);
                }
            }
            if (mismatch != null) {
                respond(http, 400, "{\"__type\":\"FakeSsmMismatch\",\"message\":" + quote(mismatch) + "}");
            } else {
                respond(http, exchange.status(), exchange.responseBody());
            }
        }
    }

    private static String mismatch(Exchange want, Received got, String method, String path, String authorization,
            String contentType) {
        if (authorization == null || !authorization.startsWith("AWS4-HMAC-SHA256 Credential=" + FakeEc2.ACCESS_KEY + "/")
                || !authorization.contains("/ssm/aws4_request")) {
            return "not signed for ssm with the test credentials: " + authorization;
        }
        if (contentType == null || !contentType.startsWith("application/x-amz-json-1.1")) {
            return "not an AWS JSON 1.1 request: " + contentType;
        }
        if (!"POST".equals(method) || !"/".equals(path)) {
            return "expected POST / but got " + method + " " + path;
        }
        if (!want.target().equals(got.target())) {
            return "expected X-Amz-Target " + want.target() + " (" + want.source() + ")";
        }
        List<String> differences = new ArrayList<>();
        TreeSet<String> names = new TreeSet<>(want.fields().keySet());
        names.addAll(got.fields().keySet());
        for (String name : names) {
            String w = want.fields().get(name);
            String g = got.fields().get(name);
            if (w == null) {
                differences.add("unexpected " + name + "=" + g);
            } else if (g == null) {
                differences.add("missing " + name + "=" + w);
            } else if (!w.equals(quote(ANY)) && !w.equals(g)) {
                differences.add(name + ": expected " + w + " but got " + g);
            }
        }
        return differences.isEmpty() ? null : "differs from " + want.source() + ": " + String.join("; ", differences);
    }

    private static void respond(HttpExchange http, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        http.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
        http.getResponseHeaders().set("x-amzn-RequestId", "4f1b2c3d-0000-4000-8000-000000000000");
        http.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            http.getResponseBody().write(bytes);
        }
    }

    // ---- JSON, canonical: objects with sorted keys, so field order and spacing never matter

    static Map<String, String> fields(String json) {
        Map<String, String> out = new TreeMap<>();
        if (!json.isBlank()) {
            JsonNode.parser().parse(json).asObject().forEach((k, v) -> out.put(k, canonical(v)));
        }
        return out;
    }

    static String canonical(JsonNode node) {
        if (node.isObject()) {
            return node.asObject().entrySet().stream().sorted(Map.Entry.comparingByKey())
                    .map(e -> quote(e.getKey()) + ":" + canonical(e.getValue())).collect(Collectors.joining(",", "{", "}"));
        }
        if (node.isArray()) {
            return node.asArray().stream().map(FakeSsm::canonical).collect(Collectors.joining(",", "[", "]"));
        }
        if (node.isString()) {
            return quote(node.asString());
        }
        if (node.isNumber()) {
            return node.asNumber();
        }
        if (node.isBoolean()) {
            return Boolean.toString(node.asBoolean());
        }
        return "null";
    }

    static String quote(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }

    // ---- exchange files

    Exchange parse(String file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(resource(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int i = 0;
        while (i < lines.size() && (lines.get(i).startsWith("#") || lines.get(i).isBlank())) {
            i++;
        }
        if (!lines.get(i++).trim().equals("POST /")) {
            throw new IllegalArgumentException(file + ": the request line must be POST /");
        }
        String header = lines.get(i++).trim();
        if (!header.startsWith("X-Amz-Target: AmazonSSM.")) {
            throw new IllegalArgumentException(file + ": no X-Amz-Target line");
        }
        StringBuilder body = new StringBuilder();
        while (i < lines.size() && !lines.get(i).startsWith("=== ")) {
            body.append(lines.get(i++)).append('\n');
        }
        if (i == lines.size()) {
            throw new IllegalArgumentException(file + ": no '=== STATUS' line");
        }
        int status = Integer.parseInt(lines.get(i++).substring(4).trim());
        String response = String.join("\n", lines.subList(i, lines.size())).trim();
        return new Exchange(file, header.substring("X-Amz-Target:".length()).trim(), fields(body.toString()), status,
                response);
    }

    private Path resource(String relative) {
        URL url = FakeSsm.class.getResource(root + relative);
        if (url == null) {
            throw new IllegalArgumentException("no test resource " + root + relative);
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
