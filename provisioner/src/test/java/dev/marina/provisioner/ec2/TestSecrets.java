package dev.marina.provisioner.ec2;

import java.util.ArrayList;
import java.util.List;

/** Fixed credentials for tests: the same secret for the same instance, as the real ones; revocations are kept. */
public final class TestSecrets implements InstanceSecrets {

    public static final String PASSWORD = "Xq3v9Lk2Pz7Rt4Wm8Nb5Hc6Jd1Fg0SeA";
    public static final String CA = "-----BEGIN CERTIFICATE-----\nMIIBfakeCAforTestsOnly0123456789abcdefABCDEF+/==\n-----END CERTIFICATE-----\n";
    public static final String KEY_ID = "0a1b2c3d";

    private final List<String> revoked = new ArrayList<>();

    public static byte[] key() {
        byte[] key = new byte[32];
        for (int i = 0; i < key.length; i++) {
            key[i] = (byte) i;
        }
        return key;
    }

    @Override
    public BootstrapSecret issue(String deployment, String instanceId) {
        return new BootstrapSecret(instanceId, deployment, "agent-" + instanceId, PASSWORD, CA, KEY_ID, key());
    }

    @Override
    public synchronized void revoke(String instanceId) {
        revoked.add(instanceId);
    }

    public synchronized List<String> revoked() {
        return List.copyOf(revoked);
    }
}
