package dev.marina.provisioner.reaping;

import dev.marina.schemas.serde.DecodingDeserializer;
import dev.marina.schemas.v1.DeploymentStatus;

/** {@code deployment-status} values, never throwing. */
public class DeploymentStatusDecoder extends DecodingDeserializer<DeploymentStatus> {
    public DeploymentStatusDecoder() {
        super(DeploymentStatus.getDefaultInstance());
    }
}
