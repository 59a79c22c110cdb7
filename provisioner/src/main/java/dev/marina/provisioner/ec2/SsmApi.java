package dev.marina.provisioner.ec2;

import java.util.Map;
import java.util.Optional;

/**
 * The narrow seam to SSM Parameter Store for the instances' one-time bootstrap secrets: write one, delete one.
 * {@link SdkSsmApi} is the one implementation (aws-sdk-java-v2, AWS JSON 1.1); an error answer is an
 * {@link Ec2CallException} carrying the SSM action and AWS's code.
 */
public interface SsmApi extends AutoCloseable {

    /**
     * Writes a SecureString parameter. A first write carries the tags; a parameter that exists already (a retried
     * create) is overwritten with the same value and tagged again (SSM refuses tags together with Overwrite).
     *
     * @param kmsKeyId the KMS key to encrypt with; empty: the account's {@code alias/aws/ssm}
     */
    void putSecure(String name, String value, Optional<String> kmsKeyId, Map<String, String> tags);

    /** Deletes a parameter; false when there was none (ParameterNotFound). */
    boolean delete(String name);

    @Override
    void close();
}
