package dev.marina.agent;

import com.mysql.cj.conf.PropertySet;
import com.mysql.cj.protocol.StandardSocketFactory;
import java.io.Closeable;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Lets a test connect to a DNS name that does not resolve here: Connector/J dials the address mapped to
 * it, while TLS (SNI, VERIFY_IDENTITY) still uses the name of the URL. Named in a JDBC URL with
 * {@code socketFactory=dev.marina.agent.NameMappingSocketFactory}.
 */
public final class NameMappingSocketFactory extends StandardSocketFactory {

    static final Map<String, String> ADDRESSES = new ConcurrentHashMap<>();

    @Override
    public <T extends Closeable> T connect(String host, int port, PropertySet properties, int loginTimeout) throws IOException {
        return super.connect(ADDRESSES.getOrDefault(host, host), port, properties, loginTimeout);
    }
}
