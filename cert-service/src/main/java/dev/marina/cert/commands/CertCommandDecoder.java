package dev.marina.cert.commands;

import dev.marina.schemas.serde.DecodingDeserializer;
import dev.marina.schemas.v1.CertCommand;

/** {@code cert-commands} values; bad bytes become a failed decode for the dead-letter topic. */
public class CertCommandDecoder extends DecodingDeserializer<CertCommand> {
    public CertCommandDecoder() {
        super(CertCommand.getDefaultInstance());
    }
}
