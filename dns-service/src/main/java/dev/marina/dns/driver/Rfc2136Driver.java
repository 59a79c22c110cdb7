package dev.marina.dns.driver;

import dev.marina.dns.driver.DnsDriverException.Kind;
import dev.marina.dns.zone.Names;
import dev.marina.dns.zone.RecordSet;
import dev.marina.dns.zone.ZoneChange;
import dev.marina.dns.zone.ZoneContents;
import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TSIG;
import org.xbill.DNS.TSIGRecord;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;
import org.xbill.DNS.Update;
import org.xbill.DNS.ZoneTransferException;
import org.xbill.DNS.ZoneTransferIn;

/**
 * Dynamic DNS (RFC 2136) signed with TSIG (RFC 8945), e.g. against BIND: reads the zone with a
 * signed AXFR and writes each {@link ZoneChange} as one UPDATE message, which the server applies
 * atomically. Everything goes over TCP: a stopped server is then a refused connection at once
 * instead of a wait for a UDP timeout, and large updates are never truncated.
 */
public final class Rfc2136Driver implements DnsDriver {

    private final Rfc2136Settings settings;
    private final Name zone;
    private final TSIG tsig;

    public Rfc2136Driver(Rfc2136Settings settings) {
        this.settings = settings;
        this.zone = name(settings.zone());
        this.tsig = new TSIG(TSIG.algorithmToName(settings.algorithm()), name(settings.keyName()), settings.keySecret());
    }

    @Override
    public String zone() {
        return zone.toString().toLowerCase();
    }

    @Override
    public ZoneContents read() {
        ZoneTransferIn transfer = ZoneTransferIn.newAXFR(zone, settings.host(), settings.port(), tsig);
        transfer.setTimeout(settings.timeout());
        try {
            transfer.run();
        } catch (ZoneTransferException e) {
            throw new DnsDriverException(Kind.REFUSED, "server " + server() + " refused to transfer zone " + zone
                    + ": " + e.getMessage() + " (check marina.dns.key-name/key-secret and the server's allow-transfer)", e);
        } catch (IOException e) {
            throw unreachable("read zone " + zone, e);
        }
        return ZoneContents.of(recordSets(transfer.getAXFR()));
    }

    @Override
    public void apply(ZoneChange change) {
        if (change.isEmpty()) {
            return;
        }
        Update update = new Update(zone);
        change.conditions().forEach(condition -> addCondition(update, condition));
        change.operations().forEach(operation -> addOperation(update, operation));
        Message response;
        try {
            response = resolver().send(update);
        } catch (IOException e) {
            throw unreachable("update zone " + zone, e);
        }
        checkAnswer(response);
    }

    private SimpleResolver resolver() {
        try {
            SimpleResolver resolver = new SimpleResolver(settings.host());
            resolver.setPort(settings.port());
            resolver.setTCP(true);
            resolver.setTimeout(settings.timeout());
            resolver.setTSIGKey(tsig);
            return resolver;
        } catch (IOException e) {
            throw unreachable("resolve the server address", e);
        }
    }

    private void checkAnswer(Message response) {
        int rcode = response.getRcode();
        if (rcode == Rcode.NOERROR) {
            return;
        }
        String answer = Rcode.string(rcode) + tsigError(response);
        switch (rcode) {
            case Rcode.YXDOMAIN, Rcode.YXRRSET, Rcode.NXDOMAIN, Rcode.NXRRSET -> throw new DnsDriverException(
                    Kind.ZONE_CHANGED, "zone " + zone + " changed since it was read (" + answer + ")");
            case Rcode.NOTAUTH -> throw new DnsDriverException(Kind.REFUSED, "server " + server()
                    + " did not accept the TSIG key \"" + settings.keyName() + "\" (" + answer
                    + "): check marina.dns.key-name, key-secret and algorithm");
            case Rcode.SERVFAIL -> throw new DnsDriverException(Kind.UNREACHABLE, "server " + server()
                    + " failed the update of zone " + zone + " (" + answer + ")");
            default -> throw new DnsDriverException(Kind.REFUSED, "server " + server() + " refused the update of zone "
                    + zone + " (" + answer + ")");
        }
    }

