package dev.marina.provisioner.ec2;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * RunInstances' ClientToken (EC2 idempotency: the same token within a region answers with the instance it made
 * before, never a second one). Pure: derived from the deployment, the instance, the attempt (the CREATE's command id,
 * kept by a replay) and the subnet tried (a launch in the next subnet after a capacity error is another request, and
 * EC2 refuses one token with other parameters). At most 64 ASCII characters, as EC2 allows.
 */
public final class ClientTokens {

    private ClientTokens() {}

    public static String derive(String deployment, String instanceId, String attempt, String subnet) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            // Lengths first: no two different tuples hash the same text.
            for (String part : new String[] {deployment, instanceId, attempt, subnet}) {
                byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
                sha.update((bytes.length + ":").getBytes(StandardCharsets.US_ASCII));
                sha.update(bytes);
            }
            return "marina-" + HexFormat.of().formatHex(sha.digest()).substring(0, 48);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
