package dev.marina.bench;

import com.mysql.cj.conf.PropertySet;
import com.mysql.cj.protocol.StandardSocketFactory;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * Lets Connector/J reach a deployment by name as a client of the platform would: at every connect the
 * name is asked of the platform's BIND (UDP, no cache, this machine's resolver does not know the
 * zone), while the URL keeps the name so TLS verifies the certificate against it. Remembers, per
 * thread, the address it connected to.
 */
public final class BindSocketFactory extends StandardSocketFactory {

    private static volatile SimpleResolver resolver;
    private static final ThreadLocal<String> LAST_ADDRESS = new ThreadLocal<>();

    /** Where names are asked; set once before the first connect. */
    static void useServer(String host, int port) throws IOException {
        SimpleResolver r = new SimpleResolver(new InetSocketAddress(host, port));
        r.setTCP(false);
        r.setTimeout(Duration.ofMillis(300));
        resolver = r;
    }

    /** The first A record of {@code name} at the platform's BIND, or null when it has none. */
    static String resolve(String name) throws IOException {
        Message response = resolver.send(Message.newQuery(Record.newRecord(Name.fromString(name.endsWith(".") ? name : name + "."),
                Type.A, DClass.IN)));
        for (Record r : response.getSection(Section.ANSWER)) {
            if (r instanceof ARecord a) {
                return a.getAddress().getHostAddress();
            }
        }
        return null;
    }

    /** The address this thread's last connect went to (resolved from the name). */
    static String lastAddress() {
        return LAST_ADDRESS.get();
    }

    @Override
    public <T extends Closeable> T connect(String hostname, int portNumber, PropertySet props, int loginTimeout)
            throws IOException {
        String address = resolve(hostname);
        if (address == null) {
            throw new IOException(hostname + " does not resolve at the platform's DNS server");
        }
        LAST_ADDRESS.set(address);
        return super.connect(address, portNumber, props, loginTimeout);
    }
}
