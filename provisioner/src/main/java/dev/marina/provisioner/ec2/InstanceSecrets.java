package dev.marina.provisioner.ec2;

/**
 * Makes and removes an instance's credentials, as the local driver does (its Kafka SCRAM principal with its ACLs, its
 * proof key), for the ec2 driver to hand over as a {@link BootstrapSecret}. Idempotent: the same instance gets the
 * same secret each time until it is removed.
 */
public interface InstanceSecrets {

    /** Makes (or keeps) the instance's principal and derives its proof key. */
    BootstrapSecret issue(String deployment, String instanceId);

    /** Removes the instance's principal (credential, ACLs, the kept settings file). Idempotent. */
    void revoke(String instanceId);
}
