package dev.marina.agent.database;

import com.mysql.cj.jdbc.Driver;
import dev.marina.agent.tls.ServerTls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;

/**
 * TCP connections to an instance's server with explicit timeouts, so no probe can hang a thread.
 *
 * <p>Over TLS, verified against the live set's {@code agent-trust.p12} ({@code VERIFY_CA}): the server may
 * require secure transport, and its certificate names DNS names while the agent dials the address, so
 * the host name is not checked (the CA is; nobody else holds a key that CA or the bootstrap certificate
 * vouches for on this address). Connector/J reads the trust store at each connection, so a new CA is
 * trusted from the next connection on; open connections stay up across {@code FLUSH SSL}.
 */
final class Jdbc {
    private Jdbc() {}

    // The driver directly, not DriverManager: no dependence on which class loader registered it.
    private static final Driver DRIVER = newDriver();

    static Connection connect(String address, String user, String password, Duration connectTimeout, Duration socketTimeout,
            Path trustStore) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", user);
        props.setProperty("password", password);
        props.setProperty("connectTimeout", Long.toString(connectTimeout.toMillis()));
        props.setProperty("socketTimeout", Long.toString(socketTimeout.toMillis()));
        if (Files.isRegularFile(trustStore)) {
            props.setProperty("sslMode", "VERIFY_CA");
            props.setProperty("trustCertificateKeyStoreUrl", trustStore.toUri().toString());
            props.setProperty("trustCertificateKeyStoreType", "PKCS12");
            props.setProperty("trustCertificateKeyStorePassword", ServerTls.TRUST_STORE_PASSWORD);
            props.setProperty("fallbackToSystemTrustStore", "false");
        } else {
            // No TLS files yet, so the server cannot offer TLS either (it was started without them).
            props.setProperty("sslMode", "DISABLED");
        }
        Connection connection = DRIVER.connect("jdbc:mysql://" + address + ":" + MyCnf.PORT + "/", props);
        if (connection == null) {
            throw new SQLException("the MySQL driver did not accept its own URL");
        }
        return connection;
    }

    private static Driver newDriver() {
        try {
            return new Driver();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot load the MySQL driver", e);
        }
    }
}
