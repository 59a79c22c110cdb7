package dev.marina.cert.acme;

import dev.marina.cert.pki.Pem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** TLS to the ACME server: trust exactly the CAs of a PEM file (Pebble's), or the JVM's defaults. Never no verification. */
public final class TrustedHttp {
    private TrustedHttp() {}

    public static SSLContext sslContext(Optional<String> trustPem) {
        try {
            if (trustPem.isEmpty() || trustPem.get().isBlank()) {
                return SSLContext.getDefault();
            }
            Path file = Path.of(trustPem.get());
            List<X509Certificate> cas = Pem.certificates(Files.readString(file));
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            for (int i = 0; i < cas.size(); i++) {
                store.setCertificateEntry("trusted-" + i, cas.get(i));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(null, tmf.getTrustManagers(), null);
            return ssl;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the trust file " + trustPem.get() + " (marina.cert.acme.trust-pem)", e);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalStateException("cannot trust " + trustPem.orElse("the default trust store") + ": " + e.getMessage(), e);
        }
    }

    /** GETs a URL as text; throws {@link IOException} on a non-200 answer. */
    public static String get(HttpClient client, String url, Duration timeout) throws IOException, InterruptedException {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(url)).timeout(timeout).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("GET " + url + " answered " + response.statusCode());
        }
        return response.body();
    }
}
