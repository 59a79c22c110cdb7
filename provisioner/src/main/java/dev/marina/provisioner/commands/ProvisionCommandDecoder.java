package dev.marina.provisioner.commands;

import dev.marina.schemas.serde.DecodingDeserializer;
import dev.marina.schemas.v1.ProvisionCommand;

/** {@code provision-commands} values; bad bytes become a failed decode for the dead-letter topic. */
public class ProvisionCommandDecoder extends DecodingDeserializer<ProvisionCommand> {
    public ProvisionCommandDecoder() {
        super(ProvisionCommand.getDefaultInstance());
    }
}
