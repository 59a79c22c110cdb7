package dev.marina.cert.commands;

import dev.marina.schemas.serde.DecodingDeserializer;
import dev.marina.schemas.v1.DnsEvent;

/** {@code dns-events} values, read for the answers to cert-service's challenge wishes. */
public class DnsEventDecoder extends DecodingDeserializer<DnsEvent> {
    public DnsEventDecoder() {
        super(DnsEvent.getDefaultInstance());
    }
}
