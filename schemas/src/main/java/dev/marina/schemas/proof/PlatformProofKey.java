package dev.marina.schemas.proof;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * The platform's proof key: it derives every instance's key, so it stays with the control plane
 * (intent-service signs commands and checks agent events, health-monitor checks heartbeats and metrics,
 * the provisioner hands each agent its own key). Derived keys are cached, up to a bound.
 */
public final class PlatformProofKey implements ProofKeys {

    /** Derived keys kept; beyond it the cache starts over (a derivation costs one HMAC). */
    static final int CACHED_KEYS = 100_000;
    private static final String LABEL = "marina instance key v1|";

    private final SecretKeySpec key;
    private final String keyId;
    private final Map<String, SecretKey> derived = new ConcurrentHashMap<>();

    public PlatformProofKey(byte[] keyBytes) {
        if (keyBytes.length != 32) {
            throw new IllegalArgumentException("the platform proof key must be 32 bytes, is " + keyBytes.length);
        }
        this.key = new SecretKeySpec(keyBytes.clone(), "HmacSHA256");
        this.keyId = idOf(keyBytes);
    }

    @Override
    public String keyId() {
        return keyId;
    }

    /** Every instance has a key: derived on first use. */
    @Override
    public Optional<SecretKey> instanceKey(String deploymentKey, String instanceId) {
        String name = deploymentKey + "|" + instanceId;
        SecretKey found = derived.get(name);
        if (found == null) {
            if (derived.size() >= CACHED_KEYS) {
                derived.clear();
            }
            found = derive(name);
            derived.put(name, found);
        }
        return Optional.of(found);
    }

    /** What the provisioner writes for an agent: its instance's key, never this one. */
    public InstanceKey forInstance(String deploymentKey, String instanceId) {
        return new InstanceKey(keyId, deploymentKey, instanceId, derive(deploymentKey + "|" + instanceId).getEncoded());
    }

    private SecretKey derive(String name) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return new SecretKeySpec(mac.doFinal((LABEL + name).getBytes(StandardCharsets.UTF_8)), "HmacSHA256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    static String idOf(byte[] keyBytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(keyBytes), 0, 4);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