    private static String tsigError(Message response) {
        TSIGRecord signature = response.getTSIG();
        return signature == null || signature.getError() == Rcode.NOERROR
                ? ""
                : ", TSIG error " + Rcode.TSIGstring(signature.getError());
    }

    private static void addCondition(Update update, ZoneChange.Condition condition) {
        if (condition instanceof ZoneChange.NameIsFree free) {
            update.absent(name(free.name()));
        } else if (condition instanceof ZoneChange.TxtIs txt) {
            update.present(new TXTRecord(name(txt.name()), DClass.IN, 0, txt.value()));
        }
    }

    private static void addOperation(Update update, ZoneChange.Operation operation) {
        if (operation instanceof ZoneChange.Replace replace) {
            RecordSet set = replace.recordSet();
            update.delete(name(set.name()), Type.value(set.type()));
            set.values().forEach(value -> update.add(record(set, value)));
        } else if (operation instanceof ZoneChange.Delete delete) {
            update.delete(name(delete.name()), Type.value(delete.type()));
        }
    }

    private static org.xbill.DNS.Record record(RecordSet set, String value) {
        Name name = name(set.name());
        long ttl = set.ttlSeconds();
        try {
            return switch (set.type()) {
                case "A" -> new ARecord(name, DClass.IN, ttl, InetAddress.getByName(value));
                case "AAAA" -> new AAAARecord(name, DClass.IN, ttl, InetAddress.getByName(value));
                case "CNAME" -> new CNAMERecord(name, DClass.IN, ttl, name(value));
                case "TXT" -> new TXTRecord(name, DClass.IN, ttl, value);
                default -> throw new IllegalArgumentException("type " + set.type() + " is not supported");
            };
        } catch (IOException e) {
            throw new IllegalArgumentException("\"" + value + "\" is not an " + set.type() + " value", e);
        }
    }

    /** Groups a transfer's records into record sets; the closing copy of the SOA is left out. */
    private static List<RecordSet> recordSets(List<org.xbill.DNS.Record> records) {
        Map<RecordSet.Key, List<String>> values = new LinkedHashMap<>();
        Map<RecordSet.Key, Integer> ttls = new LinkedHashMap<>();
        for (org.xbill.DNS.Record record : records) {
            RecordSet.Key key = new RecordSet.Key(Names.fqdn(record.getName().toString()), Type.string(record.getType()));
            List<String> list = values.computeIfAbsent(key, k -> new ArrayList<>());
            String value = value(record);
            if (!list.contains(value)) {
                list.add(value);
            }
            ttls.put(key, (int) record.getTTL());
        }
        List<RecordSet> sets = new ArrayList<>();
        values.forEach((key, list) -> sets.add(new RecordSet(key.name(), key.type(), list, ttls.get(key))));
        return sets;
    }

    private static String value(org.xbill.DNS.Record record) {
        if (record instanceof ARecord a) {
            return a.getAddress().getHostAddress();
        } else if (record instanceof AAAARecord aaaa) {
            return aaaa.getAddress().getHostAddress();
        } else if (record instanceof CNAMERecord cname) {
            return cname.getTarget().toString();
        } else if (record instanceof TXTRecord txt) {
            return String.join("", txt.getStrings());
        }
        return record.rdataToString();
    }

    private DnsDriverException unreachable(String what, IOException e) {
        return new DnsDriverException(Kind.UNREACHABLE, "could not " + what + ": server " + server()
                + " did not answer (" + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + ")", e);
    }

    private String server() {
        return settings.host() + ":" + settings.port();
    }

    private static Name name(String text) {
        try {
            return Name.fromString(Names.fqdn(text));
        } catch (TextParseException e) {
            throw new IllegalArgumentException("\"" + text + "\" is not a domain name", e);
        }
    }
}
