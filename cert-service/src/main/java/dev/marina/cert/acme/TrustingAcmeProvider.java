package dev.marina.cert.acme;

import java.net.http.HttpClient;
import javax.net.ssl.SSLContext;
import org.shredzone.acme4j.connector.NetworkSettings;
import org.shredzone.acme4j.provider.GenericAcmeProvider;

/**
 * acme4j's provider for plain {@code https://…/dir} URLs, with an HTTP client that trusts what
 * {@link TrustedHttp} says (acme4j's {@code NetworkSettings} has no trust option; its provider makes the client).
 */
final class TrustingAcmeProvider extends GenericAcmeProvider {

    private final SSLContext ssl;

    TrustingAcmeProvider(SSLContext ssl) {
        this.ssl = ssl;
    }

    @Override
    public HttpClient createHttpClient(NetworkSettings settings) {
        HttpClient.Builder builder = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(settings.getTimeout())
                .proxy(settings.getProxySelector())
                .sslContext(ssl);
        if (settings.getAuthenticator() != null) {
            builder.authenticator(settings.getAuthenticator());
        }
        return builder.build();
    }
}
