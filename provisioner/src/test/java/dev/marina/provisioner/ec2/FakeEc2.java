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
import java.net.URLDecoder;
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
import java.util.stream.Stream;

/**
 * A stand-in for EC2's Query endpoint, on a JDK HttpServer at 127.0.0.1, that plays recorded exchanges (files under
 * {@code src/test/resources/ec2/}) in order. Every request the SDK sends must be a SigV4-signed {@code POST /} by the
 * test credentials whose form parameters are exactly the next exchange's (any order): the action, the API version,
 * the client token, every tag, filter, subnet and volume setting. A value {@code *} in an exchange accepts any value
 * (used only for the user data, which tests decode and check themselves). A request that differs is answered with an
 * EC2 error naming the difference, and is listed by {@link #problems()}, which every test asserts empty.
 *
 * <p>Exchange file: optional {@code #} comment lines, then {@code POST /}, then one {@code Name=value} per line
 * (decoded), then a line {@code === STATUS}, then the response body.
 */
public final class FakeEc2 implements AutoCloseable {

    public static final String ACCESS_KEY = "AKIDEXAMPLE";
    public static final String SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    public static final String ANY = "*";

    record Exchange(String source, String method, String path, Map<String, String> parameters, int status,
            String responseBody) {}

    /** A request as received: its form parameters, decoded. */
    public record Received(String method, String path, Map<String, String> parameters) {
        public String action() {
            return parameters.getOrDefault("Action", "");
        }
    }

    private final HttpServer server;
    private final Deque<Exchange> expected = new ArrayDeque<>();
    private final List<Received> received = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();

    public FakeEc2() {
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

    /** Expects the numbered exchanges of a scenario folder ({@code 01-….exchange}, …), in order. */
    public FakeEc2 play(String scenario) {
        try (Stream<Path> files = Files.list(resource(scenario))) {
            files.filter(f -> f.getFileName().toString().matches("\\d+-.*\\.exchange")).sorted()
                    .forEach(f -> expect(scenario + "/" + f.getFileName()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    public synchronized FakeEc2 expect(String file) {
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
            Received request = new Received(http.getRequestMethod(), http.getRequestURI().getRawPath(), form(body));
            Exchange exchange;
            String mismatch;
            synchronized (this) {
                received.add(request);
                exchange = expected.poll();
                mismatch = exchange == null ? "no exchange expected (" + request.action() + ")"
                        : mismatch(exchange, request, http.getRequestHeaders().getFirst("Authorization"),
                                http.getRequestHeaders().getFirst("Content-Type"));
                if (mismatch != null) {
                    problems.add(request.method() + " " + request.path() + " " + request.action() + ": " + mismatch);
                }
            }
            if (mismatch != null) {
                respond(http, 400, error("FakeEc2Mismatch", mismatch));
            } else {
                respond(http, exchange.status(), exchange.responseBody());
            }
        }
    }

    private static String mismatch(Exchange want, Received got, String authorization, String contentType) {
        if (authorization == null || !authorization.startsWith("AWS4-HMAC-SHA256 Credential=" + ACCESS_KEY + "/")
                || !authorization.contains("/ec2/aws4_request")) {
            return "not signed for ec2 with the test credentials: " + authorization;
        }
        if (contentType == null || !contentType.startsWith("application/x-www-form-urlencoded")) {
            return "not a form-encoded Query request: " + contentType;
        }
        if (!want.method().equals(got.method()) || !want.path().equals(got.path())) {
            return "expected " + want.method() + " " + want.path() + " (" + want.source() + ")";
        }
        List<String> differences = new ArrayList<>();
        TreeSet<String> names = new TreeSet<>(want.parameters().keySet());
        names.addAll(got.parameters().keySet());
        for (String name : names) {
            String w = want.parameters().get(name);
            String g = got.parameters().get(name);
            if (w == null) {
                differences.add("unexpected " + name + "=" + g);
            } else if (g == null) {
                differences.add("missing " + name + "=" + w);
            } else if (!w.equals(ANY) && !w.equals(g)) {
                differences.add(name + ": expected " + w + " but got " + g);
            }
        }
        return differences.isEmpty() ? null : "differs from " + want.source() + ": " + String.join("; ", differences);
    }

    private static void respond(HttpExchange http, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        http.getResponseHeaders().set("Content-Type", "text/xml;charset=UTF-8");
        http.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            http.getResponseBody().write(bytes);
        }
    }

    static String error(String code, String message) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>" + code + "</Code><Message>"
                + message.replace("&", "&amp;").replace("<", "&lt;") + "</Message></Error></Errors>"
                + "<RequestID>00000000-0000-4000-8000-000000000000</RequestID></Response>";
    }

    // ---- exchange files

    static Exchange parse(String file) {
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
        String[] requestLine = lines.get(i++).trim().split(" ", 2);
        Map<String, String> parameters = new TreeMap<>();
        while (i < lines.size() && !lines.get(i).startsWith("=== ")) {
            String line = lines.get(i++);
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] kv = line.split("=", 2);
            if (kv.length != 2) {
                throw new IllegalArgumentException(file + ": not a Name=value line: " + line);
            }
            parameters.put(kv[0].trim(), kv[1].trim());
        }
        if (i == lines.size()) {
            throw new IllegalArgumentException(file + ": no '=== STATUS' line");
        }
        int status = Integer.parseInt(lines.get(i++).substring(4).trim());
        String response = String.join("\n", lines.subList(i, lines.size())).trim();
        return new Exchange(file, requestLine[0], requestLine[1], parameters, status, response);
    }

    private static Path resource(String relative) {
        URL url = FakeEc2.class.getResource("/ec2/" + relative);
        if (url == null) {
            throw new IllegalArgumentException("no test resource ec2/" + relative);
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static Map<String, String> form(String body) {
        Map<String, String> form = new TreeMap<>();
        if (!body.isEmpty()) {
            for (String pair : body.split("&")) {
                String[] kv = pair.split("=", 2);
                form.put(decode(kv[0]), kv.length > 1 ? decode(kv[1]) : "");
            }
        }
        return form;
    }

    private static String decode(String text) {
        return URLDecoder.decode(text, StandardCharsets.UTF_8);
    }
}
