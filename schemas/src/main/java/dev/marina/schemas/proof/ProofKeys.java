package dev.marina.schemas.proof;

import java.util.Optional;
import javax.crypto.SecretKey;

/** The keys a process can prove messages with: every instance's (the platform) or one instance's (an agent). */
public interface ProofKeys {

    /** The id of the platform proof key the instance keys come from: 8 hex digits of its SHA-256. */
    String keyId();

    /** The MAC key of the instance, or empty when these keys cannot speak for it. */
    Optional<SecretKey> instanceKey(String deploymentKey, String instanceId);
}
