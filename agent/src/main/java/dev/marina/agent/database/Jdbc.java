package dev.marina.agent.database;

import com.mysql.cj.jdbc.Driver;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;

/** TCP connections to an instance's server with explicit timeouts, so no probe can hang a thread. */
final class Jdbc {
    private Jdbc() {}

    // The driver directly, not DriverManager: no dependence on which class loader registered it.
    private static final Driver DRIVER = newDriver();

    static Connection connect(String address, String user, String password, Duration connectTimeout, Duration socketTimeout)
            throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", user);
        props.setProperty("password", password);
        props.setProperty("connectTimeout", Long.toString(connectTimeout.toMillis()));
        props.setProperty("socketTimeout", Long.toString(socketTimeout.toMillis()));
        // Loopback to our own server; TLS for clients comes with the certificate work.
        props.setProperty("sslMode", "DISABLED");
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
