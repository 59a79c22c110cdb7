package dev.marina.dns.commands;

import dev.marina.schemas.serde.DecodingDeserializer;
import dev.marina.schemas.v1.DnsCommand;

/** {@code dns-commands} values; bad bytes become a failed decode for the dead-letter topic. */
public class DnsCommandDecoder extends DecodingDeserializer<DnsCommand> {
    public DnsCommandDecoder() {
        super(DnsCommand.getDefaultInstance());
    }
}
