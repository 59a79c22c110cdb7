package dev.marina.e2e;

import com.mysql.cj.conf.PropertySet;
import com.mysql.cj.protocol.StandardSocketFactory;
import java.io.Closeable;
import java.io.IOException;
import java.util.List;
import java.util.function.Function;

/**
 * Lets Connector/J reach a deployment by its DNS name as a client of the platform would: the name is
 * resolved at the platform's DNS server (this machine's resolver does not ask it), while the URL keeps
 * the name, so TLS still verifies the server's certificate against the name.
 */
public final class PlatformDnsSocketFactory extends StandardSocketFactory {

    /** How names are resolved; set by the test to ask the platform's BIND. */
    static volatile Function<String, List<String>> resolver = name -> List.of(name);

    @Override
    public <T extends Closeable> T connect(String hostname, int portNumber, PropertySet props, int loginTimeout)
            throws IOException {
        List<String> addresses = resolver.apply(hostname);
        if (addresses.isEmpty()) {
            throw new IOException(hostname + " does not resolve at the platform's DNS server");
        }
        return super.connect(addresses.get(0), portNumber, props, loginTimeout);
    }
}
