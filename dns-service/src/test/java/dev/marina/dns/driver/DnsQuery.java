package dev.marina.dns.driver;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/** What the server answers to a plain query, as any client would see it (sorted values). */
public final class DnsQuery {
    private DnsQuery() {}

    public static List<String> values(int port, String name, String type) {
        try {
            SimpleResolver resolver = new SimpleResolver("127.0.0.1");
            resolver.setPort(port);
            resolver.setTimeout(Duration.ofSeconds(2));
            org.xbill.DNS.Record question = org.xbill.DNS.Record.newRecord(Name.fromString(name), Type.value(type), DClass.IN);
            Message answer = resolver.send(Message.newQuery(question));
            return answer.getSection(Section.ANSWER).stream()
                    .map(DnsQuery::value)
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String value(org.xbill.DNS.Record record) {
        if (record instanceof ARecord a) {
            return a.getAddress().getHostAddress();
        } else if (record instanceof AAAARecord aaaa) {
            return aaaa.getAddress().getHostAddress();
        } else if (record instanceof TXTRecord txt) {
            return String.join("", txt.getStrings());
        }
        return record.rdataToString();
    }
}
