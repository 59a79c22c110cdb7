package dev.marina.dns.driver.route53;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
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
import java.util.Objects;
import java.util.TreeMap;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * A stand-in for Route 53's REST endpoint, on a JDK HttpServer at 127.0.0.1, that plays recorded
 * exchanges (files under {@code src/test/resources/route53/}) in order. Each request the SDK sends
 * must match the next exchange's method, path, query parameters (any order) and XML body (compared
 * as element trees, whitespace between elements ignored), and must be signed with SigV4 by the test
 * credentials. A request that does not match is answered with an error that names the difference,
 * and is listed by {@link #problems()}.
 *
 * <p>Exchange file: optional {@code #} comment lines, then {@code METHOD /path?query}, then the
 * expected request body (may be empty), then a line {@code === STATUS}, then the response body.
 */
final class FakeRoute53 implements AutoCloseable {

    static final String ACCESS_KEY = "AKIDEXAMPLE";
    static final String SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    record Exchange(String source, String method, String path, Map<String, String> query, String requestBody,
            int status, String responseBody) {}

    record Received(String method, String path, Map<String, String> query, String body) {}

    private final HttpServer server;
    private final Deque<Exchange> expected = new ArrayDeque<>();
    private final List<Received> received = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();

    FakeRoute53() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", this::handle);
        server.start();
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Expects the numbered exchanges of a scenario folder ({@code 01-….exchange}, …), in order. */
    FakeRoute53 play(String scenario) {
        try (Stream<Path> files = Files.list(resource(scenario))) {
            files.filter(f -> f.getFileName().toString().matches("\\d+-.*\\.exchange")).sorted()
                    .forEach(f -> expect(scenario + "/" + f.getFileName(), 1));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** Expects one exchange file {@code times} times in a row. */
    synchronized FakeRoute53 expect(String file, int times) {
        Exchange exchange = parse(file);
        for (int i = 0; i < times; i++) {
            expected.add(exchange);
        }
        return this;
    }

    synchronized List<Received> received() {
        return List.copyOf(received);
    }

    synchronized List<String> problems() {
        return List.copyOf(problems);
    }

    synchronized List<String> unplayed() {
        return expected.stream().map(Exchange::source).toList();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void handle(HttpExchange http) throws IOException {
        try (http) {
            String body = new String(http.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Received request = new Received(http.getRequestMethod(), http.getRequestURI().getRawPath(),
                    query(http.getRequestURI().getRawQuery()), body);
            Exchange exchange;
            String mismatch;
            synchronized (this) {
                received.add(request);
                exchange = expected.poll();
                mismatch = exchange == null ? "no exchange expected" : mismatch(exchange, request,
                        http.getRequestHeaders().getFirst("Authorization"));
                if (mismatch != null) {
                    problems.add(request.method() + " " + request.path() + ": " + mismatch);
                }
            }
            if (mismatch != null) {
                respond(http, 400, error("FakeRoute53Mismatch", mismatch));
            } else {
                respond(http, exchange.status(), exchange.responseBody());
            }
        }
    }

    private static String mismatch(Exchange want, Received got, String authorization) {
        if (authorization == null || !authorization.startsWith("AWS4-HMAC-SHA256 Credential=" + ACCESS_KEY + "/")) {
            return "not signed with the test credentials: " + authorization;
        }
        if (!want.method().equals(got.method()) || !want.path().equals(got.path())) {
            return "expected " + want.method() + " " + want.path() + " (" + want.source() + ")";
        }
        if (!want.query().equals(got.query())) {
            return "expected query " + want.query() + " but got " + got.query() + " (" + want.source() + ")";
        }
        String wantBody = canonicalXml(want.requestBody());
        String gotBody = canonicalXml(got.body());
        if (!wantBody.equals(gotBody)) {
            return "request body differs from " + want.source() + ":\nexpected:\n" + wantBody + "\ngot:\n" + gotBody;
        }
        return null;
    }

    private static void respond(HttpExchange http, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        http.getResponseHeaders().set("Content-Type", "text/xml");
        http.getResponseHeaders().set("x-amzn-RequestId", "5d1fb54c-0d7b-4a53-9e0f-1a2b3c4d5e6f");
        http.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            http.getResponseBody().write(bytes);
        }
    }

    static String error(String code, String message) {
        return "<?xml version=\"1.0\"?>\n<ErrorResponse xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\">"
                + "<Error><Type>Sender</Type><Code>" + code + "</Code><Message>" + message.replace("&", "&amp;")
                .replace("<", "&lt;") + "</Message></Error><RequestId>5d1fb54c-0d7b-4a53-9e0f-1a2b3c4d5e6f</RequestId>"
                + "</ErrorResponse>";
    }

    // ---- exchange files

    static Exchange parse(String name) {
        String file = name.endsWith(".exchange") ? name : name + ".exchange";
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
        URI target = URI.create(requestLine[1]);
        StringBuilder request = new StringBuilder();
        while (i < lines.size() && !lines.get(i).startsWith("=== ")) {
            request.append(lines.get(i++)).append('\n');
        }
        if (i == lines.size()) {
            throw new IllegalArgumentException(file + ": no '=== STATUS' line");
        }
        int status = Integer.parseInt(lines.get(i++).substring(4).trim());
        String response = String.join("\n", lines.subList(i, lines.size())).trim();
        return new Exchange(file, requestLine[0], target.getRawPath(), query(target.getRawQuery()),
                request.toString().trim(), status, response);
    }

    private static Path resource(String relative) {
        URL url = FakeRoute53.class.getResource("/route53/" + relative);
        if (url == null) {
            throw new IllegalArgumentException("no test resource route53/" + relative);
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> query = new TreeMap<>();
        if (raw != null && !raw.isEmpty()) {
            for (String pair : raw.split("&")) {
                String[] kv = pair.split("=", 2);
                query.put(decode(kv[0]), kv.length > 1 ? decode(kv[1]) : "");
            }
        }
        return query;
    }

    private static String decode(String text) {
        return URLDecoder.decode(text, StandardCharsets.UTF_8);
    }

    // ---- XML compared as trees

    /** One element per line, indented, namespace-qualified; empty for no body. */
    static String canonicalXml(String xml) {
        if (xml.isBlank()) {
            return "";
        }
        try (InputStream in = new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8))) {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(true);
            StringBuilder out = new StringBuilder();
            print(factory.newDocumentBuilder().parse(in).getDocumentElement(), 0, out);
            return out.toString();
        } catch (Exception e) {
            return "not XML (" + e.getMessage() + "): " + xml;
        }
    }

    private static void print(Element element, int depth, StringBuilder out) {
        out.append("  ".repeat(depth));
        // The namespace where it is set; children inherit it.
        Node parent = element.getParentNode();
        if (!(parent instanceof Element p) || !Objects.equals(p.getNamespaceURI(), element.getNamespaceURI())) {
            out.append('{').append(element.getNamespaceURI()).append('}');
        }
        out.append(element.getLocalName());
        List<Element> children = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        for (Node child = element.getFirstChild(); child != null; child = child.getNextSibling()) {
            if (child instanceof Element e) {
                children.add(e);
            } else if (child.getNodeType() == Node.TEXT_NODE || child.getNodeType() == Node.CDATA_SECTION_NODE) {
                text.append(child.getNodeValue());
            }
        }
        if (children.isEmpty()) {
            out.append(" = ").append(text.toString().trim());
        }
        out.append('\n');
        children.forEach(child -> print(child, depth + 1, out));
    }
}
