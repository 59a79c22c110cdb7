package dev.marina.cert.acme;

import dev.marina.cert.CertConfig;
import java.net.URI;
import java.net.URL;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.List;
import org.shredzone.acme4j.AccountBuilder;
import org.shredzone.acme4j.Login;
import org.shredzone.acme4j.Order;
import org.shredzone.acme4j.Session;

/** Test access to the ACME server as cert-service's own account: to place an order "before a crash", and to look at it after. */
public final class TestOrders {
    private TestOrders() {}

    public static Login login(CertConfig config, KeyPair accountKey) throws Exception {
        Session session = new Session(URI.create(config.acme().directory().orElseThrow()),
                new TrustingAcmeProvider(TrustedHttp.sslContext(config.acme().trustPem())));
        return new AccountBuilder().agreeToTermsOfService().useKeyPair(accountKey).createLogin(session);
    }

    /** Places an order and leaves it pending, as a crash right after placing it would. */
    public static URL place(Login login, List<String> names) throws Exception {
        return login.newOrder().domains(names).create().getLocation();
    }

    /** The order's status and, once valid, its certificate. */
    public static Order fetch(Login login, URL order) throws Exception {
        Order o = login.bindOrder(order);
        o.fetch();
        return o;
    }

    public static X509Certificate certificate(Order order) {
        return order.getCertificate().getCertificate();
    }
}
